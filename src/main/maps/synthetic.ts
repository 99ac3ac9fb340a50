/**
 * Seeded synthetic embeddings with planted clusters, and the measure the
 * tests and the benchmark judge a map by.
 *
 * Cluster c has a centre ~ N(0, I) in `dim` dimensions and points
 * centre + N(0, spread²·I); sizes are equal, or Zipf-like (cluster c gets a
 * share ∝ 1/(c + 1)^skew) when skew > 0. Row order is shuffled so no method
 * can lean on it.
 *
 * kNN purity of a layout: the share, over all points, of their k nearest
 * neighbours IN THE LAYOUT (exact, euclidean) that carry the same label.
 * Random placement scores ≈ Σ_c share_c².
 */
import { Random } from '../lib/random'
import { exactKnn } from './knn'

export interface ClusterSpec {
  n: number
  dim: number
  clusters: number
  spread: number
  skew: number
  seed: number
}

export function plantedClusters(spec: ClusterSpec): { data: Float32Array; labels: Int32Array } {
  const { n, dim, clusters, spread, skew, seed } = spec
  const rng = new Random(seed)
  const centres = Float64Array.from({ length: clusters * dim }, () => rng.normal())
  const weights = Array.from({ length: clusters }, (_, c) => 1 / (c + 1) ** skew)
  const wsum = weights.reduce((a, b) => a + b, 0)
  // Sizes by largest remainder so they sum to n exactly.
  const exact = weights.map((w) => (w / wsum) * n)
  const sizes = exact.map(Math.floor)
  const byRemainder = exact.map((x, c) => ({ c, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.c - b.c)
  const missing = n - sizes.reduce((a, b) => a + b, 0)
  for (let t = 0; t < missing; t++) sizes[byRemainder[t]!.c]!++
  const labels: number[] = []
  sizes.forEach((s, c) => {
    for (let t = 0; t < s; t++) labels.push(c)
  })
  rng.shuffle(labels)
  const data = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const c = labels[i]!
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[c * dim + d]! + spread * rng.normal()
  }
  return { data, labels: Int32Array.from(labels) }
}

export function knnPurity(coords: ArrayLike<number>, n: number, dims: number, labels: Int32Array, k = 10): number {
  const knn = exactKnn(Float32Array.from(coords), n, dims, Math.min(k, n - 1))
  let same = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < knn.k; t++) {
      const j = knn.indices[i * knn.k + t]!
      if (j < 0) continue
      total++
      if (labels[j] === labels[i]) same++
    }
  }
  return total > 0 ? same / total : 0
}
