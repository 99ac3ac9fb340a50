/**
 * User-based neighbourhood collaborative filtering (Surprise's KNNBasic /
 * KNNWithMeans), sparse CPU engine.
 *
 * Similarity of users u and v over the n = |I_u ∩ I_v| items both rated
 * (x = u's ratings, y = v's):
 *
 *   cosine   s = Σ x y / sqrt(Σ x² · Σ y²)                        (raw ratings)
 *   pearson  s = Σ (x − x̄)(y − ȳ) / sqrt(Σ (x − x̄)² · Σ (y − ȳ)²)  (x̄, ȳ: means over the common items)
 *
 *   s = 0 when n < minSupport or a denominator is 0; then shrunk towards 0
 *   by the support: s ← s · n / (n + shrinkage).
 *
 * Prediction of r(u, i): the neighbours are the users v ≠ u who rated i in
 * training with s(u, v) > 0 (as Surprise, only positive similarities count),
 * the k with the largest s (ties: the lower user index first):
 *
 *   meanCentering   r̂ = mean_u + Σ_v s (r_vi − mean_v) / Σ_v |s|
 *   otherwise       r̂ = Σ_v s r_vi / Σ_v |s|
 *
 *   mean_u is u's mean training rating. Without any neighbour: mean_u, or the
 *   global mean μ for a user without training ratings. Ranking (scoreUser):
 *   r̂ for every item.
 *
 * Storage: the training ratings as CSR by user (rows sorted by item) and by
 * item (rows sorted by user). With nUsers ≤ KNN_PRECOMPUTE_MAX_USERS the
 * whole user × user similarity matrix is computed once (Float32Array
 * nUsers², 1 GiB at the limit; the upper triangle by walking, for each user
 * u and item i of u, the raters of i after u; progress via ctx.onProgress).
 * Above it, similarities are computed on demand one user row at a time
 * (O(Σ_{i ∈ I_u} |U_i|) per row) and the last few rows are cached; predict()
 * visits its entries grouped by user so each row is computed once per call.
 * Both paths give bit-identical similarities. save() stores the CSR by user
 * and the params; a loaded model recomputes the similarities lazily, on its
 * first prediction.
 *
 * Defaults (UserKnnParams): pearson, k 40, meanCentering on, minSupport 2,
 * shrinkage 10.
 */
import type { UserKnnParams } from '../../shared/ratings'
import { expectKind } from './baselines'
import type { Fitter, Loader, Predictor, RatingTriples, SavedModel } from './model'
import { buildCsr, transpose, type Csr } from './csr'

/** Largest user count whose similarity matrix is precomputed (nUsers² float32 = 1 GiB at 16,384). */
export const KNN_PRECOMPUTE_MAX_USERS = 16_384
/** On-demand similarity rows kept. */
const ROW_CACHE = 8

type KnnSettings = Pick<UserKnnParams, 'similarity' | 'k' | 'meanCentering' | 'minSupport' | 'shrinkage'>

export const fitUserKnn: Fitter<UserKnnParams> = (data, params, ctx) => {
  const byUser = buildCsr(data.train, data.nUsers, data.nItems, 'user')
  const knn = new UserKnnPredictor(data.nUsers, data.nItems, byUser, pickSettings(params))
  knn.prepare((fraction) => ctx.onProgress?.(fraction, 'user similarities'))
  return Promise.resolve(knn)
}

export const loadUserKnn: Loader = (saved) => {
  expectKind(saved, 'user-knn')
  const h = saved.header
  const byUser: Csr = { ptr: saved.arrays.userPtr as Int32Array, index: saved.arrays.userItems as Int32Array, value: saved.arrays.userRatings as Float32Array }
  return new UserKnnPredictor(Number(h.nUsers), Number(h.nItems), byUser, h.params as KnnSettings)
}

/**
 * A user-kNN predictor over the training ratings as CSR by user (rows
 * sorted by item, as `buildCsr` makes them). `precomputeMaxUsers` overrides
 * KNN_PRECOMPUTE_MAX_USERS (tests of the on-demand path).
 */
export function createUserKnn(nUsers: number, nItems: number, train: RatingTriples, params: KnnSettings, precomputeMaxUsers = KNN_PRECOMPUTE_MAX_USERS): Predictor {
  return new UserKnnPredictor(nUsers, nItems, buildCsr(train, nUsers, nItems, 'user'), pickSettings(params), precomputeMaxUsers)
}

// ---------------------------------------------------------------- CSR


// ---------------------------------------------------------------- the predictor

class UserKnnPredictor implements Predictor {
  readonly kind = 'user-knn'
  private readonly byItem: Csr
  private readonly userMean: Float64Array
  private readonly mu: number
  /** nUsers × nUsers, or null until computed / when on demand. */
  private matrix: Float32Array | null = null
  private readonly rows = new Map<number, Float32Array>()
  private readonly acc: SimilarityAccumulator
  private readonly heap: TopK

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly byUser: Csr,
    readonly params: KnnSettings,
    private readonly precomputeMaxUsers = KNN_PRECOMPUTE_MAX_USERS,
  ) {
    this.byItem = transpose(byUser, nItems)
    this.userMean = new Float64Array(nUsers)
    let total = 0
    const n = byUser.index.length
    for (let u = 0; u < nUsers; u++) {
      let s = 0
      for (let k = byUser.ptr[u]!; k < byUser.ptr[u + 1]!; k++) s += byUser.value[k]!
      total += s
      const count = byUser.ptr[u + 1]! - byUser.ptr[u]!
      this.userMean[u] = count > 0 ? s / count : Number.NaN
    }
    this.mu = n > 0 ? total / n : 0
    for (let u = 0; u < nUsers; u++) if (Number.isNaN(this.userMean[u]!)) this.userMean[u] = this.mu
    this.acc = new SimilarityAccumulator(nUsers)
    this.heap = new TopK(Math.max(1, params.k))
  }

  /** Computes the similarity matrix now (when it is precomputed at all). */
  prepare(onProgress?: (fraction: number) => void): void {
    if (this.matrix || this.nUsers > this.precomputeMaxUsers) return
    const n = this.nUsers
    const matrix = new Float32Array(n * n)
    const { ptr: uPtr, index: uItems, value: uRatings } = this.byUser
    const { ptr: iPtr, index: iUsers } = this.byItem
    const acc = this.acc
    // Work of row u ∝ Σ_{i ∈ I_u} (raters of i after u): report by work done, roughly.
    const every = Math.max(1, Math.floor(n / 100))
    for (let u = 0; u < n; u++) {
      for (let k = uPtr[u]!; k < uPtr[u + 1]!; k++) {
        const i = uItems[k]!
        const end = iPtr[i + 1]!
        acc.add(uRatings[k]!, upperBound(iUsers, iPtr[i]!, end, u), end, this.byItem)
      }
      acc.flush(this.params, (v, s) => {
        matrix[u * n + v] = s
        matrix[v * n + u] = s
      })
      if (onProgress && (u + 1) % every === 0) onProgress(1 - ((n - u - 1) / n) ** 2)
    }
    this.matrix = matrix
    onProgress?.(1)
  }

  /** Similarities of u with every user: a row of the matrix, or computed on demand (cached). */
  private similarities(u: number): { row: Float32Array; offset: number } {
    this.prepare()
    if (this.matrix) return { row: this.matrix, offset: u * this.nUsers }
    const cached = this.rows.get(u)
    if (cached) return { row: cached, offset: 0 }
    const row = new Float32Array(this.nUsers)
    const { ptr: uPtr, index: uItems, value: uRatings } = this.byUser
    const iPtr = this.byItem.ptr
    for (let k = uPtr[u]!; k < uPtr[u + 1]!; k++) {
      const i = uItems[k]!
      this.acc.add(uRatings[k]!, iPtr[i]!, iPtr[i + 1]!, this.byItem, u)
    }
    this.acc.flush(this.params, (v, s) => {
      row[v] = s
    })
    if (this.rows.size >= ROW_CACHE) this.rows.delete(this.rows.keys().next().value!)
    this.rows.set(u, row)
    return { row, offset: 0 }
  }

  /** r̂(u, i) from u's similarity row. */
  private estimate(u: number, i: number, row: Float32Array, offset: number): number {
    const { index: iUsers, value: iRatings, ptr: iPtr } = this.byItem
    const heap = this.heap
    heap.clear()
    for (let k = iPtr[i]!; k < iPtr[i + 1]!; k++) {
      const v = iUsers[k]!
      if (v === u) continue
      const s = row[offset + v]!
      if (s > 0) heap.push(s, k)
    }
    if (heap.size === 0) return this.userMean[u]!
    const centred = this.params.meanCentering
    let num = 0, den = 0
    for (let h = 0; h < heap.size; h++) {
      const s = heap.score[h]!, k = heap.id[h]!
      num += s * (centred ? iRatings[k]! - this.userMean[iUsers[k]!]! : iRatings[k]!)
      den += Math.abs(s)
    }
    return centred ? this.userMean[u]! + num / den : num / den
  }

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    // Grouped by user, so an on-demand row is computed once per user.
    const order = Array.from({ length: n }, (_, k) => k)
    if (!this.matrix && this.nUsers > this.precomputeMaxUsers) order.sort((a, b) => user[a]! - user[b]! || a - b)
    for (const k of order) {
      const u = user[k]!
      const { row, offset } = this.similarities(u)
      out[k] = this.estimate(u, item[k]!, row, offset)
    }
  }

  scoreUser(u: number, out: Float32Array): void {
    const { row, offset } = this.similarities(u)
    for (let i = 0; i < this.nItems; i++) out[i] = this.estimate(u, i, row, offset)
  }

  save(): SavedModel {
    return {
      kind: this.kind,
      header: { nUsers: this.nUsers, nItems: this.nItems, nRatings: this.byUser.index.length, params: this.params },
      arrays: { userPtr: this.byUser.ptr, userItems: this.byUser.index, userRatings: this.byUser.value },
    }
  }
}

// ---------------------------------------------------------------- helpers

/**
 * Sums over the common items of one user x with many users v (scratch
 * separate from the model): count, Σx, Σy, Σxy, Σx², Σy² per v, and the list
 * of v touched so far.
 */
class SimilarityAccumulator {
  private readonly count: Int32Array
  private readonly sx: Float64Array
  private readonly sy: Float64Array
  private readonly sxy: Float64Array
  private readonly sxx: Float64Array
  private readonly syy: Float64Array
  private readonly touched: Int32Array
  private nTouched = 0

  constructor(nUsers: number) {
    this.count = new Int32Array(nUsers)
    this.sx = new Float64Array(nUsers)
    this.sy = new Float64Array(nUsers)
    this.sxy = new Float64Array(nUsers)
    this.sxx = new Float64Array(nUsers)
    this.syy = new Float64Array(nUsers)
    this.touched = new Int32Array(nUsers)
  }

  /** Adds the item rated x by the row's user and rated y by each user byItem.index[from … to) (except `skip`). */
  add(x: number, from: number, to: number, byItem: Csr, skip = -1): void {
    const { count, sx, sy, sxy, sxx, syy, touched } = this
    const users = byItem.index, ratings = byItem.value
    const xx = x * x
    for (let k = from; k < to; k++) {
      const v = users[k]!
      if (v === skip) continue
      const y = ratings[k]!
      if (count[v] === 0) touched[this.nTouched++] = v
      count[v]!++
      sx[v]! += x
      sy[v]! += y
      sxy[v]! += x * y
      sxx[v]! += xx
      syy[v]! += y * y
    }
  }

  /** Emits the finished similarity of every touched user and resets. */
  flush(params: KnnSettings, emit: (v: number, s: number) => void): void {
    const { count, sx, sy, sxy, sxx, syy, touched } = this
    const pearson = params.similarity === 'pearson'
    for (let t = 0; t < this.nTouched; t++) {
      const v = touched[t]!
      const n = count[v]!
      let s = 0
      if (n >= params.minSupport) {
        let num: number, den: number
        if (pearson) {
          num = sxy[v]! - (sx[v]! * sy[v]!) / n
          den = Math.sqrt(Math.max(0, sxx[v]! - (sx[v]! * sx[v]!) / n) * Math.max(0, syy[v]! - (sy[v]! * sy[v]!) / n))
        } else {
          num = sxy[v]!
          den = Math.sqrt(sxx[v]! * syy[v]!)
        }
        // Tiny denominators are rounding noise (e.g. constant ratings): similarity 0.
        if (den > 1e-9) s = (Math.min(1, Math.max(-1, num / den)) * n) / (n + params.shrinkage)
      }
      if (s !== 0) emit(v, s)
      count[v] = 0
      sx[v] = 0
      sy[v] = 0
      sxy[v] = 0
      sxx[v] = 0
      syy[v] = 0
    }
    this.nTouched = 0
  }
}

/** The k largest scores seen (a min-heap; ties keep the earlier id, i.e. the lower user index). */
class TopK {
  readonly score: Float64Array
  readonly id: Int32Array
  size = 0
  constructor(readonly k: number) {
    this.score = new Float64Array(k)
    this.id = new Int32Array(k)
  }

  clear(): void {
    this.size = 0
  }

  push(s: number, id: number): void {
    const score = this.score, ids = this.id
    if (this.size < this.k) {
      let c = this.size++
      while (c > 0) {
        const p = (c - 1) >> 1
        if (!worse(s, id, score[p]!, ids[p]!)) break
        score[c] = score[p]!
        ids[c] = ids[p]!
        c = p
      }
      score[c] = s
      ids[c] = id
      return
    }
    // Full: replace the root (the worst kept) if the newcomer is better.
    if (!worse(score[0]!, ids[0]!, s, id)) return
    let c = 0
    for (;;) {
      const l = 2 * c + 1
      if (l >= this.size) break
      const r = l + 1
      const w = r < this.size && worse(score[r]!, ids[r]!, score[l]!, ids[l]!) ? r : l
      if (!worse(score[w]!, ids[w]!, s, id)) break
      score[c] = score[w]!
      ids[c] = ids[w]!
      c = w
    }
    score[c] = s
    ids[c] = id
  }
}

/** (s1, id1) ranks below (s2, id2): lower score, or equal score and later id. */
function worse(s1: number, id1: number, s2: number, id2: number): boolean {
  return s1 < s2 || (s1 === s2 && id1 > id2)
}

/** First position in a[from … to) whose value is > x (a sorted ascending). */
function upperBound(a: Int32Array, from: number, to: number, x: number): number {
  let lo = from, hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function pickSettings(p: KnnSettings): KnnSettings {
  const { similarity, k, meanCentering, minSupport, shrinkage } = p
  return { similarity, k, meanCentering, minSupport, shrinkage }
}
