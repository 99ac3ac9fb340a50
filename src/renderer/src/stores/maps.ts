/**
 * Maps of runs' embeddings (projections): the stored ones per run, and the
 * jobs drawing new ones with their latest live layout (`onProjectionProgress`,
 * about once a second, coordinates included). Live frames are kept per job,
 * the latest only, so a map keeps moving while its view is closed and shows
 * its current state when it is opened again.
 */
import { defineStore } from 'pinia'
import { markRaw, onScopeDispose, shallowRef, watch } from 'vue'
import type { Projection, ProjectionParamsInput, ProjectionProgress } from '../../../shared/explore'
import type { Job, Side } from '../../../shared/schemas'
import { useApi } from '../composables/useApi'
import { useJobsStore } from './jobs'

export interface MapJob {
  jobId: string
  runId: number
  side: Side
  method: string
}

export const useMapsStore = defineStore('maps', () => {
  const api = useApi()
  const jobs = useJobsStore()

  /** Run id → its stored maps, newest first. */
  const byRun = shallowRef(new Map<number, Projection[]>())
  /** Job id → the latest frame of a map being drawn. */
  const live = shallowRef(new Map<string, ProjectionProgress>())
  /** Job id → what it draws (from `start` or its first frame). */
  const mapJobs = shallowRef(new Map<string, MapJob>())

  function remember(j: MapJob): void {
    if (mapJobs.value.has(j.jobId)) return
    mapJobs.value = new Map(mapJobs.value).set(j.jobId, j)
  }

  async function refresh(runId: number): Promise<Projection[]> {
    const list = await api.listProjections({ runId })
    const sorted = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)
    byRun.value = new Map(byRun.value).set(runId, sorted)
    return sorted
  }

  function list(runId: number, side: Side): Projection[] {
    return (byRun.value.get(runId) ?? []).filter((p) => p.side === side)
  }

  async function remove(p: Projection): Promise<void> {
    await api.deleteProjection({ id: p.id })
    const current = byRun.value.get(p.runId)
    if (current) byRun.value = new Map(byRun.value).set(p.runId, current.filter((x) => x.id !== p.id))
  }

  async function start(runId: number, side: Side, params: ProjectionParamsInput): Promise<Job> {
    const job = await api.startProjection({ runId, side, params })
    jobs.track(job)
    remember({ jobId: job.id, runId, side, method: params.method })
    return job
  }

  /** The running map job of a run's side, if any (newest first). */
  function running(runId: number, side: Side): MapJob | null {
    let best: { j: MapJob; at: string } | null = null
    for (const j of mapJobs.value.values()) {
      if (j.runId !== runId || j.side !== side) continue
      const job = jobs.get(j.jobId)
      if (!job || job.status !== 'running') continue
      if (!best || job.startedAt > best.at) best = { j, at: job.startedAt }
    }
    return best?.j ?? null
  }

  function onProgress(p: ProjectionProgress): void {
    remember({ jobId: p.jobId, runId: p.runId, side: p.side, method: p.method })
    // Coordinates are big: keep them out of Vue's reach.
    live.value = new Map(live.value).set(p.jobId, markRaw(p))
  }

  const ended = new Set<string>()
  // A map job that ends: its run's list changes; its live frames are no longer needed once the map is stored.
  watch(
    () => [...mapJobs.value.keys()].map((id) => `${id}:${jobs.get(id)?.status ?? ''}`).join(','),
    () => {
      for (const [id, j] of mapJobs.value) {
        const status = jobs.get(id)?.status
        if (!status || status === 'running') continue
        if (!ended.has(id)) {
          ended.add(id)
          if (status === 'succeeded') void refresh(j.runId).catch(() => undefined)
          // Keep the last frame a little: a view switching to the stored map shows it meanwhile.
          setTimeout(() => {
            if (!live.value.has(id)) return
            const next = new Map(live.value)
            next.delete(id)
            live.value = next
          }, 30_000)
        }
      }
    },
  )
  const off = api.onProjectionProgress(onProgress)
  onScopeDispose(off)

  return { byRun, live, mapJobs, refresh, list, remove, start, running }
})
