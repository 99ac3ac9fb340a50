/**
 * Dataset statistics, computed from what is stored (the interaction chunks,
 * streamed, and the entity tables), never from an importer's own counters:
 *
 *   interactions  = number of stored rows (duplicates included)
 *   distinctPairs = |{(left, right)}|                (a PairSet, 8 B per slot)
 *   density       = distinctPairs / (nLeft · nRight)
 *   degree(e)     = interactions of entity e (its `frequency`), over ALL
 *                   entities of the side, zeros included: min, max, mean,
 *                   median (mean of the two middle values for an even count)
 *   histogram     = log-2 bins [1,1], [2,3], [4,7], …, [2^k, 2^(k+1)-1] up to
 *                   the bin holding max, preceded by [0,0] when some entity
 *                   has no interaction
 *   topLeft/Right = the 30 highest degrees (ties: lower index first)
 *   values        = min / max / mean of the value column, null without one
 */
import type { DatasetStats, Side } from '../../shared/schemas'
import type { Db } from '../store/db'
import { getDataset, iterateChunks, sideCode, updateStats } from '../store/datasets'
import { PairSet } from '../lib/pairset'

export const TOP_ENTITIES = 30

type SideStats = DatasetStats['left']
type DegreeStats = SideStats['degree']

export function computeStats(db: Db, datasetId: number, extra: { skippedRows: number }): DatasetStats {
  const dataset = getDataset(db, datasetId)
  if (!dataset) throw new Error(`Dataset ${datasetId} does not exist.`)
  const nLeft = entityCount(db, datasetId, 'left')
  const nRight = entityCount(db, datasetId, 'right')
  const total = (
    db.prepare('SELECT coalesce(sum(n), 0) AS n FROM interaction_chunks WHERE dataset_id = ?').get(datasetId) as { n: number }
  ).n

  const leftDegree = new Int32Array(nLeft)
  const rightDegree = new Int32Array(nRight)
  const pairs = new PairSet(total)
  let interactions = 0
  let valueCount = 0
  let valueSum = 0
  let valueMin = Infinity
  let valueMax = -Infinity
  for (const chunk of iterateChunks(db, datasetId)) {
    const { left, right, value } = chunk
    for (let i = 0; i < left.length; i++) {
      const l = left[i]!
      const r = right[i]!
      if (l < 0 || l >= nLeft || r < 0 || r >= nRight) {
        throw new Error(`Dataset ${datasetId}: interaction ${interactions + i} refers to entity (${l}, ${r}) outside ${nLeft} × ${nRight}.`)
      }
      leftDegree[l]!++
      rightDegree[r]!++
      pairs.add(l, r)
    }
    if (value) {
      for (let i = 0; i < value.length; i++) {
        const v = value[i]!
        if (Number.isNaN(v)) continue
        valueCount++
        valueSum += v
        if (v < valueMin) valueMin = v
        if (v > valueMax) valueMax = v
      }
    }
    interactions += left.length
  }

  return {
    interactions,
    distinctPairs: pairs.size,
    density: nLeft > 0 && nRight > 0 ? pairs.size / (nLeft * nRight) : 0,
    left: sideStats(db, datasetId, 'left', dataset.leftLabel, leftDegree),
    right: sideStats(db, datasetId, 'right', dataset.rightLabel, rightDegree),
    topRight: topEntities(db, datasetId, 'right', rightDegree),
    topLeft: topEntities(db, datasetId, 'left', leftDegree),
    values: valueCount > 0 ? { min: valueMin, max: valueMax, mean: valueSum / valueCount } : null,
    skippedRows: extra.skippedRows,
  }
}

/** After entities' labels or metadata changed: refresh metadataColumns and the top entities' labels. */
export function refreshEntityStats(db: Db, datasetId: number): void {
  const stats = getDataset(db, datasetId)?.stats
  if (!stats) return
  const label = db.prepare('SELECT label FROM entities WHERE dataset_id = ? AND side = ? AND key = ?').pluck()
  const relabel = (side: Side, top: DatasetStats['topLeft']) =>
    top.map((t) => ({ ...t, label: (label.get(datasetId, sideCode(side), t.key) as string | undefined) ?? t.label }))
  updateStats(db, datasetId, {
    ...stats,
    left: { ...stats.left, metadataColumns: metadataColumns(db, datasetId, 'left') },
    right: { ...stats.right, metadataColumns: metadataColumns(db, datasetId, 'right') },
    topLeft: relabel('left', stats.topLeft),
    topRight: relabel('right', stats.topRight),
  })
}

function entityCount(db: Db, datasetId: number, side: Side): number {
  return (
    db.prepare('SELECT count(*) AS n FROM entities WHERE dataset_id = ? AND side = ?').get(datasetId, sideCode(side)) as { n: number }
  ).n
}

function sideStats(db: Db, datasetId: number, side: Side, label: string, degree: Int32Array): SideStats {
  return { label, count: degree.length, degree: degreeStats(degree), metadataColumns: metadataColumns(db, datasetId, side) }
}

export function degreeStats(degree: Int32Array): DegreeStats {
  const n = degree.length
  if (n === 0) return { min: 0, max: 0, mean: 0, median: 0, histogram: [] }
  const sorted = Int32Array.from(degree).sort()
  let sum = 0
  for (let i = 0; i < n; i++) sum += sorted[i]!
  const mid = n >> 1
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { min: sorted[0]!, max: sorted[n - 1]!, mean: sum / n, median, histogram: log2Histogram(sorted) }
}

/** Log-2 bins over ascending degrees: [0,0] if any zero, then [1,1], [2,3], [4,7], … through the max. */
function log2Histogram(sorted: Int32Array): DegreeStats['histogram'] {
  const bins: DegreeStats['histogram'] = []
  const max = sorted[sorted.length - 1] ?? 0
  let i = 0
  let zeros = 0
  while (i < sorted.length && sorted[i] === 0) {
    zeros++
    i++
  }
  if (zeros > 0) bins.push({ from: 0, to: 0, count: zeros })
  for (let from = 1; from <= max; from *= 2) {
    const to = from * 2 - 1
    let count = 0
    while (i < sorted.length && sorted[i]! <= to) {
      count++
      i++
    }
    bins.push({ from, to, count })
  }
  return bins
}

function topEntities(db: Db, datasetId: number, side: Side, degree: Int32Array): DatasetStats['topLeft'] {
  // Selection of the TOP_ENTITIES highest degrees, kept sorted (ties: lower index first).
  const top: number[] = []
  for (let i = 0; i < degree.length; i++) {
    const d = degree[i]!
    if (top.length === TOP_ENTITIES && d <= degree[top[top.length - 1]!]!) continue
    let at = top.length
    while (at > 0 && degree[top[at - 1]!]! < d) at--
    top.splice(at, 0, i)
    if (top.length > TOP_ENTITIES) top.pop()
  }
  const row = db.prepare('SELECT key, label FROM entities WHERE dataset_id = ? AND side = ? AND idx = ?')
  return top.map((idx) => {
    const e = row.get(datasetId, sideCode(side), idx) as { key: string; label: string }
    return { key: e.key, label: e.label, count: degree[idx]! }
  })
}

/** Metadata column names of a side, in order of first appearance (entity index, then field order). */
export function metadataColumns(db: Db, datasetId: number, side: Side): string[] {
  const columns = new Set<string>()
  const rows = db
    .prepare('SELECT metadata FROM entities WHERE dataset_id = ? AND side = ? AND metadata IS NOT NULL ORDER BY idx')
    .pluck()
    .iterate(datasetId, sideCode(side)) as IterableIterator<string>
  for (const json of rows) for (const key of Object.keys(JSON.parse(json) as object)) columns.add(key)
  return [...columns]
}
