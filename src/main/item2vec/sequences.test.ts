import { describe, expect, it } from 'vitest'
import { buildSequences, type InteractionInput } from './sequences'
import { syntheticHistories } from './synthetic'

function rows(list: [user: number, item: number, rating: number, ts?: number][], withTs = true): InteractionInput {
  return {
    n: list.length,
    user: Int32Array.from(list, (r) => r[0]),
    item: Int32Array.from(list, (r) => r[1]),
    rating: Float32Array.from(list, (r) => r[2]),
    ts: withTs ? Float64Array.from(list, (r) => r[3] ?? Number.NaN) : undefined,
  }
}

const ALL = { minRating: null, minItemCount: 1, minSequenceLength: 1 }

function asLists(s: ReturnType<typeof buildSequences>): number[][] {
  return Array.from(s.owner, (_, q) => Array.from(s.items.subarray(s.offsets[q]!, s.offsets[q + 1]!)))
}

describe('buildSequences', () => {
  it('orders each user by timestamp, ties in file order', () => {
    const s = buildSequences(
      rows([
        [1, 5, 4, 30],
        [0, 1, 4, 20],
        [1, 6, 4, 10],
        [0, 2, 4, 10],
        [0, 3, 4, 20], // tie with item 1 (row 1): after it, as in the file
        [1, 7, 4, 30], // tie with item 5 (row 0): after it
      ]),
      2,
      8,
      ALL,
    )
    expect(Array.from(s.owner)).toEqual([0, 1])
    expect(asLists(s)).toEqual([
      [2, 1, 3],
      [6, 5, 7],
    ])
    expect(Array.from(s.offsets)).toEqual([0, 3, 6])
  })

  it('keeps file order without timestamps; undated rows (NaN) come first, in file order', () => {
    const list: [number, number, number, number?][] = [
      [0, 3, 1, 50],
      [0, 1, 1],
      [0, 2, 1, 40],
      [0, 4, 1],
    ]
    expect(asLists(buildSequences(rows(list, false), 1, 5, ALL))).toEqual([[3, 1, 2, 4]])
    expect(asLists(buildSequences(rows(list), 1, 5, ALL))).toEqual([[1, 4, 2, 3]])
  })

  it('applies the rating filter before counting items, then drops rare items and short users', () => {
    const input = rows([
      [0, 0, 5, 1],
      [0, 1, 2, 2], // below minRating
      [0, 2, 5, 3],
      [1, 0, 4, 1],
      [1, 2, 3, 2],
      [1, 3, 5, 3], // item 3 is seen once → dropped by minItemCount 2
      [2, 0, 5, 1], // user 2 keeps 1 item → dropped by minSequenceLength 2
      [2, 1, 1, 2],
      [2, 1, 1, 3],
    ])
    const s = buildSequences(input, 3, 4, { minRating: 3, minItemCount: 2, minSequenceLength: 2 })
    expect(Array.from(s.owner)).toEqual([0, 1])
    expect(asLists(s)).toEqual([
      [0, 2],
      [0, 2],
    ])
    // Counts are over the kept sequences only (user 2's item 0 is not counted).
    expect(Array.from(s.counts)).toEqual([2, 0, 2, 0])
    expect(s.totalItems).toBe(4)
    // Without the rating filter item 1 has 3 rows and stays.
    const all = buildSequences(input, 3, 4, { minRating: null, minItemCount: 2, minSequenceLength: 2 })
    expect(asLists(all)).toEqual([
      [0, 1, 2],
      [0, 2],
      [0, 1, 1],
    ])
  })

  it('keeps repeated items and rejects ids out of range', () => {
    expect(asLists(buildSequences(rows([[0, 1, 1, 1], [0, 1, 1, 2]]), 1, 2, ALL))).toEqual([[1, 1]])
    expect(() => buildSequences(rows([[0, 2, 1, 1]]), 1, 2, ALL)).toThrow(/outside/)
  })

  it('handles synthetic histories: every row kept, counts sum to the total', () => {
    const h = syntheticHistories(5000, { nUsers: 100, nItems: 200, clusters: 4, seed: 3 })
    const s = buildSequences(h, h.nUsers, h.nItems, { minRating: null, minItemCount: 1, minSequenceLength: 1 })
    expect(s.totalItems).toBe(5000)
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(5000)
    expect(s.owner.length).toBe(100)
    // minRating 3 keeps exactly the in-cluster rows (noise is rated 1–2).
    const f = buildSequences(h, h.nUsers, h.nItems, { minRating: 3, minItemCount: 1, minSequenceLength: 1 })
    expect(f.totalItems).toBe(h.rating.filter((r) => r >= 3).length)
  })
})
