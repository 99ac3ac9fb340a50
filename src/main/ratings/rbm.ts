/**
 * RBM-CF (Salakhutdinov, Mnih & Hinton, "Restricted Boltzmann Machines for
 * Collaborative Filtering", ICML 2007), sparse CPU engine, single-threaded
 * and reproducible from the seed.
 *
 * One RBM case per user (orientation 'user': the visible units are the items
 * the user rated) or per item ('item': the users who rated it; the roles of
 * users and items swap everywhere below). Every case shares the weights:
 *
 *   visible unit i (one per rated item): a softmax over K rating levels, v_i ∈ {0,1}^K one-hot
 *   hidden units h_j ∈ {0, 1}, j < F (params.hidden)
 *   W[i][k][j] (nVisible × K × F, row offset (i·K + k)·F), visible biases b[i][k], hidden biases c[j]
 *
 *   p(h_j = 1 | V) = σ(c_j + Σ_{i rated} Σ_k v_ik W[i][k][j])
 *   p(v_ik = 1 | h) = exp(b_ik + Σ_j h_j W[i][k][j]) / Σ_l exp(b_il + Σ_j h_j W[i][l][j])
 *
 * Rating levels: when the training ratings have at most RBM_MAX_LEVELS
 * distinct values (1–5 stars, half stars 0.5–5), those values are the levels;
 * otherwise (non-integer or many distinct ratings) the levels are the integer
 * grid round(min) … round(max) and each rating counts as the nearest level.
 *
 * Training, CD-k (params.cdSteps) on mini-batches of `batchSize` cases in a
 * seeded shuffled order: h⁰ ~ p(h | V⁰) from the data; then k times the
 * visible reconstruction V^t = p(v | h) (probabilities, for the case's rated
 * units only) and p(h | V^t), sampling h between steps; with p⁰ = p(h|V⁰),
 * pᵏ = p(h|Vᵏ) and ε = learningRate, μ = momentum, λ = weightDecay, B = the
 * cases of the batch,
 *
 *   ΔW[i][k][j] ← μ ΔW[i][k][j] + ε ( (1/|B|) Σ_cases (v⁰_ik p⁰_j − vᵏ_ik pᵏ_j) − λ W[i][k][j] );  W += ΔW
 *   Δb[i][k]    ← μ Δb[i][k]    + ε (1/|B|) Σ_cases (v⁰_ik − vᵏ_ik)
 *   Δc[j]       ← μ Δc[j]       + ε (1/|B|) Σ_cases (p⁰_j − pᵏ_j)
 *
 * The W and b updates are sparse: only the visible units rated in the batch
 * are updated (their momentum and decay included), so an epoch costs
 * O(ratings · K · F) whatever the number of items. W starts N(0, 0.01²),
 * c at 0, and b[i][k] at log of i's smoothed level frequencies
 * (count_ik + p_k) / (count_i + 1), p_k the level's overall share. Each
 * epoch reports loss = mean squared error of the first reconstruction's
 * expected rating Σ_k level_k vᵗ_ik against the training rating.
 *
 * Prediction of r(u, i): p = p(h | V) from the case's training ratings
 * (probabilities, not samples), then p(v_i = k | p) with p in place of h, and
 * r̂ = Σ_k level_k p(v_i = k). Ranking (scoreUser): r̂ for every item.
 *
 * Defaults (RbmParams): orientation user, hidden 100, epochs 30, batchSize 16,
 * learningRate 0.01, cdSteps 1, momentum 0.5, weightDecay 0.001.
 */
import type { RbmParams } from '../../shared/ratings'
import { Random } from '../lib/random'
import { expectKind } from './baselines'
import { buildCsr, type Csr } from './csr'
import type { Fitter, Loader, Predictor, RatingTriples, SavedModel } from './model'

/** At most this many distinct training ratings are used as levels as they are. */
export const RBM_MAX_LEVELS = 10
/** Standard deviation of the initial weights. */
const INIT_STD = 0.01

type RbmSettings = Pick<RbmParams, 'orientation' | 'hidden' | 'epochs' | 'batchSize' | 'learningRate' | 'cdSteps' | 'momentum' | 'weightDecay' | 'seed'>

interface RbmWeights {
  nVisible: number
  /** Rating levels. */
  K: number
  /** Hidden units. */
  F: number
  W: Float32Array
  visibleBias: Float32Array
  hiddenBias: Float32Array
}

/** The cases' training ratings: CSR by case (index = visible unit, level = level index, rating = raw). */
interface Cases {
  ptr: Int32Array
  index: Int32Array
  level: Int32Array
}

export const fitRbm: Fitter<RbmParams> = async (data, params, ctx) => {
  const settings = pickSettings(params)
  const t = data.train
  const byUser = settings.orientation === 'user'
  const csr = buildCsr(t, data.nUsers, data.nItems, byUser ? 'user' : 'item')
  const nCases = byUser ? data.nUsers : data.nItems
  const nVisible = byUser ? data.nItems : data.nUsers
  const levels = ratingLevels(t)
  const cases: Cases = { ptr: csr.ptr, index: csr.index, level: Int32Array.from(csr.value, (r) => levelOf(levels, r)) }
  const rng = new Random(settings.seed)
  const weights = initWeights(nVisible, levels, settings.hidden, cases, rng)
  const header = { nUsers: data.nUsers, nItems: data.nItems, levels: Array.from(levels), params: settings }
  const trainer = new CdTrainer(weights, levels, cases, csr, settings)
  const order = Array.from({ length: nCases }, (_, c) => c).filter((c) => cases.ptr[c + 1]! > cases.ptr[c]!)
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    rng.shuffle(order)
    let sse = 0, entries = 0
    for (let b = 0; b < order.length; b += settings.batchSize) {
      const batch = order.slice(b, b + settings.batchSize)
      const r = trainer.step(batch, rng)
      sse += r.sse
      entries += r.entries
      ctx.onProgress?.((epoch - 1 + Math.min(order.length, b + settings.batchSize) / order.length) / settings.epochs, `epoch ${epoch}/${settings.epochs}`)
    }
    const loss = entries > 0 ? sse / entries : 0
    const predictor = new RbmPredictor(copyWeights(weights), levels, cases, header)
    const stop = (await ctx.onEpoch({ epoch, epochs: settings.epochs, loss, predictor, examples: order.length })) === 'stop'
    if (stop || !Number.isFinite(loss)) break
  }
  return new RbmPredictor(weights, levels, cases, header)
}

export const loadRbm: Loader = (saved) => {
  expectKind(saved, 'rbm')
  const h = saved.header
  const levels = Float64Array.from(h.levels as number[])
  const a = saved.arrays
  const hiddenBias = a.hiddenBias as Float32Array
  const visibleBias = a.visibleBias as Float32Array
  const weights: RbmWeights = { nVisible: visibleBias.length / levels.length, K: levels.length, F: hiddenBias.length, W: a.W as Float32Array, visibleBias, hiddenBias }
  const cases: Cases = { ptr: a.casePtr as Int32Array, index: a.caseIndex as Int32Array, level: a.caseLevel as Int32Array }
  return new RbmPredictor(weights, levels, cases, h)
}

/** The rating levels of the training ratings (ascending): see the file comment. */
export function ratingLevels(t: RatingTriples): Float64Array {
  const distinct = new Set<number>()
  let min = Infinity, max = -Infinity
  for (let k = 0; k < t.n; k++) {
    const r = t.rating[k]!
    min = Math.min(min, r)
    max = Math.max(max, r)
    if (distinct.size <= RBM_MAX_LEVELS) distinct.add(r)
  }
  if (t.n === 0) return Float64Array.of(0)
  if (distinct.size <= RBM_MAX_LEVELS) return Float64Array.from([...distinct].sort((a, b) => a - b))
  const lo = Math.round(min), hi = Math.round(max)
  return Float64Array.from({ length: hi - lo + 1 }, (_, k) => lo + k)
}

/** The level index of a rating: the nearest level (ties: the lower). */
export function levelOf(levels: Float64Array, r: number): number {
  let best = 0
  for (let k = 1; k < levels.length; k++) if (Math.abs(levels[k]! - r) < Math.abs(levels[best]! - r)) best = k
  return best
}

// ---------------------------------------------------------------- training

/** CD-k on mini-batches; scratch (gradients, momentum, per-case buffers) separate from the weights. */
class CdTrainer {
  private readonly gW: Float32Array
  private readonly gb: Float32Array
  private readonly gc: Float64Array
  private readonly incW: Float32Array
  private readonly incB: Float32Array
  private readonly incC: Float32Array
  private readonly mark: Int32Array
  private readonly touched: Int32Array
  private stamp = 0
  private readonly p0: Float64Array
  private readonly pk: Float64Array
  private readonly h: Float64Array
  private readonly act: Float64Array
  private vk: Float64Array

  constructor(
    private readonly w: RbmWeights,
    private readonly levels: Float64Array,
    private readonly cases: Cases,
    private readonly ratings: Csr,
    private readonly settings: RbmSettings,
  ) {
    const { nVisible, K, F } = w
    this.gW = new Float32Array(nVisible * K * F)
    this.gb = new Float32Array(nVisible * K)
    this.gc = new Float64Array(F)
    this.incW = new Float32Array(nVisible * K * F)
    this.incB = new Float32Array(nVisible * K)
    this.incC = new Float32Array(F)
    this.mark = new Int32Array(nVisible)
    this.touched = new Int32Array(nVisible)
    this.p0 = new Float64Array(F)
    this.pk = new Float64Array(F)
    this.h = new Float64Array(F)
    this.act = new Float64Array(F)
    this.vk = new Float64Array(0)
  }

  /** One weight update from a batch of cases. Returns the first reconstruction's squared error and entry count. */
  step(batch: readonly number[], rng: Random): { sse: number; entries: number } {
    const { K, F, W, visibleBias: b, hiddenBias: c } = this.w
    const { ptr, index, level } = this.cases
    const { gW, gb, gc, mark, touched, p0, pk, h } = this
    const stamp = ++this.stamp
    let nTouched = 0, sse = 0, entries = 0
    gc.fill(0)
    for (const cs of batch) {
      const from = ptr[cs]!, to = ptr[cs + 1]!
      const E = to - from
      if (this.vk.length < E * K) this.vk = new Float64Array(E * K * 2)
      const vk = this.vk
      for (let e = from; e < to; e++) {
        const i = index[e]!
        if (mark[i] !== stamp) {
          mark[i] = stamp
          touched[nTouched++] = i
          gW.fill(0, i * K * F, (i + 1) * K * F)
          gb.fill(0, i * K, (i + 1) * K)
        }
      }
      // Positive phase: p⁰ = p(h | V⁰).
      hiddenFromData(this.w, index, level, from, to, p0, this.act)
      for (let e = from; e < to; e++) {
        const row = (index[e]! * K + level[e]!) * F
        for (let j = 0; j < F; j++) gW[row + j]! += p0[j]!
        gb[index[e]! * K + level[e]!]! += 1
      }
      for (let j = 0; j < F; j++) gc[j]! += p0[j]!
      // CD-k: h ~ p⁰; k times V = p(v | h), p = p(h | V), sampling h between steps.
      for (let j = 0; j < F; j++) h[j] = rng.float() < p0[j]! ? 1 : 0
      for (let step = 1; step <= this.settings.cdSteps; step++) {
        for (let e = 0; e < E; e++) visibleGivenHidden(this.w, index[from + e]!, h, vk, e * K)
        if (step === 1) {
          for (let e = 0; e < E; e++) {
            let expected = 0
            for (let k = 0; k < K; k++) expected += this.levels[k]! * vk[e * K + k]!
            const err = expected - this.ratings.value[from + e]!
            sse += err * err
          }
          entries += E
        }
        for (let j = 0; j < F; j++) pk[j] = c[j]!
        for (let e = 0; e < E; e++) {
          const i = index[from + e]!
          for (let k = 0; k < K; k++) {
            const v = vk[e * K + k]!, row = (i * K + k) * F
            for (let j = 0; j < F; j++) pk[j]! += v * W[row + j]!
          }
        }
        for (let j = 0; j < F; j++) pk[j] = sigmoid(pk[j]!)
        if (step < this.settings.cdSteps) for (let j = 0; j < F; j++) h[j] = rng.float() < pk[j]! ? 1 : 0
      }
      // Negative phase: − vᵏ pᵏ.
      for (let e = 0; e < E; e++) {
        const i = index[from + e]!
        for (let k = 0; k < K; k++) {
          const v = vk[e * K + k]!, row = (i * K + k) * F
          for (let j = 0; j < F; j++) gW[row + j]! -= v * pk[j]!
          gb[i * K + k]! -= v
        }
      }
      for (let j = 0; j < F; j++) gc[j]! -= pk[j]!
    }
    // Update the visible units of the batch and the hidden biases.
    const { learningRate: lr, momentum, weightDecay } = this.settings
    const scale = 1 / batch.length
    const { incW, incB, incC } = this
    for (let t = 0; t < nTouched; t++) {
      const i = touched[t]!
      for (let a = i * K * F; a < (i + 1) * K * F; a++) {
        incW[a] = momentum * incW[a]! + lr * (scale * gW[a]! - weightDecay * W[a]!)
        W[a]! += incW[a]!
      }
      for (let a = i * K; a < (i + 1) * K; a++) {
        incB[a] = momentum * incB[a]! + lr * scale * gb[a]!
        b[a]! += incB[a]!
      }
    }
    for (let j = 0; j < F; j++) {
      incC[j] = momentum * incC[j]! + lr * scale * gc[j]!
      c[j]! += incC[j]!
    }
    return { sse, entries }
  }
}

/** p(h | V) of a case's training ratings (entries from … to) into out; act is scratch. */
function hiddenFromData(w: RbmWeights, index: Int32Array, level: Int32Array, from: number, to: number, out: Float64Array, act: Float64Array): void {
  const { K, F, W, hiddenBias } = w
  for (let j = 0; j < F; j++) act[j] = hiddenBias[j]!
  for (let e = from; e < to; e++) {
    const row = (index[e]! * K + level[e]!) * F
    for (let j = 0; j < F; j++) act[j]! += W[row + j]!
  }
  for (let j = 0; j < F; j++) out[j] = sigmoid(act[j]!)
}

/** p(v_i = k | h) for every k into out[at … at + K) (softmax, max-subtracted); h may be probabilities. */
function visibleGivenHidden(w: RbmWeights, i: number, h: Float64Array, out: Float64Array, at: number): void {
  const { K, F, W, visibleBias } = w
  let max = -Infinity
  for (let k = 0; k < K; k++) {
    const row = (i * K + k) * F
    let a = visibleBias[i * K + k]!
    for (let j = 0; j < F; j++) a += h[j]! * W[row + j]!
    out[at + k] = a
    if (a > max) max = a
  }
  let sum = 0
  for (let k = 0; k < K; k++) {
    const e = Math.exp(out[at + k]! - max)
    out[at + k] = e
    sum += e
  }
  for (let k = 0; k < K; k++) out[at + k]! /= sum
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x))
}

function initWeights(nVisible: number, levels: Float64Array, F: number, cases: Cases, rng: Random): RbmWeights {
  const K = levels.length
  const W = new Float32Array(nVisible * K * F)
  for (let a = 0; a < W.length; a++) W[a] = INIT_STD * rng.normal()
  // b[i][k] = log((count_ik + p_k) / (count_i + 1)), p_k the overall share of level k.
  const count = new Float64Array(nVisible * K)
  const perVisible = new Float64Array(nVisible)
  const overall = new Float64Array(K)
  for (let e = 0; e < cases.index.length; e++) {
    count[cases.index[e]! * K + cases.level[e]!]! += 1
    perVisible[cases.index[e]!]! += 1
    overall[cases.level[e]!]! += 1
  }
  const total = cases.index.length
  const visibleBias = new Float32Array(nVisible * K)
  for (let i = 0; i < nVisible; i++) {
    for (let k = 0; k < K; k++) {
      const prior = total > 0 ? (overall[k]! + 1) / (total + K) : 1 / K
      visibleBias[i * K + k] = Math.log((count[i * K + k]! + prior) / (perVisible[i]! + 1))
    }
  }
  return { nVisible, K, F, W, visibleBias, hiddenBias: new Float32Array(F) }
}

function copyWeights(w: RbmWeights): RbmWeights {
  return { ...w, W: w.W.slice(), visibleBias: w.visibleBias.slice(), hiddenBias: w.hiddenBias.slice() }
}

function pickSettings(p: RbmSettings): RbmSettings {
  const { orientation, hidden, epochs, batchSize, learningRate, cdSteps, momentum, weightDecay, seed } = p
  return { orientation, hidden, epochs, batchSize, learningRate, cdSteps, momentum, weightDecay, seed }
}

// ---------------------------------------------------------------- the predictor

class RbmPredictor implements Predictor {
  readonly kind = 'rbm'
  private readonly byUser: boolean
  private readonly nUsers: number
  private readonly nItems: number
  /** p(h | V) of each case, computed on first use. */
  private readonly hidden: Float64Array
  private readonly ready: Uint8Array
  private readonly act: Float64Array
  private readonly probs: Float64Array

  constructor(
    private readonly w: RbmWeights,
    private readonly levels: Float64Array,
    private readonly cases: Cases,
    private readonly header: Record<string, unknown>,
  ) {
    this.byUser = (header.params as RbmSettings).orientation === 'user'
    this.nUsers = Number(header.nUsers)
    this.nItems = Number(header.nItems)
    const nCases = cases.ptr.length - 1
    this.hidden = new Float64Array(nCases * w.F)
    this.ready = new Uint8Array(nCases)
    this.act = new Float64Array(w.F)
    this.probs = new Float64Array(w.K)
  }

  /** p(h | V) of case c (a view into the cache). */
  private hiddenOf(c: number): Float64Array {
    const F = this.w.F
    const view = this.hidden.subarray(c * F, (c + 1) * F)
    if (!this.ready[c]) {
      hiddenFromData(this.w, this.cases.index, this.cases.level, this.cases.ptr[c]!, this.cases.ptr[c + 1]!, view, this.act)
      this.ready[c] = 1
    }
    return view
  }

  private estimate(u: number, i: number): number {
    const [c, v] = this.byUser ? [u, i] : [i, u]
    visibleGivenHidden(this.w, v, this.hiddenOf(c), this.probs, 0)
    let r = 0
    for (let k = 0; k < this.w.K; k++) r += this.levels[k]! * this.probs[k]!
    return r
  }

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    for (let k = 0; k < n; k++) out[k] = this.estimate(user[k]!, item[k]!)
  }

  scoreUser(u: number, out: Float32Array): void {
    for (let i = 0; i < this.nItems; i++) out[i] = this.estimate(u, i)
  }

  save(): SavedModel {
    const { W, visibleBias, hiddenBias } = this.w
    return {
      kind: this.kind,
      header: { ...this.header, nUsers: this.nUsers, nItems: this.nItems, levels: Array.from(this.levels) },
      arrays: { W, visibleBias, hiddenBias, casePtr: this.cases.ptr, caseIndex: this.cases.index, caseLevel: this.cases.level },
    }
  }
}
