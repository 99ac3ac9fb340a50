/**
 * The two baselines every rating run is compared with (sparse CPU engine,
 * plain loops over the training triples).
 *
 * Global mean:   r̂(u, i) = μ = mean of the training ratings.
 *   Ranking (scoreUser): the item's training count (popularity), so the
 *   baseline still recommends something sensible; the item mean would rank
 *   items with one 5-star rating first.
 *
 * Bias baseline (Surprise's BaselineOnly with method 'als'):
 *
 *   r̂(u, i) = μ + b_u + b_i
 *
 *   minimising Σ (r − μ − b_u − b_i)² + reg_u Σ b_u² + reg_i Σ b_i², by
 *   alternating least squares, `epochs` passes of (items first, as Surprise)
 *
 *     b_i = Σ_{u ∈ U_i} (r_ui − μ − b_u) / (reg_i + |U_i|)
 *     b_u = Σ_{i ∈ I_u} (r_ui − μ − b_i) / (reg_u + |I_u|)
 *
 *   starting from b = 0. Each pass reports loss = training MSE. Users and
 *   items without training ratings keep b = 0 (their prediction is μ + the
 *   other bias). Ranking: r̂ itself (for one user, the item biases).
 *   Defaults (BiasBaselineParams): epochs 10, regUser 15, regItem 10
 *   (Surprise's reg_u = 15, reg_i = 10).
 */
import type { BiasBaselineParams, GlobalMeanParams } from '../../shared/ratings'
import type { Fitter, Loader, Predictor, RatingTriples, SavedModel } from './model'
import { meanRating } from './model'

export const fitGlobalMean: Fitter<GlobalMeanParams> = (data) => {
  const counts = new Float32Array(data.nItems)
  const t = data.train
  for (let k = 0; k < t.n; k++) counts[t.item[k]!]! += 1
  return Promise.resolve(new GlobalMeanPredictor(meanRating(t), counts))
}

export const fitBiasBaseline: Fitter<BiasBaselineParams> = async (data, params, ctx) => {
  const t = data.train
  const mu = meanRating(t)
  const userBias = new Float64Array(data.nUsers)
  const itemBias = new Float64Array(data.nItems)
  const userCount = new Float64Array(data.nUsers)
  const itemCount = new Float64Array(data.nItems)
  for (let k = 0; k < t.n; k++) {
    userCount[t.user[k]!]! += 1
    itemCount[t.item[k]!]! += 1
  }
  const sum = new Float64Array(Math.max(data.nUsers, data.nItems))
  let predictor = snapshot(mu, userBias, itemBias, params)
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    alsStep(t, mu, userBias, itemBias, itemCount, params.regItem, sum, 'item')
    alsStep(t, mu, userBias, itemBias, userCount, params.regUser, sum, 'user')
    predictor = snapshot(mu, userBias, itemBias, params)
    const loss = trainingMse(t, predictor)
    if ((await ctx.onEpoch({ epoch, epochs: params.epochs, loss, predictor, examples: t.n })) === 'stop') break
  }
  return predictor
}

export const loadGlobalMean: Loader = (saved) => {
  expectKind(saved, 'global-mean')
  return new GlobalMeanPredictor(Number(saved.header.mu), saved.arrays.itemCount as Float32Array)
}

export const loadBiasBaseline: Loader = (saved) => {
  expectKind(saved, 'bias-baseline')
  const h = saved.header
  return new BiasPredictor(Number(h.mu), saved.arrays.userBias as Float32Array, saved.arrays.itemBias as Float32Array, h.params as Record<string, unknown>)
}

// ---------------------------------------------------------------- predictors

class GlobalMeanPredictor implements Predictor {
  readonly kind = 'global-mean'
  constructor(
    readonly mu: number,
    /** Training ratings per item (the ranking score). */
    readonly itemCount: Float32Array,
  ) {}

  predict(n: number, _user: Int32Array, _item: Int32Array, out: Float32Array): void {
    out.fill(this.mu, 0, n)
  }

  scoreUser(_user: number, out: Float32Array): void {
    out.set(this.itemCount)
  }

  save(): SavedModel {
    return { kind: this.kind, header: { mu: this.mu, nItems: this.itemCount.length }, arrays: { itemCount: this.itemCount } }
  }
}

class BiasPredictor implements Predictor {
  readonly kind = 'bias-baseline'
  constructor(
    readonly mu: number,
    readonly userBias: Float32Array,
    readonly itemBias: Float32Array,
    readonly params: Record<string, unknown>,
  ) {}

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    const { mu, userBias, itemBias } = this
    for (let k = 0; k < n; k++) out[k] = mu + userBias[user[k]!]! + itemBias[item[k]!]!
  }

  scoreUser(user: number, out: Float32Array): void {
    const base = this.mu + this.userBias[user]!
    const b = this.itemBias
    for (let i = 0; i < b.length; i++) out[i] = base + b[i]!
  }

  save(): SavedModel {
    return {
      kind: this.kind,
      header: { mu: this.mu, nUsers: this.userBias.length, nItems: this.itemBias.length, params: this.params },
      arrays: { userBias: this.userBias, itemBias: this.itemBias },
    }
  }
}

// ---------------------------------------------------------------- helpers

/**
 * One half of an ALS pass: b_side = Σ (r − μ − b_other) / (reg + count) for
 * every row of `side`, from the current biases of the other side.
 */
function alsStep(
  t: RatingTriples,
  mu: number,
  userBias: Float64Array,
  itemBias: Float64Array,
  count: Float64Array,
  reg: number,
  sum: Float64Array,
  side: 'user' | 'item',
): void {
  const [rows, target, other, otherBias] = side === 'item' ? [t.item, itemBias, t.user, userBias] : [t.user, userBias, t.item, itemBias]
  sum.fill(0, 0, target.length)
  for (let k = 0; k < t.n; k++) sum[rows[k]!]! += t.rating[k]! - mu - otherBias[other[k]!]!
  for (let j = 0; j < target.length; j++) target[j] = count[j]! + reg > 0 ? sum[j]! / (reg + count[j]!) : 0
}

function snapshot(mu: number, userBias: Float64Array, itemBias: Float64Array, params: BiasBaselineParams): BiasPredictor {
  const { epochs, regUser, regItem } = params
  return new BiasPredictor(mu, Float32Array.from(userBias), Float32Array.from(itemBias), { epochs, regUser, regItem })
}

function trainingMse(t: RatingTriples, p: Predictor): number {
  if (t.n === 0) return 0
  const out = new Float32Array(t.n)
  p.predict(t.n, t.user, t.item, out)
  let s = 0
  for (let k = 0; k < t.n; k++) {
    const e = t.rating[k]! - out[k]!
    s += e * e
  }
  return s / t.n
}

/** Throws unless the saved model is of the expected kind. */
export function expectKind(saved: SavedModel, kind: string): void {
  if (saved.kind !== kind) throw new Error(`Expected a saved '${kind}' model, got '${saved.kind}'.`)
}
