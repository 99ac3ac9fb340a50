import { describe, expect, it } from 'vitest'
import { Random } from '../lib/random'
import { annSearch, buildAnnIndex, buildAnnIndexInWorker } from './ann'
import { measureRecall } from './recall'
import { clusteredVectors } from './synthetic'
import { VectorTable } from './vectors'

const rows = 10_000
const dim = 30
const table = new VectorTable(rows, dim, clusteredVectors(rows, dim, { clusters: 20, spread: 0.5, seed: 4 }))
const rng = new Random(9)
const queries = Array.from({ length: 100 }, () => rng.int(rows))

const built = new Map<string, ReturnType<typeof buildAnnIndex>>()
const index = (metric: 'cosine' | 'euclidean') => built.get(metric) ?? built.set(metric, buildAnnIndex(table, metric)).get(metric)!

describe('HNSW index (usearch)', () => {
  it.each(['cosine', 'euclidean'] as const)('reaches recall@10 ≥ 0.95 against exact search (%s)', (metric) => {
    const ann = index(metric)
    expect(ann.index.size()).toBe(rows)
    const recall = measureRecall(table, ann, queries, 10)
    if (process.env.EW_VERBOSE) console.log(`${metric}: recall@10 ${recall.toFixed(3)}, build ${ann.buildMs.toFixed(0)} ms`)
    expect(recall).toBeGreaterThanOrEqual(0.95)
  })

  it('leaves the excluded rows out and returns k', () => {
    const ann = index('cosine')
    const got = annSearch(ann, table.row(42), 10, [42])
    expect(got).toHaveLength(10)
    expect(got).not.toContain(42)
  })

  it('builds the same index in a worker thread, and a cancelled build rejects', async () => {
    const progress: number[] = []
    const built = await buildAnnIndexInWorker(table, 'euclidean', undefined, { onProgress: (done) => progress.push(done) }).promise
    expect(built.index.size()).toBe(rows)
    expect(progress.at(-1)).toBe(rows)
    expect(measureRecall(table, built, queries, 10)).toBeGreaterThanOrEqual(0.95)

    const b = buildAnnIndexInWorker(table, 'cosine')
    b.cancel()
    await expect(b.promise).rejects.toThrow(/cancelled/)
  })
})
