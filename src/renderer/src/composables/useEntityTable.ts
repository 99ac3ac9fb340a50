/**
 * Every entity of one side of a dataset, by index: what a map needs to label,
 * colour and search its points. Loaded in pages of 1,000 (`listEntities` in
 * index order, a few pages in flight at once) and cached per dataset and side
 * for the session, so leaving the map and coming back costs nothing.
 *
 * The arrays are plain (never reactive): tens of thousands of entities behind
 * Vue proxies would be slow for no gain. `table` is replaced when it changes.
 */
import { markRaw, onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue'
import type { WorkbenchApi } from '../../../shared/api'
import type { Entity, Side } from '../../../shared/schemas'
import { errorMessage } from '../lib/errors'
import { useApi } from './useApi'

export const ENTITY_PAGE = 1000
const PARALLEL = 4
const CACHE_SIZE = 4

export interface EntityTable {
  datasetId: number
  side: Side
  /** entities[i] is the entity with index i. */
  entities: Entity[]
  /** How long the load took, for the record (ms). */
  loadMs: number
}

interface Entry {
  promise: Promise<EntityTable>
  loaded: Ref<number>
  total: Ref<number | null>
}

const cache = new Map<string, Entry>()

async function loadTable(api: WorkbenchApi, datasetId: number, side: Side, progress: Omit<Entry, 'promise'>): Promise<EntityTable> {
  const started = performance.now()
  const entities: Entity[] = []
  const put = (items: Entity[]): void => {
    for (const e of items) entities[e.index] = e
    progress.loaded.value += items.length
  }
  const first = await api.listEntities({ datasetId, side, orderBy: 'index', limit: ENTITY_PAGE, offset: 0 })
  progress.total.value = first.total
  put(first.items)
  const pages = Math.ceil(first.total / ENTITY_PAGE)
  let next = 1
  async function worker(): Promise<void> {
    while (next < pages) {
      const page = next++
      const res = await api.listEntities({ datasetId, side, orderBy: 'index', limit: ENTITY_PAGE, offset: page * ENTITY_PAGE })
      put(res.items)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, Math.max(0, pages - 1)) }, worker))
  return markRaw({ datasetId, side, entities: markRaw(entities), loadMs: performance.now() - started })
}

function entryFor(api: WorkbenchApi, datasetId: number, side: Side): Entry {
  const key = `${datasetId}:${side}`
  const entry = cache.get(key)
  if (entry) {
    // Most recently used last.
    cache.delete(key)
    cache.set(key, entry)
    return entry
  }
  const progress = { loaded: ref(0), total: ref<number | null>(null) }
  const e: Entry = { ...progress, promise: loadTable(api, datasetId, side, progress) }
  // A failed load is not kept: the next caller tries again.
  e.promise.catch(() => {
    if (cache.get(key) === e) cache.delete(key)
  })
  cache.set(key, e)
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
  return e
}

/** Forget a dataset's tables (its entities changed, e.g. a metadata import). */
export function invalidateEntityTables(datasetId: number): void {
  for (const key of [...cache.keys()]) if (key.startsWith(`${datasetId}:`)) cache.delete(key)
}

export function useEntityTable(datasetId: MaybeRefOrGetter<number | null>, side: MaybeRefOrGetter<Side>) {
  const api = useApi()
  const table = shallowRef<EntityTable | null>(null)
  const loaded = ref(0)
  const total = ref<number | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)

  let seq = 0
  let stopProgress: (() => void) | null = null

  async function load(): Promise<void> {
    const id = toValue(datasetId)
    const s = toValue(side)
    const mine = ++seq
    stopProgress?.()
    stopProgress = null
    table.value = null
    error.value = null
    if (id === null) return
    const entry = entryFor(api, id, s)
    stopProgress = watch(
      [entry.loaded, entry.total],
      ([l, t]) => {
        loaded.value = l
        total.value = t
      },
      { immediate: true },
    )
    loading.value = true
    try {
      const t = await entry.promise
      if (mine === seq) table.value = t
    } catch (err) {
      if (mine === seq) error.value = errorMessage(err)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  watch(() => [toValue(datasetId), toValue(side)], () => void load(), { immediate: true })
  // Entities changed underneath (e.g. a metadata import): load them again.
  const off = api.onDatasetsChanged(({ ids }) => {
    ids.forEach(invalidateEntityTables)
    const current = toValue(datasetId)
    if (current !== null && ids.includes(current)) void load()
  })
  onScopeDispose(() => {
    seq++
    stopProgress?.()
    off()
  })

  function reload(): Promise<void> {
    const id = toValue(datasetId)
    if (id !== null) invalidateEntityTables(id)
    return load()
  }

  return { table, loaded, total, loading, error, reload }
}
