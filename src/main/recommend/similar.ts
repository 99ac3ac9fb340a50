/**
 * Similar entities of a run's side: the k nearest (or farthest) rows of the
 * embedding table to one entity, or to the mean of several ("more like
 * these", the query entities left out). Scores: cosine similarity (higher is
 * better) or euclidean distance (lower is better), always computed exactly.
 *
 * Methods: 'exact' brute force (./exact.ts); 'approximate' the HNSW index
 * (./ann.ts); 'auto' exact while rows × dim ≤ AUTO_EXACT_LIMIT (a pass then
 * takes ~2 ms), else approximate. 'farthest' is always exact (HNSW only finds
 * near points). The index of a (run, side, metric) is built on first demand
 * in a worker thread; until it is ready the query is answered exactly, and
 * the result says so (`method`).
 *
 * Caches (./cache.ts): vector tables per (run, side), indices per (run, side,
 * metric); `forgetRun` / `forgetDataset` drop them.
 */
import { ApiError } from '../../shared/api'
import type { Metric, SimilarQuery, SimilarResult } from '../../shared/explore'
import type { Side } from '../../shared/schemas'
import type { Db } from '../store/db'
import { loadEmbedding } from '../store/runs'
import { ANN_DEFAULTS, annSearch, buildAnnIndexInWorker, type AnnBuild, type AnnIndex, type AnnParams } from './ann'
import { LruCache, runStamp, sideKey } from './cache'
import { entityTable } from './entities'
import { adjacency } from './record'
import { exactSearch, meanVector, normalized, rankHits, type Hit } from './exact'
import { VectorTable } from './vectors'

/** 'auto' answers exactly up to this many floats in the table (37,020 × 50 is 1.9 M; a pass at 5 M takes ~2 ms). */
export const AUTO_EXACT_LIMIT = 5_000_000

/** Settings for queries and for indices built from now on: index parameters, build threads (0 = every core), the 'auto' limit. */
export const annSettings: { params: AnnParams; threads: number; autoExactLimit: number } = {
  params: { ...ANN_DEFAULTS },
  threads: 0,
  autoExactLimit: AUTO_EXACT_LIMIT,
}

interface TableEntry {
  datasetId: number
  runId: number
  stamp: string
  table: VectorTable
}

interface IndexEntry {
  datasetId: number
  runId: number
  stamp: string
  ann: AnnIndex | null
  build: AnnBuild | null
  error: string | null
}

/** Vector tables: at most 4, and 1 GiB (a 1,000,000 × 64 table is ~280 MB). */
const TABLES = new LruCache<TableEntry>(4, undefined, (e) => e.table.bytes, 2 ** 30)
/** ANN indices (a 1,000,000 × 64 graph is ~400 MB; the memory is freed when V8 collects the Index). */
const INDICES = new LruCache<IndexEntry>(2, (e) => e.build?.cancel())

export function similarEntities(db: Db, q: SimilarQuery): SimilarResult {
  const t0 = performance.now()
  const { datasetId, table } = runTable(db, q.runId, q.side)
  const entities = entityTable(db, datasetId, q.side).entities
  const indices = [...new Set(q.indices)]
  for (const i of indices) {
    if (i >= table.rows || i >= entities.length) {
      throw new ApiError({ code: 'invalid_request', message: `No ${q.side} entity ${i} in run ${q.runId} (it has ${table.rows}).` })
    }
  }
  const query = meanVector(table, indices, q.metric)

  let ann: AnnIndex | null = null
  if (q.direction === 'nearest' && (q.method === 'approximate' || (q.method === 'auto' && table.rows * table.dim > annSettings.autoExactLimit))) {
    ann = readyIndex(db, q.runId, q.side, q.metric)
  }
  let hits: Hit[]
  if (ann) {
    const found = annSearch(ann, query, q.k, indices)
    hits = rankHits(table, q.metric === 'cosine' ? normalized(query, table.dim) : query, found, q.metric, 'nearest')
  } else {
    hits = exactSearch(table, query, q.k, q.metric, q.direction, indices)
  }
  // Overlap with the query's links (items two users share, users two items share), from the dataset's adjacency.
  const adj = adjacency(db, datasetId, q.side)
  const mine = new Set<number>()
  for (const i of indices) for (let p = adj.offsets[i]!; p < adj.offsets[i + 1]!; p++) mine.add(adj.targets[p]!)
  const overlap = (i: number) => {
    const seen = new Set<number>()
    for (let p = adj.offsets[i]!; p < adj.offsets[i + 1]!; p++) if (mine.has(adj.targets[p]!)) seen.add(adj.targets[p]!)
    return seen.size
  }
  return {
    items: hits.filter((h) => h.index < entities.length).map((h) => ({ entity: entities[h.index]!, score: h.score, overlap: overlap(h.index) })),
    queryLinks: mine.size,
    scoreName: q.metric === 'cosine' ? 'cosine' : 'distance',
    method: ann ? 'approximate' : 'exact',
    tookMs: performance.now() - t0,
  }
}

/** The run side's vector table (cached). */
export function runTable(db: Db, runId: number, side: Side): { datasetId: number; stamp: string; table: VectorTable } {
  const { datasetId, stamp } = runStamp(db, runId)
  const key = sideKey(runId, side)
  const hit = TABLES.get(key)
  if (hit && hit.stamp === stamp) return hit
  const emb = loadEmbedding(db, runId, side)
  if (!emb) throw new ApiError({ code: 'not_found', message: `Run ${runId} has no ${side} embeddings.` })
  const entry: TableEntry = { datasetId, runId, stamp, table: new VectorTable(emb.rows, emb.dim, emb.data) }
  TABLES.set(key, entry)
  return entry
}

export type IndexStatus = 'none' | 'building' | 'ready' | 'failed'

/** Where the index of (run, side, metric) stands (no side effects). */
export function indexStatus(runId: number, side: Side, metric: Metric): IndexStatus {
  const e = INDICES.peek(indexKey(runId, side, metric))
  if (!e) return 'none'
  return e.ann ? 'ready' : e.error ? 'failed' : 'building'
}

/** Start building the index of (run, side, metric) if needed, and resolve when it is ready (rejects if it fails). */
export async function prepareIndex(db: Db, runId: number, side: Side, metric: Metric): Promise<void> {
  readyIndex(db, runId, side, metric)
  const e = INDICES.peek(indexKey(runId, side, metric))
  if (e?.build) await e.build.promise
  if (e?.error) throw new Error(e.error)
}

const indexKey = (runId: number, side: Side, metric: Metric) => `${sideKey(runId, side)}:${metric}`

/** The index if it is built; otherwise start building it (once) and return null. */
function readyIndex(db: Db, runId: number, side: Side, metric: Metric): AnnIndex | null {
  const { datasetId, stamp, table } = runTable(db, runId, side)
  const key = indexKey(runId, side, metric)
  const hit = INDICES.get(key)
  if (hit && hit.stamp === stamp) return hit.ann
  const entry: IndexEntry = { datasetId, runId, stamp, ann: null, build: null, error: null }
  const build = buildAnnIndexInWorker(table, metric, annSettings.params, { threads: annSettings.threads })
  entry.build = build
  build.promise.then(
    (ann) => {
      entry.ann = ann
      entry.build = null
    },
    (err: unknown) => {
      entry.build = null
      entry.error = err instanceof Error ? err.message : String(err)
      if (!(err instanceof Error && err.name === 'AbortError')) console.warn(`ANN index of run ${runId} (${side}, ${metric}) failed: ${entry.error}`)
    },
  )
  INDICES.set(key, entry)
  return null
}
