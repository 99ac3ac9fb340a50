/**
 * Seeded clustered vectors for tests and benchmarks: `clusters` centres drawn
 * from N(0, I), each row a uniformly chosen centre plus N(0, spread²·I).
 * With spread 0.5 in 64 dimensions clusters are well apart (centres ~11 apart,
 * rows ~5.7 from their neighbours in the cluster) while the neighbours inside
 * a cluster are isotropic noise: the hard part for an ANN index.
 */
import { Random } from '../lib/random'

export interface ClusteredOptions {
  clusters?: number
  spread?: number
  seed?: number
}

export function clusteredVectors(rows: number, dim: number, options: ClusteredOptions = {}): Float32Array {
  const rng = new Random(options.seed ?? 1)
  const clusters = options.clusters ?? Math.max(1, Math.round(rows / 1000))
  const spread = options.spread ?? 0.5
  const centres = Float32Array.from({ length: clusters * dim }, () => rng.normal())
  const out = new Float32Array(rows * dim)
  for (let i = 0; i < rows; i++) {
    const c = rng.int(clusters) * dim
    for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c + d]! + spread * rng.normal()
  }
  return out
}
