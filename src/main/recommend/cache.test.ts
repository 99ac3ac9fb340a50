import { describe, expect, it } from 'vitest'
import { cachedEntries, forgetDataset, forgetRun, LruCache } from './cache'

interface V {
  datasetId: number
  runId?: number
  w: number
}

describe('LruCache', () => {
  it('evicts the least recently used beyond its capacity or its weight, calling onEvict', () => {
    const evicted: number[] = []
    const c = new LruCache<V>(3, (v) => evicted.push(v.w), (v) => v.w, 10)
    c.set('a', { datasetId: 1, w: 1 })
    c.set('b', { datasetId: 1, w: 2 })
    c.set('c', { datasetId: 1, w: 3 })
    c.get('a') // a is now the most recent
    c.set('d', { datasetId: 1, w: 4 }) // 4 entries > 3: b goes
    expect(evicted).toEqual([2])
    c.set('e', { datasetId: 1, w: 6 }) // 4 entries: c goes; weight 1 + 4 + 6 > 10: a goes
    expect(evicted).toEqual([2, 3, 1])
    expect([...c.values()].map((v) => v.w)).toEqual([4, 6])
    c.set('big', { datasetId: 1, w: 50 }) // the newest stays even over the budget
    expect([...c.values()].map((v) => v.w)).toEqual([50])
  })

  it('forgetRun / forgetDataset drop the entries of their owner in every cache', () => {
    const a = new LruCache<V>(10)
    const b = new LruCache<V>(10)
    a.set('1', { datasetId: 101, runId: 201, w: 0 })
    a.set('2', { datasetId: 101, w: 0 })
    b.set('3', { datasetId: 101, runId: 202, w: 0 })
    b.set('4', { datasetId: 102, runId: 203, w: 0 })
    forgetRun(201)
    expect(cachedEntries({ runId: 201 })).toBe(0)
    expect(cachedEntries({ datasetId: 101 })).toBe(2)
    forgetDataset(101)
    expect(cachedEntries({ datasetId: 101 })).toBe(0)
    expect(cachedEntries({ datasetId: 102 })).toBe(1)
  })
})
