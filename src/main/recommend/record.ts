/**
 * An entity's record: the entity, its degree (number of interactions), its
 * true links (the distinct entities of the other side it interacts with,
 * most frequent first) and its mean interaction value when the dataset has
 * values.
 *
 * Adjacency is CSR per (dataset, side), built lazily on the first record of
 * that side in two passes over the stored chunks (count, then fill; nothing
 * else held): offsets[i] … offsets[i + 1] index the other side's entities of
 * entity i, one per interaction, plus the sum and count of its values. A
 * record then sorts its one segment: O(d log d) for degree d.
 *
 * Link order: interactions with the entity (desc), then the linked entity's
 * frequency (desc), then index.
 */
import type { EntityRecord } from '../../shared/explore'
import type { Entity, Side } from '../../shared/schemas'
import type { Db } from '../store/db'
import { iterateChunks } from '../store/datasets'
import { datasetStamp, LruCache, sideKey } from './cache'
import { entityAt, entityTable } from './entities'

export interface Adjacency {
  datasetId: number
  side: Side
  stamp: string
  /** n + 1 offsets into `targets`. */
  offsets: Int32Array
  /** The other side's index of each interaction, grouped by this side's entity. */
  targets: Int32Array
  /** Per entity: sum and count of its (non-NaN) values; null when the dataset has no values. */
  valueSum: Float64Array | null
  valueCount: Int32Array | null
}

const CACHE = new LruCache<Adjacency>(4)

export function entityRecord(db: Db, datasetId: number, side: Side, index: number, linksLimit: number): EntityRecord {
  const table = entityTable(db, datasetId, side)
  const entity = entityAt(table, index)
  const other = entityTable(db, datasetId, side === 'left' ? 'right' : 'left').entities
  const adj = adjacency(db, datasetId, side)
  const { links, total } = linksOf(adj, index, other)
  const n = adj.valueCount?.[index] ?? 0
  return {
    entity,
    side,
    degree: adj.offsets[index + 1]! - adj.offsets[index]!,
    links: links.slice(0, linksLimit).map((i) => other[i]!),
    linksTotal: total,
    meanValue: adj.valueSum && n > 0 ? adj.valueSum[index]! / n : null,
  }
}

/** Distinct linked entities of `index`, most frequent first (see the order above). */
export function linksOf(adj: Adjacency, index: number, other: readonly Entity[]): { links: number[]; counts: number[]; total: number } {
  const seg = adj.targets.slice(adj.offsets[index], adj.offsets[index + 1]).sort()
  const links: number[] = []
  const counts: number[] = []
  for (let j = 0; j < seg.length; ) {
    let e = j + 1
    while (e < seg.length && seg[e] === seg[j]) e++
    if (seg[j]! < other.length) {
      links.push(seg[j]!)
      counts.push(e - j)
    }
    j = e
  }
  const order = links.map((_, i) => i)
  const freq = (i: number) => other[links[i]!]!.frequency
  order.sort((a, b) => counts[b]! - counts[a]! || freq(b) - freq(a) || links[a]! - links[b]!)
  return { links: order.map((i) => links[i]!), counts: order.map((i) => counts[i]!), total: links.length }
}

/** The CSR adjacency of a dataset side (cached). */
export function adjacency(db: Db, datasetId: number, side: Side): Adjacency {
  const stamp = datasetStamp(db, datasetId)
  const key = sideKey(datasetId, side)
  const hit = CACHE.get(key)
  if (hit && hit.stamp === stamp) return hit
  const n = entityTable(db, datasetId, side).entities.length
  const mine = (c: { left: Int32Array; right: Int32Array }) => (side === 'left' ? c.left : c.right)
  const theirs = (c: { left: Int32Array; right: Int32Array }) => (side === 'left' ? c.right : c.left)

  // Pass 1: degrees, value sums.
  const offsets = new Int32Array(n + 1)
  let valueSum: Float64Array | null = null
  let valueCount: Int32Array | null = null
  for (const c of iterateChunks(db, datasetId)) {
    const a = mine(c)
    if (c.value) {
      valueSum ??= new Float64Array(n)
      valueCount ??= new Int32Array(n)
    }
    for (let j = 0; j < a.length; j++) {
      const i = a[j]!
      if (i < 0 || i >= n) continue
      offsets[i + 1]!++
      const v = c.value?.[j]
      if (v !== undefined && !Number.isNaN(v)) {
        valueSum![i]! += v
        valueCount![i]!++
      }
    }
  }
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!

  // Pass 2: fill.
  const targets = new Int32Array(offsets[n]!)
  const fill = offsets.slice(0, n)
  for (const c of iterateChunks(db, datasetId)) {
    const a = mine(c)
    const b = theirs(c)
    for (let j = 0; j < a.length; j++) {
      const i = a[j]!
      if (i < 0 || i >= n) continue
      targets[fill[i]!++] = b[j]!
    }
  }
  const adj: Adjacency = { datasetId, side, stamp, offsets, targets, valueSum, valueCount }
  CACHE.set(key, adj)
  return adj
}
