/**
 * Synthetic explicit ratings at any scale, for benchmarks: r = μ + b_u + b_i
 * + p_u·q_i + ε (5 planted factors, ε ~ N(0, σ²)), clipped to 0.5–5 and
 * rounded to halves like MovieLens 25M. Users and items are drawn with
 * Zipf-like popularity; pairs may repeat (harmless for timing). Seeded.
 */
import { Random } from '../lib/random'
import type { RatingTriples } from './model'

export interface SyntheticRatings {
  nUsers: number
  nItems: number
  triples: RatingTriples
}

export function syntheticRatings(n: number, nUsers: number, nItems: number, seed = 1, noiseSd = 0.5): SyntheticRatings {
  const rng = new Random(seed)
  const F = 5
  const p = new Float32Array(nUsers * F)
  const q = new Float32Array(nItems * F)
  const bu = new Float32Array(nUsers)
  const bi = new Float32Array(nItems)
  for (let k = 0; k < p.length; k++) p[k] = 0.5 * rng.normal()
  for (let k = 0; k < q.length; k++) q[k] = 0.5 * rng.normal()
  for (let u = 0; u < nUsers; u++) bu[u] = 0.35 * rng.normal()
  for (let i = 0; i < nItems; i++) bi[i] = 0.4 * rng.normal()
  const user = new Int32Array(n)
  const item = new Int32Array(n)
  const rating = new Float32Array(n)
  for (let k = 0; k < n; k++) {
    const u = Math.min(nUsers - 1, Math.floor(nUsers * rng.float() ** 1.5))
    const i = Math.min(nItems - 1, Math.floor(nItems * rng.float() ** 2.5))
    let dot = 0
    for (let f = 0; f < F; f++) dot += p[u * F + f]! * q[i * F + f]!
    const r = 3.5 + bu[u]! + bi[i]! + dot + noiseSd * rng.normal()
    user[k] = u
    item[k] = i
    rating[k] = Math.min(5, Math.max(0.5, Math.round(r * 2) / 2))
  }
  return { nUsers, nItems, triples: { n, user, item, rating } }
}
