/**
 * Recall@k of an ANN index against exact search: for each query row q, the
 * fraction of the true k nearest rows (q itself left out, the index's
 * metric) that the index returns among its k; averaged over the queries.
 */
import { annSearch, type AnnIndex } from './ann'
import { exactSearch } from './exact'
import type { VectorTable } from './vectors'

export function measureRecall(table: VectorTable, index: AnnIndex, queries: readonly number[], k: number): number {
  if (queries.length === 0) return 1
  let sum = 0
  for (const q of queries) {
    const row = table.row(q)
    const truth = exactSearch(table, row, k, index.metric, 'nearest', [q])
    if (truth.length === 0) {
      sum += 1
      continue
    }
    const found = new Set(annSearch(index, row, k, [q]))
    let hit = 0
    for (const t of truth) if (found.has(t.index)) hit++
    sum += hit / truth.length
  }
  return sum / queries.length
}
