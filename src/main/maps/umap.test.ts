import { UMAP } from 'umap-js'
import { describe, expect, it } from 'vitest'
import { expectClose } from '../../../test/helpers/tmp'
import { mulberry32 } from '../lib/random'
import { normalizeRows } from '../recommend/neighbours'
import { exactKnn } from './knn'
import { knnPurity, plantedClusters } from './synthetic'
import { fuzzyGraph, umap, umapEpochs, type UmapParams } from './umap'

describe('UMAP fuzzy graph', () => {
  it.each(['cosine', 'euclidean'] as const)('equals umap-js’s on the same neighbours (%s)', (metric) => {
    const n = 300
    const k = 15
    const { data } = plantedClusters({ n, dim: 10, clusters: 4, spread: 0.8, skew: 0.5, seed: 5 })
    const rows = metric === 'cosine' ? normalizeRows(n, 10, data).data : data
    const knn = exactKnn(rows, n, 10, k - 1)
    const ours = fuzzyGraph(knn, metric)
    // umap-js's layout of the same graph: self first at distance 0, then the k − 1 neighbours.
    const indices: number[][] = []
    const distances: number[][] = []
    for (let i = 0; i < n; i++) {
      indices.push([i, ...Array.from(knn.indices.subarray(i * (k - 1), (i + 1) * (k - 1)))])
      distances.push([0, ...Array.from(knn.sqDistances.subarray(i * (k - 1), (i + 1) * (k - 1)), (s) => (metric === 'cosine' ? s / 2 : Math.sqrt(s)))])
    }
    const ref = new UMAP({ nNeighbors: k, random: mulberry32(1) })
    ref.setPrecomputedKNN(indices, distances)
    ref.initializeFit(Array.from({ length: n }, (_, i) => Array.from(rows.subarray(i * 10, (i + 1) * 10))))
    // The graph is private in umap-js; a test may look.
    const graph = (ref as unknown as { graph: { getAll(): { row: number; col: number; value: number }[] } }).graph
    const expected = graph.getAll().filter((e) => e.value > 0)
    let count = 0
    for (let i = 0; i < n; i++) count += ours.rowStart[i + 1]! - ours.rowStart[i]!
    expect(count).toBe(expected.length)
    for (const e of expected) {
      let v = 0
      for (let q = ours.rowStart[e.row]!; q < ours.rowStart[e.row + 1]!; q++) if (ours.cols[q] === e.col) v = ours.vals[q]!
      expectClose(v, e.value, 1e-9)
    }
  })
})

describe('UMAP maps', () => {
  const n = 1000
  // spread 1.3: the 50-d input's own 10-NN purity is 0.962.
  const { data, labels } = plantedClusters({ n, dim: 50, clusters: 10, spread: 1.3, skew: 0, seed: 7 })
  const base: Partial<UmapParams> = { iterations: 200, seed: 1 }

  it.each([2, 3] as const)('keeps 10 planted clusters in 50-d apart in %i-D (10-NN purity ≥ 0.9)', async (dims) => {
    // Measured: 0.997 in 2-D, 0.995 in 3-D.
    const r = await umap(data, n, 50, { ...base, dims })
    expect(knnPurity(r.coords, n, dims, labels)).toBeGreaterThanOrEqual(0.9)
    expect(r.epochs).toBe(200)
    for (const v of r.coords) expect(Math.abs(v)).toBeLessThanOrEqual(1)
  })

  it('is deterministic for a seed', async () => {
    const a = await umap(data, n, 50, { ...base, iterations: 60 })
    const b = await umap(data, n, 50, { ...base, iterations: 60 })
    expect(Array.from(b.coords)).toEqual(Array.from(a.coords))
  })

  let reference: ReturnType<typeof umap> | undefined
  it.each<[string, Partial<UmapParams>]>([
    ['seed', { seed: 2 }],
    ['nNeighbors', { nNeighbors: 8 }],
    ['minDist', { minDist: 0.5 }],
    ['iterations', { iterations: 40 }],
    ['metric', { metric: 'euclidean' }],
  ])('changing the %s changes the map', async (_, change) => {
    reference ??= umap(data, n, 50, { ...base, iterations: 60 })
    const a = await reference
    const b = await umap(data, n, 50, { ...base, iterations: 60, ...change })
    expect(Array.from(b.coords)).not.toEqual(Array.from(a.coords))
  })

  it('runs `iterations` epochs, at most 200 above 10,000 points (umap-learn’s default there)', () => {
    expect(umapEpochs(5000, 1000)).toBe(1000)
    expect(umapEpochs(37020, 1000)).toBe(200)
    expect(umapEpochs(37020, 120)).toBe(120)
  })

  it('posts the PCA start before the neighbours, then every epoch', async () => {
    const phases: string[] = []
    const epochs: number[] = []
    await umap(data.subarray(0, 200 * 50), 200, 50, { iterations: 30 }, (p) => {
      if (!phases.includes(p.phase)) phases.push(p.phase)
      if (p.phase === 'Optimising') epochs.push(p.iteration)
      if (p.iteration === 0 && p.phase === 'Initial layout (PCA)') expect(p.layout!().length).toBe(400)
    })
    expect(phases).toEqual(['Initial layout (PCA)', 'Nearest neighbours', 'Fuzzy graph', 'Optimising'])
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  })
})
