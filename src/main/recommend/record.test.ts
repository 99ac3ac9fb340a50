import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { CHUNK_SIZE } from '../store/datasets'
import { openDatabase, type Db } from '../store/db'
import { cachedEntries, forgetAll, forgetDataset } from './cache'
import { entityRecord } from './record'
import { entity, makeDataset } from './test-fixtures'

let tmp: ReturnType<typeof tempDir>
let db: Db
beforeEach(() => {
  tmp = tempDir()
  db = openDatabase(join(tmp.dir, 'w.sqlite'))
})
afterEach(() => {
  forgetAll()
  db.close()
  tmp.cleanup()
})

// Users u0…u2 rate movies m0…m3 (u0 rates m1 three times, m2 once, m0 twice).
const users = [entity('u0', 'Ann', 6), entity('u1', 'Bob', 2), entity('u2', 'Cy', 0)]
const movies = [entity('m0', 'Alien', 3), entity('m1', 'Brazil', 3), entity('m2', 'Casablanca', 2), entity('m3', 'Dune', 0)]
const ratings: [number, number, number][] = [
  [0, 1, 4],
  [0, 0, 5],
  [0, 2, 3],
  [1, 2, 2],
  [0, 1, 5],
  [0, 0, 1],
  [1, 0, 4],
  [0, 1, 3],
]

describe('entityRecord', () => {
  it('gives degree, distinct links most frequent first, their total and the mean value', () => {
    const id = makeDataset(db, { left: users, right: movies, interactions: ratings })
    const r = entityRecord(db, id, 'left', 0, 50)
    expect(r.entity.key).toBe('u0')
    expect(r.side).toBe('left')
    expect(r.degree).toBe(6)
    // m1 ×3, m0 ×2, m2 ×1
    expect(r.links.map((e) => e.key)).toEqual(['m1', 'm0', 'm2'])
    expect(r.linksTotal).toBe(3)
    expect(r.meanValue).toBeCloseTo((4 + 5 + 3 + 5 + 1 + 3) / 6, 12)

    // The other direction: m0 is rated by u0 twice and u1 once.
    const m0 = entityRecord(db, id, 'right', 0, 50)
    expect(m0.degree).toBe(3)
    expect(m0.links.map((e) => e.key)).toEqual(['u0', 'u1'])
    expect(m0.meanValue).toBeCloseTo((5 + 1 + 4) / 3, 12)
  })

  it('breaks ties by the linked entity’s frequency, then index; limits links but not the total', () => {
    // Pairs (no values): every link once; right frequencies 1, 5, 5, 2.
    const right = [entity('a', 'a', 1), entity('b', 'b', 5), entity('c', 'c', 5), entity('d', 'd', 2)]
    const id = makeDataset(db, { left: [entity('x')], right, interactions: [0, 1, 2, 3].map((j) => [0, j]) })
    const r = entityRecord(db, id, 'left', 0, 2)
    expect(r.links.map((e) => e.key)).toEqual(['b', 'c'])
    expect(r.linksTotal).toBe(4)
    expect(r.meanValue).toBeNull()
    expect(entityRecord(db, id, 'left', 0, 0).links).toEqual([])
  })

  it('handles an entity with no interactions and refuses an index outside the side', () => {
    const id = makeDataset(db, { left: users, right: movies, interactions: ratings })
    const u2 = entityRecord(db, id, 'left', 2, 10)
    expect(u2).toMatchObject({ degree: 0, links: [], linksTotal: 0, meanValue: null })
    expect(() => entityRecord(db, id, 'left', 3, 10)).toThrow(/No left entity 3/)
  })

  it('reads interactions across chunk boundaries', () => {
    const n = CHUNK_SIZE + 10
    const id = makeDataset(db, {
      left: [entity('x'), entity('y')],
      right: Array.from({ length: 7 }, (_, j) => entity(`r${j}`)),
      interactions: Array.from({ length: n }, (_, i) => [i % 2, i % 7]),
    })
    const x = entityRecord(db, id, 'left', 0, 10)
    expect(x.degree).toBe(Math.ceil(n / 2))
    expect(x.linksTotal).toBe(7)
    const r3 = entityRecord(db, id, 'right', 3, 10)
    expect(r3.degree).toBe(Math.floor((n - 1 - 3) / 7) + 1)
  })

  it('forgetDataset drops the adjacency', () => {
    const id = makeDataset(db, { left: users, right: movies, interactions: ratings })
    entityRecord(db, id, 'left', 0, 5)
    expect(cachedEntries({ datasetId: id })).toBe(3) // left + right entities, left adjacency
    forgetDataset(id)
    expect(cachedEntries({ datasetId: id })).toBe(0)
  })
})
