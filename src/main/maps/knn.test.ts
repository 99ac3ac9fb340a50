import { describe, expect, it } from 'vitest'
import { exactKnn, nearestNeighbours } from './knn'
import { plantedClusters } from './synthetic'

const sq = (data: Float32Array, dim: number, i: number, j: number) => {
  let s = 0
  for (let d = 0; d < dim; d++) s += (data[i * dim + d]! - data[j * dim + d]!) ** 2
  return s
}

describe('kNN graph', () => {
  it('exact: the k smallest squared distances, self excluded, ties by index', () => {
    const { data } = plantedClusters({ n: 300, dim: 8, clusters: 4, spread: 0.7, skew: 0, seed: 2 })
    // Two exact duplicates: their distance is 0 and they must find each other first.
    data.copyWithin(5 * 8, 9 * 8, 10 * 8)
    const k = 7
    const g = exactKnn(data, 300, 8, k)
    for (const i of [0, 5, 9, 123, 299]) {
      const expected = Array.from({ length: 300 }, (_, j) => j)
        .filter((j) => j !== i)
        .sort((a, b) => sq(data, 8, i, a) - sq(data, 8, i, b) || a - b)
        .slice(0, k)
      expect(Array.from(g.indices.subarray(i * k, (i + 1) * k))).toEqual(expected)
      expected.forEach((j, t) => expect(g.sqDistances[i * k + t]).toBeCloseTo(sq(data, 8, i, j), 4))
    }
    expect(g.indices[5 * k]).toBe(9)
    expect(g.indices[9 * k]).toBe(5)
  })

  it('HNSW: recall ≥ 0.95 against exact, the same graph every time and on any thread count', () => {
    const n = 2000
    const k = 15
    const { data } = plantedClusters({ n, dim: 16, clusters: 10, spread: 0.8, skew: 0.5, seed: 4 })
    const exact = exactKnn(data, n, 16, k)
    const a = nearestNeighbours(data, n, 16, k, { exactBelow: 0, threads: 1 })
    const b = nearestNeighbours(data, n, 16, k, { exactBelow: 0, threads: 2 })
    expect(a.method).toBe('hnsw')
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices))
    expect(Array.from(nearestNeighbours(data, n, 16, k, { exactBelow: 0, threads: 1 }).indices)).toEqual(Array.from(a.indices))
    let hits = 0
    for (let i = 0; i < n; i++) {
      const truth = new Set(exact.indices.subarray(i * k, (i + 1) * k))
      for (let t = 0; t < k; t++) {
        const j = a.indices[i * k + t]!
        expect(j).not.toBe(i)
        if (truth.has(j)) hits++
      }
      for (let t = 1; t < k; t++) expect(a.sqDistances[i * k + t]!).toBeGreaterThanOrEqual(a.sqDistances[i * k + t - 1]!)
    }
    expect(hits / (n * k)).toBeGreaterThanOrEqual(0.95)
  })

  it('asks for at most n − 1 neighbours', () => {
    const data = Float32Array.from([0, 0, 1, 0, 0, 2])
    const g = nearestNeighbours(data, 3, 2, 10)
    expect(g.k).toBe(2)
    expect(Array.from(g.indices.subarray(0, 2))).toEqual([1, 2])
  })
})
