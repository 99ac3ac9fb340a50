/**
 * The evaluation of a fitted rating model on its test ratings.
 *
 * Accuracy, over every test rating (r̂ clipped to the rating scale):
 *   RMSE = √( Σ (clip(r̂) − r)² / N )      MAE = Σ |clip(r̂) − r| / N
 *
 * Ranking, per test user u, K = rankK:
 *   candidates C_u  every item u did not rate in training or validation
 *                   (test items included), ranked by predictor.scoreUser;
 *   relevant R_u    u's test items that are candidates with rating ≥
 *                   relevantFrom = min + 0.75 · (max − min) of the scale
 *                   (4 on a 1–5 scale); for leave-last-out every left-out
 *                   item is relevant;
 *   top-K           the K best-scored candidates (ties: lower item index first,
 *                   NaN scores last);
 *   precision@K = |top-K ∩ R| / K        recall@K = |top-K ∩ R| / |R|
 *   NDCG@K      = DCG / IDCG, binary gains: DCG = Σ_{hit at rank r} 1/log2(r+1),
 *                 IDCG = Σ_{r=1}^{min(K,|R|)} 1/log2(r+1)
 *   hit rate@K  = 1 if top-K ∩ R ≠ ∅ else 0
 *   AUC         = P(score(relevant) > score(non-relevant candidate)), ties ½
 * each averaged over the users with |R_u| ≥ 1 (AUC over those who also have a
 * non-relevant candidate). With more such users than `maxRankUsers`, a seeded
 * sample of them is ranked and the `note` says so.
 *
 * Cost per ranked user: one scoreUser (into one reused Float32Array), top-K by
 * a size-K heap (O(nItems log K)), AUC by sorting the relevant scores and
 * binary-searching each other candidate's score (O(nItems log |R|)).
 */
import { mulberry32 } from '../lib/random'
import type { Predictor, RatingTriples } from './model'
import type { RatingSplit } from './split'

export interface Scale {
  min: number
  max: number
}

export interface EvaluateOptions {
  /** K of the ranking metrics. */
  k: number
  /** Rank at most this many users (a seeded sample beyond). */
  maxRankUsers?: number
  /** Seeds the sample of ranked users. */
  seed?: number
  /** Override the relevance threshold (default: `relevantThreshold(scale)`, or every test item for leave-last-out). */
  relevantFrom?: number
  /** Fraction 0–1 of the evaluation done. */
  onProgress?: (fraction: number, message: string) => void
}

export interface EvaluationResult {
  rmse: number | null
  mae: number | null
  precision: number | null
  recall: number | null
  ndcg: number | null
  hitRate: number | null
  auc: number | null
  /** Users whose ranking was scored (those with ≥ 1 relevant test item, sampled down to maxRankUsers). */
  rankedUsers: number
  note: string | null
}

export const DEFAULT_MAX_RANK_USERS = 5000

/** A test rating at or above this counts as relevant: 75 % up the scale (4 on 1–5, 3.875 on 0.5–5). */
export function relevantThreshold(scale: Scale): number {
  return scale.min + 0.75 * (scale.max - scale.min)
}

export function clipToScale(x: number, scale: Scale): number {
  return x < scale.min ? scale.min : x > scale.max ? scale.max : x
}

/** √(Σ (clip(pred) − actual)² / n) over the first n entries (NaN when n = 0). */
export function rmse(pred: ArrayLike<number>, actual: ArrayLike<number>, scale: Scale, n = actual.length): number {
  let s = 0
  for (let k = 0; k < n; k++) {
    const e = clipToScale(pred[k]!, scale) - actual[k]!
    s += e * e
  }
  return n > 0 ? Math.sqrt(s / n) : Number.NaN
}

/** Σ |clip(pred) − actual| / n over the first n entries (NaN when n = 0). */
export function mae(pred: ArrayLike<number>, actual: ArrayLike<number>, scale: Scale, n = actual.length): number {
  let s = 0
  for (let k = 0; k < n; k++) s += Math.abs(clipToScale(pred[k]!, scale) - actual[k]!)
  return n > 0 ? s / n : Number.NaN
}

const rankScore = (s: number): number => (Number.isNaN(s) ? -Infinity : s)

/**
 * The k best-scored items (best first) among those with isCandidate(item)
 * (all when omitted). Ties: the lower item index first; NaN scores last.
 * A size-k min-heap over parallel (score, item) arrays: O(n log k), and most
 * items cost one comparison with the heap's worst score.
 */
export function topK(scores: ArrayLike<number>, k: number, isCandidate?: (item: number) => boolean): number[] {
  if (k <= 0) return []
  // heap[0] = the worst kept item. "a before b": higher score, or equal score and lower index.
  const hs = new Float64Array(k)
  const hi = new Int32Array(k)
  let size = 0
  const worse = (sa: number, a: number, sb: number, b: number): boolean => sa < sb || (sa === sb && a > b)
  for (let i = 0; i < scores.length; i++) {
    const raw = scores[i]!
    const s = raw === raw ? raw : -Infinity // NaN ranks last
    if (size === k && s <= hs[0]!) continue // cannot enter (on a tie the kept, earlier item wins)
    if (isCandidate && !isCandidate(i)) continue
    if (size < k) {
      // sift up
      let at = size++
      while (at > 0) {
        const up = (at - 1) >> 1
        if (!worse(s, i, hs[up]!, hi[up]!)) break
        hs[at] = hs[up]!
        hi[at] = hi[up]!
        at = up
      }
      hs[at] = s
      hi[at] = i
    } else if (worse(hs[0]!, hi[0]!, s, i)) {
      // replace the root, sift down
      let at = 0
      for (;;) {
        const l = 2 * at + 1
        if (l >= size) break
        const r = l + 1
        const c = r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l
        if (!worse(hs[c]!, hi[c]!, s, i)) break
        hs[at] = hs[c]!
        hi[at] = hi[c]!
        at = c
      }
      hs[at] = s
      hi[at] = i
    }
  }
  const order = Array.from({ length: size }, (_, j) => j)
  order.sort((a, b) => (worse(hs[a]!, hi[a]!, hs[b]!, hi[b]!) ? 1 : -1))
  return order.map((j) => hi[j]!)
}

type IsRelevant = (item: number) => boolean

const hitsIn = (top: readonly number[], isRelevant: IsRelevant): number => top.reduce((h, i) => h + (isRelevant(i) ? 1 : 0), 0)

/** |top-K ∩ R| / K. */
export function precisionAtK(top: readonly number[], isRelevant: IsRelevant, k: number): number {
  return hitsIn(top.slice(0, k), isRelevant) / k
}

/** |top-K ∩ R| / |R| (NaN when R is empty). */
export function recallAtK(top: readonly number[], isRelevant: IsRelevant, nRelevant: number, k = top.length): number {
  return nRelevant > 0 ? hitsIn(top.slice(0, k), isRelevant) / nRelevant : Number.NaN
}

/** DCG / IDCG with binary gains: Σ_{hit at rank r} 1/log2(r+1) over Σ_{r=1}^{min(K,|R|)} 1/log2(r+1) (NaN when R is empty). */
export function ndcgAtK(top: readonly number[], isRelevant: IsRelevant, nRelevant: number, k: number): number {
  if (nRelevant <= 0) return Number.NaN
  let dcg = 0
  for (let r = 1; r <= Math.min(k, top.length); r++) if (isRelevant(top[r - 1]!)) dcg += 1 / Math.log2(r + 1)
  let idcg = 0
  for (let r = 1; r <= Math.min(k, nRelevant); r++) idcg += 1 / Math.log2(r + 1)
  return dcg / idcg
}

/** 1 when at least one relevant item is in the top K, else 0. */
export function hitAtK(top: readonly number[], isRelevant: IsRelevant, k = top.length): 0 | 1 {
  return top.slice(0, k).some(isRelevant) ? 1 : 0
}

/**
 * P(a relevant item scores above a non-relevant one), ties counting ½
 * (Mann–Whitney). Null when either list is empty. Sorts a copy of the
 * (few) relevant scores and binary-searches each other score:
 * O(|R| log |R| + |O| log |R|).
 */
export function auc(relevantScores: ArrayLike<number>, otherScores: ArrayLike<number>, nRelevant = relevantScores.length, nOther = otherScores.length): number | null {
  if (nRelevant === 0 || nOther === 0) return null
  const rel = new Float64Array(nRelevant)
  for (let k = 0; k < nRelevant; k++) rel[k] = rankScore(relevantScores[k]!)
  rel.sort()
  let wins = 0 // Σ over other scores o of |{r > o}| + ½ |{r = o}|
  for (let k = 0; k < nOther; k++) {
    const o = rankScore(otherScores[k]!)
    const atOrBelow = upperBound(rel, o)
    wins += nRelevant - atOrBelow
    if (atOrBelow > 0 && rel[atOrBelow - 1] === o) wins += 0.5 * (atOrBelow - lowerBound(rel, o))
  }
  return wins / (nRelevant * nOther)
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * AUC of one user in one pass over the items: the relevant scores (few)
 * sorted, then each other candidate (not seen, not relevant) counted against
 * them by binary search. Equals `auc(relevant scores, other candidates' scores)`.
 */
function userAuc(scores: Float32Array, relItems: Int32Array, nRel: number, seenStamp: Int32Array, relStamp: Int32Array, u: number): number | null {
  const rel = new Float64Array(nRel)
  for (let k = 0; k < nRel; k++) rel[k] = rankScore(scores[relItems[k]!]!)
  rel.sort()
  let wins = 0
  let nOther = 0
  for (let i = 0; i < scores.length; i++) {
    if (seenStamp[i] === u || relStamp[i] === u) continue
    nOther++
    const raw = scores[i]!
    const o = raw === raw ? raw : -Infinity
    // relevant scores ≤ o: upper bound of o
    let lo = 0
    let hi = nRel
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (rel[mid]! <= o) lo = mid + 1
      else hi = mid
    }
    wins += nRel - lo
    if (lo > 0 && rel[lo - 1] === o) wins += 0.5 * (lo - lowerBound(rel, o))
  }
  return nRel > 0 && nOther > 0 ? wins / (nRel * nOther) : null
}

/** Items per user as offsets into one item array (CSR), from one or more triples. */
interface ByUser {
  start: Int32Array
  item: Int32Array
  rating: Float32Array
}

function byUser(nUsers: number, parts: readonly (RatingTriples | null)[]): ByUser {
  const start = new Int32Array(nUsers + 1)
  for (const t of parts) if (t) for (let k = 0; k < t.n; k++) start[t.user[k]! + 1]!++
  for (let u = 0; u < nUsers; u++) start[u + 1]! += start[u]!
  const at = start.slice(0, nUsers)
  const total = start[nUsers]!
  const item = new Int32Array(total)
  const rating = new Float32Array(total)
  for (const t of parts) {
    if (!t) continue
    for (let k = 0; k < t.n; k++) {
      const j = at[t.user[k]!]!++
      item[j] = t.item[k]!
      rating[j] = t.rating[k]!
    }
  }
  return { start, item, rating }
}

const PREDICT_CHUNK = 1 << 16
const fmt = new Intl.NumberFormat('en-US')
const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null)

/**
 * RMSE and MAE over the whole test set, ranking metrics over the test users
 * (see the file comment). The split is `splitRatings`' result.
 */
export function evaluatePredictor(
  predictor: Predictor,
  split: Pick<RatingSplit, 'kind' | 'nUsers' | 'nItems' | 'train' | 'validation' | 'test' | 'scale'>,
  options: EvaluateOptions,
): EvaluationResult {
  const { k, maxRankUsers = DEFAULT_MAX_RANK_USERS, seed = 1, onProgress } = options
  const { nUsers, nItems, test, scale } = split

  // Accuracy, in chunks (bounded memory, progress).
  const pred = new Float32Array(Math.min(test.n, PREDICT_CHUNK))
  let se = 0
  let ae = 0
  for (let from = 0; from < test.n; from += PREDICT_CHUNK) {
    const n = Math.min(PREDICT_CHUNK, test.n - from)
    const actual = test.rating.subarray(from, from + n)
    predictor.predict(n, test.user.subarray(from, from + n), test.item.subarray(from, from + n), pred)
    for (let j = 0; j < n; j++) {
      const e = clipToScale(pred[j]!, scale) - actual[j]!
      se += e * e
      ae += Math.abs(e)
    }
    onProgress?.((0.1 * (from + n)) / test.n, `Predicting ${fmt.format(from + n)} of ${fmt.format(test.n)} test ratings`)
  }
  const accuracy = { rmse: orNull(Math.sqrt(se / test.n)), mae: orNull(ae / test.n) }

  // Ranking: the users with ≥ 1 relevant candidate.
  const relevantFrom = options.relevantFrom ?? (split.kind === 'leave-last-out' ? -Infinity : relevantThreshold(scale))
  const seen = byUser(nUsers, [split.train, split.validation])
  const tests = byUser(nUsers, [test])
  const seenStamp = new Int32Array(nItems).fill(-1)
  const relStamp = new Int32Array(nItems).fill(-1)
  const relItems = new Int32Array(nItems)
  /** Marks u's seen items and relevant items (by stamp = u; the relevant listed in relItems); returns |R_u|. */
  const mark = (u: number): number => {
    for (let j = seen.start[u]!; j < seen.start[u + 1]!; j++) seenStamp[seen.item[j]!] = u
    let nRel = 0
    for (let j = tests.start[u]!; j < tests.start[u + 1]!; j++) {
      const i = tests.item[j]!
      if (tests.rating[j]! >= relevantFrom && seenStamp[i] !== u && relStamp[i] !== u) {
        relStamp[i] = u
        relItems[nRel++] = i
      }
    }
    return nRel
  }
  const eligible: number[] = []
  for (let u = 0; u < nUsers; u++) if (tests.start[u + 1]! > tests.start[u]! && mark(u) > 0) eligible.push(u)
  seenStamp.fill(-1)
  relStamp.fill(-1)

  let users = eligible
  let note: string | null = null
  if (eligible.length > maxRankUsers) {
    users = sampleSorted(eligible, maxRankUsers, seed)
    note = `Ranking metrics over a random sample of ${fmt.format(maxRankUsers)} of the ${fmt.format(eligible.length)} test users with a relevant item (seed ${seed}).`
  }

  const scores = new Float32Array(nItems)
  let current = -1
  const isCandidate = (i: number): boolean => seenStamp[i] !== current
  const isRelevant = (i: number): boolean => relStamp[i] === current
  const sum = { precision: 0, recall: 0, ndcg: 0, hit: 0, auc: 0, aucUsers: 0 }
  const reportEvery = Math.max(1, Math.floor(users.length / 100))
  for (let n = 0; n < users.length; n++) {
    const u = users[n]!
    current = u
    const nRel = mark(u)
    predictor.scoreUser(u, scores)
    const top = topK(scores, k, isCandidate)
    sum.precision += precisionAtK(top, isRelevant, k)
    sum.recall += recallAtK(top, isRelevant, nRel, k)
    sum.ndcg += ndcgAtK(top, isRelevant, nRel, k)
    sum.hit += hitAtK(top, isRelevant, k)
    const a = userAuc(scores, relItems, nRel, seenStamp, relStamp, u)
    if (a !== null) {
      sum.auc += a
      sum.aucUsers++
    }
    if ((n + 1) % reportEvery === 0 || n + 1 === users.length) {
      onProgress?.(0.1 + (0.9 * (n + 1)) / users.length, `Ranking for ${fmt.format(n + 1)} of ${fmt.format(users.length)} users`)
    }
  }
  const m = users.length
  return {
    ...accuracy,
    precision: m > 0 ? sum.precision / m : null,
    recall: m > 0 ? sum.recall / m : null,
    ndcg: m > 0 ? sum.ndcg / m : null,
    hitRate: m > 0 ? sum.hit / m : null,
    auc: sum.aucUsers > 0 ? sum.auc / sum.aucUsers : null,
    rankedUsers: m,
    note,
  }
}

/** `count` of `items`, chosen by a seeded partial Fisher–Yates, in their original order. */
function sampleSorted(items: readonly number[], count: number, seed: number): number[] {
  const a = items.slice()
  const next = mulberry32(seed)
  for (let j = 0; j < count; j++) {
    const r = j + Math.floor(next() * (a.length - j))
    const t = a[j]!
    a[j] = a[r]!
    a[r] = t
  }
  return a.slice(0, count).sort((x, y) => x - y)
}
