/**
 * Training runs, live: the list from `listRuns` merged with `onRunUpdate`,
 * the latest `onRunProgress` of each running run (without its points: the
 * charts collect those, see useRunMetrics), the runs ticked for comparison,
 * and the chart settings every run view shares.
 */
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type { LiveProgress, Run, RunConfigInput } from '../../../shared/train'
import { useApi } from '../composables/useApi'
import { errorMessage } from '../lib/errors'
import { clampWeight, DEFAULT_WEIGHT } from '../lib/smoothing'
import type { XAxis } from '../lib/metrics'

export type Progress = Omit<LiveProgress, 'points'>

const PREFS_KEY = 'ew.runCharts'
interface Prefs {
  smoothing: number
  xAxis: XAxis
  compare: number[]
}

function loadPrefs(): Prefs {
  const fallback: Prefs = { smoothing: DEFAULT_WEIGHT, xAxis: 'step', compare: [] }
  try {
    const raw = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null') as Partial<Prefs> | null
    if (!raw) return fallback
    return {
      smoothing: typeof raw.smoothing === 'number' ? clampWeight(raw.smoothing) : fallback.smoothing,
      xAxis: raw.xAxis === 'epoch' || raw.xAxis === 'wall' || raw.xAxis === 'step' ? raw.xAxis : fallback.xAxis,
      compare: Array.isArray(raw.compare) ? raw.compare.filter((n): n is number => Number.isInteger(n)) : [],
    }
  } catch {
    return fallback
  }
}

export const useRunsStore = defineStore('runs', () => {
  const api = useApi()
  const byId = shallowRef(new Map<number, Run>())
  const progress = shallowRef(new Map<number, Progress>())
  const loaded = ref(false)
  const error = ref<string | null>(null)

  const prefs = loadPrefs()
  /** Smoothing weight w of the debiased EMA, 0–0.99. */
  const smoothing = ref(prefs.smoothing)
  const xAxis = ref<XAxis>(prefs.xAxis)
  /** Runs ticked in the table: overlaid in the charts. */
  const compare = ref<number[]>(prefs.compare)
  watch([smoothing, xAxis, compare], () => {
    try {
      localStorage.setItem(PREFS_KEY, JSON.stringify({ smoothing: smoothing.value, xAxis: xAxis.value, compare: compare.value }))
    } catch {
      /* storage unavailable: settings last for this session */
    }
  })

  function put(run: Run): void {
    const next = new Map(byId.value)
    next.set(run.id, run)
    byId.value = next
    if (run.status !== 'running' && progress.value.has(run.id)) {
      const p = new Map(progress.value)
      p.delete(run.id)
      progress.value = p
    }
  }

  let inFlight: Promise<void> | null = null
  let again = false
  /** Reload the list; calls made while a reload runs coalesce into one more. */
  function refresh(): Promise<void> {
    if (inFlight) {
      again = true
      return inFlight
    }
    inFlight = (async () => {
      try {
        do {
          again = false
          const list = await api.listRuns({})
          byId.value = new Map(list.map((r) => [r.id, r]))
          error.value = null
          loaded.value = true
        } while (again)
        // Forget ticks of runs that are gone.
        const ids = byId.value
        if (compare.value.some((id) => !ids.has(id))) compare.value = compare.value.filter((id) => ids.has(id))
      } catch (err) {
        error.value = errorMessage(err)
      } finally {
        inFlight = null
      }
    })()
    return inFlight
  }

  function onProgress(p: LiveProgress): void {
    const { points: _points, ...rest } = p
    const next = new Map(progress.value)
    next.set(p.runId, rest)
    progress.value = next
    const run = byId.value.get(p.runId)
    if (!run) void refresh()
  }

  // Deleting a dataset deletes its runs.
  const off = [api.onRunUpdate(put), api.onRunProgress(onProgress), api.onDatasetsChanged(() => void refresh())]
  onScopeDispose(() => off.forEach((f) => f()))

  /** Newest first. */
  const all = computed(() => [...byId.value.values()].sort((a, b) => b.id - a.id))
  const running = computed(() => all.value.filter((r) => r.status === 'running' || r.status === 'queued'))

  function get(id: number | null | undefined): Run | null {
    return id === null || id === undefined ? null : (byId.value.get(id) ?? null)
  }

  async function fetch(id: number): Promise<Run> {
    const run = await api.getRun({ id })
    put(run)
    return run
  }

  async function start(config: RunConfigInput): Promise<Run> {
    const run = await api.startRun(config)
    put(run)
    return run
  }

  async function cancel(id: number): Promise<void> {
    put(await api.cancelRun({ id }))
  }

  async function resume(id: number): Promise<void> {
    put(await api.resumeRun({ id }))
  }

  async function remove(id: number): Promise<void> {
    await api.deleteRun({ id })
    const next = new Map(byId.value)
    next.delete(id)
    byId.value = next
    compare.value = compare.value.filter((c) => c !== id)
  }

  function toggleCompare(id: number, on?: boolean): void {
    const has = compare.value.includes(id)
    const want = on ?? !has
    if (want && !has) compare.value = [...compare.value, id]
    else if (!want && has) compare.value = compare.value.filter((c) => c !== id)
  }

  return {
    all,
    running,
    progress,
    loaded,
    error,
    smoothing,
    xAxis,
    compare,
    get,
    refresh,
    fetch,
    start,
    cancel,
    resume,
    remove,
    toggleCompare,
  }
})
