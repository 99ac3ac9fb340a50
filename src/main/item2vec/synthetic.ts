/**
 * Seeded synthetic consumption histories with planted item clusters, for the
 * item2vec tests and benchmark (the known answer: items of one cluster are
 * consumed together).
 *
 *   items:  shuffled, then dealt round-robin into `clusters` clusters
 *           (clusterOf); within a cluster popularity is Zipf-like
 *           (P(rank < x) = (x/size)^(1/1.5)), so subsampling and the
 *           negative-sampling exponent have something to act on;
 *   users:  a dominant cluster and, for half of them, a second one; each
 *           interaction is from the dominant cluster with p = 0.6 (0.9 without
 *           a second), the second with p = 0.3, else any item (noise, p = 0.1);
 *           history lengths ∝ 0.5 + uniform, summing to exactly nInteractions;
 *   order:  rows are user-major, items in random order, ts strictly increasing
 *           per user (whole seconds);
 *   rating: 3–5 for items of the user's clusters, 1–2 for noise, so a
 *           minRating of 3 removes the noise.
 */
import { Random } from '../lib/random'

export interface SyntheticOptions {
  nUsers: number
  nItems: number
  clusters: number
  seed: number
}

export interface SyntheticHistories {
  n: number
  nUsers: number
  nItems: number
  user: Int32Array
  item: Int32Array
  ts: Float64Array
  rating: Float32Array
  /** The planted cluster of each item. */
  clusterOf: Int32Array
  /** Each user's dominant cluster. */
  dominantOf: Int32Array
}

export function syntheticHistories(nInteractions: number, opts: SyntheticOptions): SyntheticHistories {
  const { nUsers, nItems, clusters, seed } = opts
  if (clusters < 1 || clusters > nItems) throw new Error(`syntheticHistories: ${clusters} clusters for ${nItems} items`)
  const rng = new Random(seed)
  const order = rng.shuffle(Array.from({ length: nItems }, (_, i) => i))
  const clusterOf = new Int32Array(nItems)
  const members: number[][] = Array.from({ length: clusters }, () => [])
  order.forEach((i, r) => {
    clusterOf[i] = r % clusters
    members[r % clusters]!.push(i)
  })

  // History lengths: weights 0.5 + U(0, 1), scaled to sum exactly to nInteractions.
  const weight = Float64Array.from({ length: nUsers }, () => 0.5 + rng.float())
  const wsum = weight.reduce((s, w) => s + w, 0)
  const length = new Int32Array(nUsers)
  let assigned = 0
  for (let u = 0; u < nUsers; u++) {
    length[u] = Math.floor((nInteractions * weight[u]!) / wsum)
    assigned += length[u]!
  }
  for (let u = 0; assigned < nInteractions; u = (u + 1) % nUsers, assigned++) length[u]!++

  const n = nInteractions
  const user = new Int32Array(n)
  const item = new Int32Array(n)
  const ts = new Float64Array(n)
  const rating = new Float32Array(n)
  const dominantOf = new Int32Array(nUsers)
  let k = 0
  for (let u = 0; u < nUsers; u++) {
    const first = rng.int(clusters)
    const second = clusters > 1 && rng.chance(0.5) ? (first + 1 + rng.int(clusters - 1)) % clusters : -1
    dominantOf[u] = first
    const pFirst = second < 0 ? 0.9 : 0.6
    let t = 1_600_000_000 + rng.int(10_000_000)
    for (let q = 0; q < length[u]!; q++, k++) {
      const x = rng.float()
      let i: number
      let r: number
      if (x < pFirst || (second >= 0 && x < 0.9)) {
        const m = members[x < pFirst ? first : second]!
        i = m[rng.skewed(m.length, 1.5)]!
        r = rng.range(3, 5)
      } else {
        i = rng.int(nItems)
        r = rng.range(1, 2)
      }
      t += 1 + rng.int(3600)
      user[k] = u
      item[k] = i
      ts[k] = t
      rating[k] = r
    }
  }
  return { n, nUsers, nItems, user, item, ts, rating, clusterOf, dominantOf }
}

/**
 * Planted-cluster agreement: over the rows with a non-zero vector, the
 * fraction of each row's k nearest other rows (cosine) that share its label.
 * O(rows² · dim): for test-sized tables.
 */
export function neighbourAgreement(vectors: Float32Array, dim: number, labelOf: Int32Array, k = 10): number {
  const n = labelOf.length
  const norm = new Float64Array(n)
  const live: number[] = []
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let f = 0; f < dim; f++) s += vectors[i * dim + f]! ** 2
    norm[i] = Math.sqrt(s)
    if (norm[i]! > 0) live.push(i)
  }
  let hit = 0
  let total = 0
  const sims = new Float64Array(n)
  for (const i of live) {
    for (const j of live) {
      let s = 0
      for (let f = 0; f < dim; f++) s += vectors[i * dim + f]! * vectors[j * dim + f]!
      sims[j] = j === i ? -Infinity : s / (norm[i]! * norm[j]!)
    }
    const nearest = live
      .filter((j) => j !== i)
      .sort((a, b) => sims[b]! - sims[a]! || a - b)
      .slice(0, k)
    for (const j of nearest) {
      total++
      if (labelOf[j] === labelOf[i]) hit++
    }
  }
  return total > 0 ? hit / total : 0
}
