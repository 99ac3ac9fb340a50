/**
 * User vectors from item vectors, over the user's sequence S (items with
 * repeats, as trained):
 *   mean  v_u = (1/|S|) Σ_{i∈S} v_i
 *   sif   (Arora, Liang & Ma 2017, "A simple but tough-to-beat baseline for
 *         sentence embeddings"):
 *           v_u = (1/|S|) Σ_{i∈S} a/(a + p(i)) · v_i,   p(i) = counts[i]/totalItems
 *         then the common component is removed: c = the first right singular
 *         vector of the matrix whose rows are the v_u (the top eigenvector of
 *         Σ_u v_u v_uᵀ, by power iteration from a seeded start), and
 *           v_u ← v_u − (v_u·c) c.
 * Users without a sequence get zeros (and take no part in c). A user with
 * several sequences is averaged over all of them. Sums in float64.
 */
import { Random } from '../lib/random'
import type { Sequences } from './sequences'

export type UserVectorMethod = 'mean' | 'sif'

export function userVectors(itemVecs: Float32Array, dim: number, seqs: Pick<Sequences, 'offsets' | 'items' | 'owner' | 'counts' | 'totalItems'>, method: UserVectorMethod, a: number, nUsers: number): Float32Array {
  const acc = new Float64Array(nUsers * dim)
  const size = new Float64Array(nUsers)
  const { offsets, items, owner, counts, totalItems } = seqs
  const sif = method === 'sif'
  if (sif && !(a > 0)) throw new Error(`userVectors: SIF needs a > 0, got ${a}`)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const u = owner[s]!
    const lu = u * dim
    for (let k = offsets[s]!; k < offsets[s + 1]!; k++) {
      const i = items[k]!
      const w = sif ? a / (a + counts[i]! / totalItems) : 1
      const li = i * dim
      for (let f = 0; f < dim; f++) acc[lu + f] = acc[lu + f]! + w * itemVecs[li + f]!
    }
    size[u] = size[u]! + (offsets[s + 1]! - offsets[s]!)
  }
  for (let u = 0; u < nUsers; u++) {
    if (size[u]! > 0) for (let f = u * dim; f < (u + 1) * dim; f++) acc[f] = acc[f]! / size[u]!
  }
  if (sif) {
    const c = firstSingularVector(acc, nUsers, dim, 1)
    for (let u = 0; u < nUsers; u++) {
      const lu = u * dim
      let dot = 0
      for (let f = 0; f < dim; f++) dot += acc[lu + f]! * c[f]!
      for (let f = 0; f < dim; f++) acc[lu + f] = acc[lu + f]! - dot * c[f]!
    }
  }
  return Float32Array.from(acc)
}

/**
 * The unit vector c maximising |Mc| for M (rows × dim, row-major): power
 * iteration on MᵀM — formed explicitly when dim ≤ 256 (rows·dim²/2 work, then
 * cheap iterations), else applied as Mᵀ(Mc) each step. Stops when c moves
 * less than 1e-12 (or after 10,000 steps). Zero matrix: c = 0.
 */
export function firstSingularVector(m: Float64Array, rows: number, dim: number, seed: number): Float64Array {
  let c = new Float64Array(dim)
  const rng = new Random(seed)
  for (let f = 0; f < dim; f++) c[f] = rng.float() - 0.5
  normalise(c)
  let gram: Float64Array | null = null
  if (dim <= 256) {
    gram = new Float64Array(dim * dim)
    for (let r = 0; r < rows; r++) {
      const lr = r * dim
      for (let i = 0; i < dim; i++) {
        const x = m[lr + i]!
        if (x === 0) continue
        const gi = i * dim
        for (let j = i; j < dim; j++) gram[gi + j] = gram[gi + j]! + x * m[lr + j]!
      }
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) gram[i * dim + j] = gram[j * dim + i]!
  }
  const mc = gram ? null : new Float64Array(rows)
  for (let step = 0; step < 10_000; step++) {
    const next = new Float64Array(dim)
    if (gram) {
      for (let i = 0; i < dim; i++) {
        let s = 0
        for (let j = 0; j < dim; j++) s += gram[i * dim + j]! * c[j]!
        next[i] = s
      }
    } else {
      for (let r = 0; r < rows; r++) {
        let s = 0
        for (let f = 0; f < dim; f++) s += m[r * dim + f]! * c[f]!
        mc![r] = s
      }
      for (let r = 0; r < rows; r++) {
        const s = mc![r]!
        if (s !== 0) for (let f = 0; f < dim; f++) next[f] = next[f]! + s * m[r * dim + f]!
      }
    }
    if (normalise(next) === 0) return next
    let moved = 0
    for (let f = 0; f < dim; f++) moved = Math.max(moved, Math.abs(next[f]! - c[f]!))
    c = next
    if (moved < 1e-12) break
  }
  return c
}

function normalise(v: Float64Array): number {
  let n = 0
  for (let f = 0; f < v.length; f++) n += v[f]! * v[f]!
  n = Math.sqrt(n)
  if (n > 0) for (let f = 0; f < v.length; f++) v[f] = v[f]! / n
  return n
}
