/**
 * Exact top-k by brute force over a VectorTable (./vectors.ts): one pass of
 * dot products (the SIMD kernel), a per-row transform to "higher is better",
 * a partial selection of the k best (the bounded heap of ./neighbours.ts),
 * then the k scores recomputed in float64 and sorted.
 *
 *   cosine     score cos(q, xᵢ) = q̂·xᵢ/‖xᵢ‖          nearest: largest first
 *   euclidean  score ‖q − xᵢ‖ (from ‖xᵢ‖² − 2 q·xᵢ)    nearest: smallest first
 *
 * `farthest` reverses the order (least similar first). A zero row has cosine
 * 0 with everything. "More like these": the query is the mean of the rows
 * (L2-normalised first, for cosine), see `meanVector`.
 */
import type { Metric } from '../../shared/explore'
import { topK } from './neighbours'
import type { VectorTable } from './vectors'

export type Direction = 'nearest' | 'farthest'

export interface Hit {
  index: number
  /** cosine similarity, or euclidean distance. */
  score: number
}

/** The mean of rows `indices` (each L2-normalised first for cosine), dim floats in float64. */
export function meanVector(table: VectorTable, indices: readonly number[], metric: Metric): Float64Array {
  const { dim, stride, data, invNorm } = table
  const out = new Float64Array(dim)
  for (const i of indices) {
    if (!(i >= 0 && i < table.rows)) throw new RangeError(`row ${i} is outside 0…${table.rows - 1}`)
    const w = metric === 'cosine' ? invNorm[i]! : 1
    for (let d = 0; d < dim; d++) out[d]! += data[i * stride + d]! * w
  }
  for (let d = 0; d < dim; d++) out[d]! /= indices.length
  return out
}

const scratch = new WeakMap<VectorTable, Float64Array>()

/** The k best rows for `query` (dim numbers), rows in `exclude` left out; best first by `direction`. */
export function exactSearch(
  table: VectorTable,
  query: ArrayLike<number>,
  k: number,
  metric: Metric,
  direction: Direction = 'nearest',
  exclude: readonly number[] = [],
): Hit[] {
  const { rows, dim, dots, sqNorm, invNorm } = table
  const q = metric === 'cosine' ? normalized(query, dim) : Float64Array.from({ length: dim }, (_, d) => query[d]!)
  loadQuery(table, q)
  table.computeDots()

  let good = scratch.get(table)
  if (!good) scratch.set(table, (good = new Float64Array(rows)))
  if (metric === 'cosine') {
    const sign = direction === 'nearest' ? 1 : -1
    for (let i = 0; i < rows; i++) good[i] = sign * dots[i]! * invNorm[i]!
  } else if (direction === 'nearest') {
    for (let i = 0; i < rows; i++) good[i] = 2 * dots[i]! - sqNorm[i]!
  } else {
    for (let i = 0; i < rows; i++) good[i] = sqNorm[i]! - 2 * dots[i]!
  }
  for (const i of exclude) if (i >= 0 && i < rows) good[i] = -Infinity
  const picked = topK(good, Math.min(k, rows))
  return rankHits(
    table,
    q,
    picked.map((p) => p.index),
    metric,
    direction,
  )
}

/** Exact float64 scores of `indices` for query q (already normalised for cosine), sorted best first. */
export function rankHits(table: VectorTable, q: Float64Array, indices: readonly number[], metric: Metric, direction: Direction): Hit[] {
  const hits = indices.map((index) => ({ index, score: scoreRow(table, q, index, metric) }))
  const better = (metric === 'cosine') === (direction === 'nearest') ? -1 : 1 // -1: larger first
  return hits.sort((a, b) => better * (a.score - b.score) || a.index - b.index)
}

/** cos(q̂, xᵢ) for a normalised q, or ‖q − xᵢ‖, in float64. */
export function scoreRow(table: VectorTable, q: Float64Array, i: number, metric: Metric): number {
  const { dim, stride, data } = table
  const o = i * stride
  if (metric === 'cosine') {
    let dot = 0
    for (let d = 0; d < dim; d++) dot += q[d]! * data[o + d]!
    return dot * table.invNorm[i]!
  }
  let ss = 0
  for (let d = 0; d < dim; d++) ss += (q[d]! - data[o + d]!) ** 2
  return Math.sqrt(ss)
}

/** q / ‖q‖ in float64 (a zero query stays zero). */
export function normalized(query: ArrayLike<number>, dim: number): Float64Array {
  let ss = 0
  for (let d = 0; d < dim; d++) ss += query[d]! * query[d]!
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0
  return Float64Array.from({ length: dim }, (_, d) => query[d]! * inv)
}

function loadQuery(table: VectorTable, q: Float64Array): void {
  table.query.fill(0)
  table.query.set(q)
}
