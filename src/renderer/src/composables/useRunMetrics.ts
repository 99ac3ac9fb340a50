/**
 * The metric series of some runs, kept live: loaded with `getRunMetrics`,
 * then grown from `onRunProgress` points. Points are buffered and applied at
 * most every `flushMs` (charts redraw ~7 times a second however fast the
 * worker reports), always as new arrays in a new Map so a `shallowRef`
 * consumer sees the change without deep watching.
 *
 * Races: points that arrive while a run's series are loading wait, then only
 * those after the last loaded step are appended. A run that ends, or starts
 * again (resume), is reloaded: the store's copy is the reference.
 */
import { onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter } from 'vue'
import type { MetricPoint, Run } from '../../../shared/train'
import { errorMessage } from '../lib/errors'
import { appendPoints, groupByKey, METRIC_KEYS, normaliseSeries, type SeriesByKey } from '../lib/metrics'
import { useRunsStore } from '../stores/runs'
import { useApi } from './useApi'

/** `keys`: the metric keys to load and keep (default: the loss and accuracy charts' keys). */
export function useRunMetrics(ids: MaybeRefOrGetter<number[]>, options: { flushMs?: number; keys?: readonly string[] } = {}) {
  const api = useApi()
  const runs = useRunsStore()
  const flushMs = options.flushMs ?? 150
  const keys = [...(options.keys ?? METRIC_KEYS)]
  const keySet = new Set(keys)
  /** Run id → metric key → series. Replaced (never mutated) on every change. */
  const data = shallowRef(new Map<number, SeriesByKey>())
  const loading = ref(false)
  const error = ref<string | null>(null)

  let wanted = new Set<number>()
  const pending = new Map<number, MetricPoint[]>()
  /** Run id → generation of its latest load; a load answers only if still the latest. */
  const generation = new Map<number, number>()
  const inFlight = new Set<number>()
  let timer: ReturnType<typeof setTimeout> | null = null

  function schedule(): void {
    timer ??= setTimeout(flush, flushMs)
  }

  function flush(): void {
    timer = null
    let next: Map<number, SeriesByKey> | null = null
    for (const [id, points] of pending) {
      if (inFlight.has(id)) continue
      pending.delete(id)
      const current = (next ?? data.value).get(id)
      if (!current || !wanted.has(id)) continue
      const updated: SeriesByKey = { ...current }
      for (const [key, list] of groupByKey(points)) if (keySet.has(key)) updated[key] = appendPoints(updated[key], list)
      next ??= new Map(data.value)
      next.set(id, updated)
    }
    if (next) data.value = next
  }

  async function load(list: number[]): Promise<void> {
    if (list.length === 0) return
    const gens = new Map(list.map((id) => [id, (generation.get(id) ?? 0) + 1]))
    for (const [id, g] of gens) {
      generation.set(id, g)
      inFlight.add(id)
    }
    loading.value = true
    try {
      // The contract takes at most 20 runs per call.
      const results = []
      for (let i = 0; i < list.length; i += 20) {
        results.push(...(await api.getRunMetrics({ ids: list.slice(i, i + 20), keys })))
      }
      const next = new Map(data.value)
      for (const r of results) {
        if (generation.get(r.runId) !== gens.get(r.runId) || !wanted.has(r.runId)) continue
        const series: SeriesByKey = {}
        for (const [key, s] of Object.entries(r.series)) series[key] = normaliseSeries(s)
        // Live points that came during the load: only those after what was loaded.
        const waiting = pending.get(r.runId)
        if (waiting) {
          pending.delete(r.runId)
          for (const [key, points] of groupByKey(waiting)) {
            if (!keySet.has(key)) continue
            const last = series[key]?.step.at(-1) ?? -Infinity
            const newer = points.filter((p) => p.step > last)
            if (newer.length) series[key] = appendPoints(series[key], newer)
          }
        }
        next.set(r.runId, series)
      }
      data.value = next
      error.value = null
    } catch (err) {
      error.value = errorMessage(err)
    } finally {
      for (const [id, g] of gens) if (generation.get(id) === g) inFlight.delete(id)
      loading.value = inFlight.size > 0
      if (pending.size) schedule()
    }
  }

  function onProgress(p: { runId: number; points: MetricPoint[] }): void {
    if (!wanted.has(p.runId) || p.points.length === 0) return
    let list = pending.get(p.runId)
    if (!list) pending.set(p.runId, (list = []))
    list.push(...p.points)
    if (!inFlight.has(p.runId)) schedule()
  }

  const off = api.onRunProgress(onProgress)

  // A run that ended (the stored series are complete) or started again from a checkpoint: reload it.
  const active = (s: Run['status'] | undefined): boolean => s === 'running' || s === 'queued'
  watch(
    () => new Map(toValue(ids).map((id) => [id, runs.get(id)?.status])),
    (now, before) => {
      const reload: number[] = []
      for (const [id, status] of now) {
        const was = before.get(id)
        if (status && was && status !== was && (!active(status) || !active(was)) && data.value.has(id)) reload.push(id)
      }
      void load(reload)
    },
  )

  watch(
    () => [...toValue(ids)].sort((a, b) => a - b).join(','),
    () => {
      const list = toValue(ids)
      wanted = new Set(list)
      const missing = list.filter((id) => !data.value.has(id) && !inFlight.has(id))
      if ([...data.value.keys()].some((id) => !wanted.has(id))) {
        data.value = new Map([...data.value].filter(([id]) => wanted.has(id)))
      }
      for (const id of pending.keys()) if (!wanted.has(id)) pending.delete(id)
      void load(missing)
    },
    { immediate: true },
  )

  onScopeDispose(() => {
    off()
    if (timer) clearTimeout(timer)
  })

  /** Reload some runs' series from the store (e.g. after a resume). */
  function reload(list: number[]): Promise<void> {
    return load(list.filter((id) => wanted.has(id)))
  }

  return { data, loading, error, reload }
}
