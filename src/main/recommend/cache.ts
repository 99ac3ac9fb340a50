import type { Statement } from 'better-sqlite3'
import { ApiError } from '../../shared/api'
import type { Side } from '../../shared/schemas'
import type { Db } from '../store/db'

/**
 * The explore caches of the main process: small LRU maps, one per kind of
 * derived data (entity lists and search haystacks, vector tables, ANN
 * indices, adjacency), each entry tagged with the dataset (and run) it came
 * from. `forgetRun` / `forgetDataset` drop every entry of a run / dataset
 * (call them when one is deleted); entries also carry a stamp (the row's
 * created / ended time) checked on every use, so an id reused by SQLite or a
 * run trained again never serves stale data even if nobody called forget.
 */

export interface Owner {
  datasetId: number
  runId?: number
}

export class LruCache<V extends Owner> {
  private readonly map = new Map<string, V>()

  private weight = 0

  /**
   * At most `capacity` entries and, with `weigh`, at most `maxWeight` in total
   * (the newest entry always stays). `onEvict` runs for every entry dropped.
   */
  constructor(
    readonly capacity: number,
    private readonly onEvict: (value: V) => void = () => {},
    private readonly weigh: (value: V) => number = () => 0,
    readonly maxWeight = Infinity,
  ) {
    REGISTRY.add(this as unknown as LruCache<Owner>)
  }

  get size(): number {
    return this.map.size
  }

  get(key: string): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) {
      // Most recently used last.
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }

  /** The entry without marking it used. */
  peek(key: string): V | undefined {
    return this.map.get(key)
  }

  set(key: string, value: V): void {
    const old = this.map.get(key)
    if (old !== undefined) this.drop(key, old, old !== value)
    this.map.set(key, value)
    this.weight += this.weigh(value)
    while (this.map.size > this.capacity || (this.weight > this.maxWeight && this.map.size > 1)) {
      const [k, v] = this.map.entries().next().value as [string, V]
      this.drop(k, v)
    }
  }

  delete(key: string): boolean {
    const v = this.map.get(key)
    if (v === undefined) return false
    this.drop(key, v)
    return true
  }

  deleteWhere(pred: (value: V) => boolean): number {
    let n = 0
    for (const [k, v] of [...this.map]) {
      if (pred(v)) {
        this.drop(k, v)
        n++
      }
    }
    return n
  }

  private drop(key: string, value: V, evict = true): void {
    this.map.delete(key)
    this.weight -= this.weigh(value)
    if (evict) this.onEvict(value)
  }

  clear(): void {
    this.deleteWhere(() => true)
  }

  values(): IterableIterator<V> {
    return this.map.values()
  }
}

const REGISTRY = new Set<LruCache<Owner>>()

/** Drop everything cached for a run (its vector tables and ANN indices). Call on delete. */
export function forgetRun(runId: number): void {
  for (const c of REGISTRY) c.deleteWhere((v) => v.runId === runId)
}

/** Drop everything cached for a dataset and its runs. Call on delete. */
export function forgetDataset(datasetId: number): void {
  for (const c of REGISTRY) c.deleteWhere((v) => v.datasetId === datasetId)
}

/** Drop everything (tests; memory pressure). */
export function forgetAll(): void {
  for (const c of REGISTRY) c.clear()
}

/** Number of cached entries per owner (tests). */
export function cachedEntries(owner: Partial<Owner>): number {
  let n = 0
  for (const c of REGISTRY) {
    n += [...c.values()].filter(
      (v) => (owner.datasetId === undefined || v.datasetId === owner.datasetId) && (owner.runId === undefined || v.runId === owner.runId),
    ).length
  }
  return n
}

// ---------------------------------------------------------------- stamps

const statements = new WeakMap<Db, Map<string, Statement>>()
function stmt(db: Db, sql: string): Statement {
  let m = statements.get(db)
  if (!m) statements.set(db, (m = new Map()))
  let s = m.get(sql)
  if (!s) m.set(sql, (s = db.prepare(sql)))
  return s
}

/** What identifies a dataset's content: its creation time (ids can be reused). Throws not_found. */
export function datasetStamp(db: Db, datasetId: number): string {
  const row = stmt(db, 'SELECT created_at AS c, status AS s FROM datasets WHERE id = ?').get(datasetId) as { c: string; s: string } | undefined
  if (!row) throw new ApiError({ code: 'not_found', message: `Dataset ${datasetId} does not exist.` })
  if (row.s !== 'ready') throw new ApiError({ code: 'conflict', message: `Dataset ${datasetId} is ${row.s}: explore a ready dataset.` })
  return row.c
}

/** A run's dataset and what identifies its embeddings (created and ended times). Throws not_found. */
export function runStamp(db: Db, runId: number): { datasetId: number; stamp: string } {
  const row = stmt(db, 'SELECT dataset_id AS d, created_at AS c, ended_at AS e FROM runs WHERE id = ?').get(runId) as
    | { d: number; c: string; e: string | null }
    | undefined
  if (!row) throw new ApiError({ code: 'not_found', message: `Run ${runId} does not exist.` })
  return { datasetId: row.d, stamp: `${row.c}|${row.e ?? ''}` }
}

export const sideKey = (id: number, side: Side): string => `${id}:${side}`
