import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDataset, insertEntities, InteractionWriter } from '../store/datasets'
import type { Db } from '../store/db'
import { computeStats, degreeStats } from './stats'
import { expectClose, tempWorld, type TempWorld } from './testing'

let world: TempWorld
let db: Db
beforeEach(() => {
  world = tempWorld()
  db = world.open()
})
afterEach(() => {
  db.close()
  world.cleanup()
})

describe('computeStats', () => {
  it('computes counts, density, degrees, histograms, top entities and values from what is stored', () => {
    const id = createDataset(db, { name: 't', kind: 'ratings', format: 'x', source: 'x', leftLabel: 'users', rightLabel: 'items', options: {} })
    const left = ['a', 'b', 'c', 'd']
    const right = ['x', 'y', 'z']
    const meta: Record<string, Record<string, string>> = { a: { genre: 'g' }, b: { genre: 'h', year: '1999' } }
    insertEntities(db, id, 'left', left.map((key) => ({ key, label: key.toUpperCase(), frequency: 0, metadata: meta[key] ?? null })))
    insertEntities(db, id, 'right', right.map((key) => ({ key, label: key, frequency: 0, metadata: null })))
    // (a,x) twice: 6 interactions, 5 distinct pairs; d has none.
    const rows: [number, number, number][] = [
      [0, 0, 1],
      [0, 1, 2],
      [0, 0, 3],
      [1, 0, 4],
      [1, 2, 5],
      [2, 0, 6],
    ]
    const writer = new InteractionWriter(db, id, { value: true, ts: false })
    for (const [l, r, v] of rows) writer.add(l, r, v)
    writer.flush()

    const stats = computeStats(db, id, { skippedRows: 7 })
    expect(stats.interactions).toBe(6)
    expect(stats.distinctPairs).toBe(5)
    expectClose(stats.density, 5 / (4 * 3))
    // left degrees a=3, b=2, c=1, d=0
    expect(stats.left).toEqual({
      label: 'users',
      count: 4,
      degree: {
        min: 0,
        max: 3,
        mean: (3 + 2 + 1 + 0) / 4,
        median: (1 + 2) / 2,
        histogram: [
          { from: 0, to: 0, count: 1 },
          { from: 1, to: 1, count: 1 },
          { from: 2, to: 3, count: 2 },
        ],
      },
      metadataColumns: ['genre', 'year'],
    })
    // right degrees x=4, y=1, z=1
    expect(stats.right.degree).toEqual({
      min: 1,
      max: 4,
      mean: (4 + 1 + 1) / 3,
      median: 1,
      histogram: [
        { from: 1, to: 1, count: 2 },
        { from: 2, to: 3, count: 0 },
        { from: 4, to: 7, count: 1 },
      ],
    })
    expect(stats.topRight).toEqual([
      { key: 'x', label: 'x', count: 4 },
      { key: 'y', label: 'y', count: 1 },
      { key: 'z', label: 'z', count: 1 },
    ])
    expect(stats.topLeft.map((t) => [t.label, t.count])).toEqual([
      ['A', 3],
      ['B', 2],
      ['C', 1],
      ['D', 0],
    ])
    expect(stats.values!.min).toBe(1)
    expect(stats.values!.max).toBe(6)
    expectClose(stats.values!.mean, (1 + 2 + 3 + 4 + 5 + 6) / 6)
    expect(stats.skippedRows).toBe(7)
  })

  it('lists the 30 most frequent entities, ties by index', () => {
    const id = createDataset(db, { name: 't', kind: 'pairs', format: 'x', source: 'x', leftLabel: 'l', rightLabel: 'r', options: {} })
    const n = 50
    insertEntities(db, id, 'left', [{ key: 'only', label: 'only', frequency: 0, metadata: null }])
    insertEntities(db, id, 'right', Array.from({ length: n }, (_, i) => ({ key: `r${i}`, label: `r${i}`, frequency: 0, metadata: null })))
    const writer = new InteractionWriter(db, id, { value: false, ts: false })
    const degree = (i: number) => i % 7 // r6, r13, r20, ... have 6
    for (let i = 0; i < n; i++) for (let k = 0; k < degree(i); k++) writer.add(0, i)
    writer.flush()
    const expected = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => degree(b) - degree(a) || a - b)
      .slice(0, 30)
      .map((i) => ({ key: `r${i}`, label: `r${i}`, count: degree(i) }))
    expect(computeStats(db, id, { skippedRows: 0 }).topRight).toEqual(expected)
  })

  it('covers every degree up to the max with contiguous log-2 bins', () => {
    const degree = Int32Array.from({ length: 100 }, (_, i) => i % 40)
    const stats = degreeStats(degree)
    // degrees 0..39 repeated: 0..19 three times, 20..39 twice → 100 values.
    expect(stats.min).toBe(0)
    expect(stats.max).toBe(39)
    expect(stats.histogram.map((b) => [b.from, b.to])).toEqual([
      [0, 0],
      [1, 1],
      [2, 3],
      [4, 7],
      [8, 15],
      [16, 31],
      [32, 63],
    ])
    expect(stats.histogram.reduce((n, b) => n + b.count, 0)).toBe(100)
  })
})
