/**
 * Jobs, live: the list from `listJobs` merged with `onJobUpdate` events.
 * Running jobs are always shown; a job that succeeded or was cancelled
 * fades out after a few seconds; a failed job stays until dismissed.
 */
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { Job } from '../../../shared/schemas'
import { useApi } from '../composables/useApi'
import { errorMessage } from '../lib/errors'

const DISMISSED_KEY = 'ew.dismissedJobs'
const AUTO_DISMISS_MS = 6000

function loadDismissed(): Set<string> {
  try {
    const raw = localStorage.getItem(DISMISSED_KEY)
    return new Set(raw ? (JSON.parse(raw) as string[]) : [])
  } catch {
    return new Set()
  }
}

export const useJobsStore = defineStore('jobs', () => {
  const api = useApi()
  const byId = shallowRef(new Map<string, Job>())
  const dismissed = ref(loadDismissed())
  const error = ref<string | null>(null)
  const timers = new Map<string, ReturnType<typeof setTimeout>>()

  function saveDismissed(): void {
    try {
      localStorage.setItem(DISMISSED_KEY, JSON.stringify([...dismissed.value]))
    } catch {
      /* storage unavailable: dismissals last for this session */
    }
  }

  function put(job: Job): void {
    const previous = byId.value.get(job.id)
    // A late copy of a running job must not overwrite its end.
    if (previous && previous.status !== 'running' && job.status === 'running') return
    const next = new Map(byId.value)
    next.set(job.id, job)
    byId.value = next
    if (job.status !== 'running' && job.status !== 'failed' && (!previous || previous.status === 'running')) {
      scheduleDismiss(job.id)
    }
  }

  function scheduleDismiss(id: string): void {
    if (timers.has(id)) return
    timers.set(
      id,
      setTimeout(() => {
        timers.delete(id)
        dismiss(id)
      }, AUTO_DISMISS_MS),
    )
  }

  function dismiss(id: string): void {
    const next = new Set(dismissed.value)
    next.add(id)
    dismissed.value = next
    saveDismissed()
  }

  async function load(): Promise<void> {
    try {
      const list = await api.listJobs({})
      const next = new Map(byId.value)
      for (const job of list) {
        if (next.has(job.id)) continue // an event already brought a newer copy
        next.set(job.id, job)
        // Finished before this window opened: only failures are worth showing.
        if (job.status === 'succeeded' || job.status === 'cancelled') dismissed.value.add(job.id)
      }
      byId.value = next
      // Forget dismissals of jobs main no longer keeps.
      dismissed.value = new Set([...dismissed.value].filter((id) => next.has(id)))
      saveDismissed()
      error.value = null
    } catch (err) {
      error.value = errorMessage(err)
    }
  }

  const off = api.onJobUpdate(put)
  onScopeDispose(() => {
    off()
    timers.forEach((t) => clearTimeout(t))
  })
  void load()

  /** Newest first. */
  const all = computed(() => [...byId.value.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt)))
  const visible = computed(() => all.value.filter((j) => j.status === 'running' || !dismissed.value.has(j.id)))
  const running = computed(() => all.value.filter((j) => j.status === 'running'))

  function get(id: string | null | undefined): Job | null {
    return id ? (byId.value.get(id) ?? null) : null
  }

  /** Track a job just started by this window (before its first event arrives). */
  function track(job: Job): void {
    if (!byId.value.has(job.id)) put(job)
  }

  async function cancel(id: string): Promise<void> {
    put(await api.cancelJob({ id }))
  }

  return { all, visible, running, error, get, track, cancel, dismiss, load }
})
