/**
 * Matrix factorisation (Funk SVD, Surprise's `SVD`): the product's own fast
 * CPU trainer for explicit ratings — plain JavaScript loops over one flat
 * Float32Array per table, row offset u · dim (word2vec.c), single-threaded
 * and reproducible from the seed (ctx.threads is not used). It is a network
 * with no hidden layer: two embedding tables, two bias tables and a dot
 * product.
 *
 *   r̂(u, i) = μ + b_u + b_i + p_u · q_i      (params.biases = true)
 *   r̂(u, i) = p_u · q_i                      (params.biases = false)
 *
 * μ is the mean training rating, fixed (not trained). Tables: P (nUsers ×
 * dim), Q (nItems × dim), b_user (nUsers), b_item (nItems); P and Q start
 * N(0, initStd²) from `seed` (P row by row, then Q), biases at 0.
 *
 * Per-rating SGD (batchSize = 1): each epoch visits the training ratings in
 * a freshly shuffled order (Fisher–Yates, the same seeded stream) and, with
 * e = r − r̂ computed before the update and λ = reg, η = learningRate,
 *
 *   b_u += η (e − λ b_u)            b_i += η (e − λ b_i)
 *   p_u += η (e q_i − λ p_u)        q_i += η (e p_u − λ q_i)   (both from the old p_u, q_i)
 *
 * The objective of one batch B of ratings (the exact math of
 * `mfLossAndGradients`, which the tfjs engine implements against):
 *
 *   L(B) = (1/|B|) Σ_{(u,i,r) ∈ B} [ (r − r̂_ui)² + λ (‖p_u‖² + ‖q_i‖² + b_u² + b_i²) ]
 *
 *   (without biases: r̂ = p_u·q_i and the b² terms are absent). A user or item
 *   appearing m times in B contributes its penalty m times. Gradients (dense,
 *   zero for rows not in B), summed over the batch entries k = (u, i, r):
 *
 *   ∂L/∂p_u = (1/|B|) Σ_{k: u_k = u} ( −2 e_k q_i + 2 λ p_u )
 *   ∂L/∂q_i = (1/|B|) Σ_{k: i_k = i} ( −2 e_k p_u + 2 λ q_i )
 *   ∂L/∂b_u = (1/|B|) Σ_{k: u_k = u} ( −2 e_k + 2 λ b_u )
 *   ∂L/∂b_i = (1/|B|) Σ_{k: i_k = i} ( −2 e_k + 2 λ b_i )
 *
 * Mini-batch SGD (batchSize > 1): consecutive batches of the shuffled order;
 * every entry's e is computed with the tables as they were at the start of
 * the batch, then every table at once takes
 *
 *   θ ← θ − (η/2) · |B| · ∇L(B)
 *
 * i.e. each row moves by the SUM of its per-rating updates above, as |B|
 * per-rating steps taken from the same starting point would: with |B| = 1
 * this is exactly per-rating SGD, and the per-rating defaults (η = 0.01)
 * carry over to any batch size. (A tfjs engine minimising the mean L(B) with
 * plain SGD agrees exactly with the step size η · |B| / 2; the 1/2 is the
 * d(e²)/de = 2e that Funk's update leaves out.)
 *
 * Saved layout (SavedModel kind 'mf', shared with the tfjs engine's MF):
 * header { mu, dim, nUsers, nItems, biases, params, search? }, arrays
 * { P, Q, bu, bi } as above.
 *
 * Each epoch reports loss = mean of e² over the epoch's ratings, e measured
 * before each update (no penalty). A non-finite loss stops training.
 *
 * search = true: a seeded 10 % of the training ratings is held out (or
 * data.validation is used when there is one), the grid reg ∈ {0.02, 0.05,
 * 0.1} × dim ∈ {20, 50, 100} is trained with the other parameters fixed
 * (no epoch reports, progress via ctx.onProgress), the best validation RMSE
 * (predictions clipped to the scale) wins, and it is retrained on all the
 * training ratings (with epoch reports). The saved header records the grid
 * and the chosen reg and dim.
 *
 * Defaults (MfParams): dim 50, epochs 40, learningRate 0.01, reg 0.05,
 * initStd 0.1, biases on, batchSize 1, search off, seed 42.
 */
import type { MfParams } from '../../shared/ratings'
import { Random } from '../lib/random'
import { expectKind } from './baselines'
import type { FitContext, Fitter, Loader, Predictor, RatingData, RatingTriples, SavedModel, Table } from './model'
import { meanRating, rmseOf } from './model'

/** The grid of `search`: every reg with every dim. */
export const MF_SEARCH_GRID = { reg: [0.02, 0.05, 0.1], dim: [20, 50, 100] } as const
/** Share of the training ratings held out to score the grid when data.validation is null. */
export const MF_SEARCH_VALIDATION = 0.1

export interface MfTables {
  nUsers: number
  nItems: number
  dim: number
  /** Global mean (0 and unused without biases). */
  mu: number
  biases: boolean
  /** nUsers × dim, row u at u · dim. */
  P: Float32Array
  /** nItems × dim, row i at i · dim. */
  Q: Float32Array
  bu: Float32Array
  bi: Float32Array
}

/** Gradients of L(B) with respect to every table (dense, same shapes as the tables). */
export interface MfGradients {
  P: Float64Array
  Q: Float64Array
  bu: Float64Array
  bi: Float64Array
}

type MfTrainParams = Pick<MfParams, 'dim' | 'epochs' | 'learningRate' | 'reg' | 'initStd' | 'biases' | 'batchSize' | 'seed'>

export const fitMf: Fitter<MfParams> = async (data, params, ctx) => {
  if (!params.search) return trainMf(data, data.train, params, ctx, {}, [0, 1])
  return searchAndTrain(data, params, ctx)
}

export const loadMf: Loader = (saved) => {
  expectKind(saved, 'mf')
  const h = saved.header
  const a = saved.arrays
  const tables: MfTables = {
    nUsers: Number(h.nUsers),
    nItems: Number(h.nItems),
    dim: Number(h.dim),
    mu: Number(h.mu),
    biases: Boolean(h.biases),
    P: a.P as Float32Array,
    Q: a.Q as Float32Array,
    bu: a.bu as Float32Array,
    bi: a.bi as Float32Array,
  }
  return new MfPredictor(tables, h)
}

/** A predictor over given tables (e.g. trained by the tfjs engine); `header` is saved with it. */
export function createMfPredictor(tables: MfTables, header: Record<string, unknown> = {}): Predictor {
  return new MfPredictor(tables, header)
}

/** Fresh tables: factors N(0, initStd²) from `seed` (P row by row, then Q), biases 0, μ = mean rating (0 without biases). */
export function initMfTables(nUsers: number, nItems: number, mu: number, params: Pick<MfParams, 'dim' | 'initStd' | 'biases' | 'seed'>, rng = new Random(params.seed)): MfTables {
  const { dim, initStd } = params
  const P = new Float32Array(nUsers * dim)
  const Q = new Float32Array(nItems * dim)
  for (let j = 0; j < P.length; j++) P[j] = initStd * rng.normal()
  for (let j = 0; j < Q.length; j++) Q[j] = initStd * rng.normal()
  return {
    nUsers,
    nItems,
    dim,
    mu: params.biases ? mu : 0,
    biases: params.biases,
    P,
    Q,
    bu: new Float32Array(nUsers),
    bi: new Float32Array(nItems),
  }
}

/**
 * L(B) and its gradients (see the file comment): the reference for the tfjs
 * engine's agreement test and for the finite-difference check. Accumulates in
 * float64.
 */
export function mfLossAndGradients(tables: MfTables, batch: RatingTriples, params: Pick<MfParams, 'reg'>): { loss: number; grads: MfGradients } {
  const { dim, mu, biases, P, Q, bu, bi } = tables
  const reg = params.reg
  const g: MfGradients = {
    P: new Float64Array(P.length),
    Q: new Float64Array(Q.length),
    bu: new Float64Array(bu.length),
    bi: new Float64Array(bi.length),
  }
  const n = batch.n
  if (n === 0) return { loss: 0, grads: g }
  const w = 1 / n
  let loss = 0
  for (let k = 0; k < n; k++) {
    const u = batch.user[k]!, i = batch.item[k]!
    const pu = u * dim, qi = i * dim
    let dot = 0, penalty = 0
    for (let f = 0; f < dim; f++) {
      const p = P[pu + f]!, q = Q[qi + f]!
      dot += p * q
      penalty += p * p + q * q
    }
    const e = batch.rating[k]! - (biases ? mu + bu[u]! + bi[i]! + dot : dot)
    if (biases) {
      penalty += bu[u]! * bu[u]! + bi[i]! * bi[i]!
      g.bu[u]! += w * (-2 * e + 2 * reg * bu[u]!)
      g.bi[i]! += w * (-2 * e + 2 * reg * bi[i]!)
    }
    loss += e * e + reg * penalty
    for (let f = 0; f < dim; f++) {
      const p = P[pu + f]!, q = Q[qi + f]!
      g.P[pu + f]! += w * (-2 * e * q + 2 * reg * p)
      g.Q[qi + f]! += w * (-2 * e * p + 2 * reg * q)
    }
  }
  return { loss: loss * w, grads: g }
}

/**
 * One mini-batch step θ ← θ − (η/2)·|B|·∇L(B) over the entries
 * order[start, end) of t: each touched row moves by the sum of its per-rating
 * updates, computed from the tables as they were before the step (sparse:
 * only the rows in the batch are touched). Returns Σ e² of the batch.
 */
export function mfBatchStep(tables: MfTables, t: RatingTriples, order: Int32Array, start: number, end: number, learningRate: number, reg: number, scratch = new MfBatchScratch(tables)): number {
  const { dim, mu, biases, P, Q, bu, bi } = tables
  const { dP, dQ, dbu, dbi, userMark, itemMark, users, items } = scratch
  const stamp = ++scratch.stamp
  let nUsers = 0, nItems = 0, sse = 0
  for (let k = start; k < end; k++) {
    const j = order[k]!
    const u = t.user[j]!, i = t.item[j]!
    const pu = u * dim, qi = i * dim
    if (userMark[u] !== stamp) {
      userMark[u] = stamp
      users[nUsers++] = u
      dP.fill(0, pu, pu + dim)
      dbu[u] = 0
    }
    if (itemMark[i] !== stamp) {
      itemMark[i] = stamp
      items[nItems++] = i
      dQ.fill(0, qi, qi + dim)
      dbi[i] = 0
    }
    let dot = 0
    for (let f = 0; f < dim; f++) dot += P[pu + f]! * Q[qi + f]!
    const e = t.rating[j]! - (biases ? mu + bu[u]! + bi[i]! + dot : dot)
    sse += e * e
    if (biases) {
      dbu[u]! += e - reg * bu[u]!
      dbi[i]! += e - reg * bi[i]!
    }
    for (let f = 0; f < dim; f++) {
      const p = P[pu + f]!, q = Q[qi + f]!
      dP[pu + f]! += e * q - reg * p
      dQ[qi + f]! += e * p - reg * q
    }
  }
  const step = learningRate
  for (let a = 0; a < nUsers; a++) {
    const u = users[a]!, pu = u * dim
    for (let f = 0; f < dim; f++) P[pu + f]! += step * dP[pu + f]!
    if (biases) bu[u]! += step * dbu[u]!
  }
  for (let a = 0; a < nItems; a++) {
    const i = items[a]!, qi = i * dim
    for (let f = 0; f < dim; f++) Q[qi + f]! += step * dQ[qi + f]!
    if (biases) bi[i]! += step * dbi[i]!
  }
  return sse
}

/** Per-trainer scratch of the mini-batch step (separate from the weights): summed updates and touched rows. */
export class MfBatchScratch {
  readonly dP: Float64Array
  readonly dQ: Float64Array
  readonly dbu: Float64Array
  readonly dbi: Float64Array
  readonly userMark: Int32Array
  readonly itemMark: Int32Array
  readonly users: Int32Array
  readonly items: Int32Array
  stamp = 0
  constructor(t: Pick<MfTables, 'nUsers' | 'nItems' | 'dim'>) {
    this.dP = new Float64Array(t.nUsers * t.dim)
    this.dQ = new Float64Array(t.nItems * t.dim)
    this.dbu = new Float64Array(t.nUsers)
    this.dbi = new Float64Array(t.nItems)
    this.userMark = new Int32Array(t.nUsers)
    this.itemMark = new Int32Array(t.nItems)
    this.users = new Int32Array(t.nUsers)
    this.items = new Int32Array(t.nItems)
  }
}

// ---------------------------------------------------------------- the predictor

class MfPredictor implements Predictor {
  readonly kind = 'mf'
  constructor(
    readonly tables: MfTables,
    /** Saved as it is (params, search results). */
    readonly header: Record<string, unknown>,
  ) {}

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    const { dim, mu, biases, P, Q, bu, bi } = this.tables
    for (let k = 0; k < n; k++) {
      const u = user[k]!, i = item[k]!
      const pu = u * dim, qi = i * dim
      let dot = 0
      for (let f = 0; f < dim; f++) dot += P[pu + f]! * Q[qi + f]!
      out[k] = biases ? mu + bu[u]! + bi[i]! + dot : dot
    }
  }

  scoreUser(u: number, out: Float32Array): void {
    const { nItems, dim, mu, biases, P, Q, bu, bi } = this.tables
    const pu = u * dim
    for (let i = 0; i < nItems; i++) {
      const qi = i * dim
      let dot = 0
      for (let f = 0; f < dim; f++) dot += P[pu + f]! * Q[qi + f]!
      out[i] = biases ? mu + bu[u]! + bi[i]! + dot : dot
    }
  }

  save(): SavedModel {
    const { nUsers, nItems, dim, mu, biases, P, Q, bu, bi } = this.tables
    return { kind: this.kind, header: { ...this.header, nUsers, nItems, dim, mu, biases }, arrays: { P, Q, bu, bi } }
  }

  embeddings(): { left: Table; right: Table } {
    const { nUsers, nItems, dim, P, Q } = this.tables
    return { left: { rows: nUsers, dim, data: P }, right: { rows: nItems, dim, data: Q } }
  }
}

// ---------------------------------------------------------------- training

/** Ratings between progress reports inside an epoch. */
const PROGRESS_BLOCK = 1 << 20

/**
 * Trains on `train` from fresh tables. `progress` maps this training onto a
 * share [from, to] of the whole fit for ctx.onProgress. ctx.onEpoch is
 * called after each epoch unless `reportEpochs` is false (grid search).
 */
async function trainMf(
  data: RatingData,
  train: RatingTriples,
  params: MfTrainParams,
  ctx: Pick<FitContext, 'onEpoch' | 'onProgress'>,
  header: Record<string, unknown>,
  progress: [from: number, to: number],
  reportEpochs = true,
): Promise<MfPredictor> {
  const { epochs, learningRate, reg, batchSize } = params
  const rng = new Random(params.seed)
  const tables = initMfTables(data.nUsers, data.nItems, meanRating(train), params, rng)
  const fullHeader = { ...header, params: pickTrainParams(params) }
  const predictor = new MfPredictor(tables, fullHeader)
  const n = train.n
  const order = new Int32Array(n)
  for (let k = 0; k < n; k++) order[k] = k
  const scratch = batchSize > 1 ? new MfBatchScratch(tables) : null
  // Per-rating SGD reads the epoch's ratings gathered in order: one pass of
  // random reads that overlap, then a sequential hot loop (≈ 2.5× faster on 5M
  // ratings than reading train[order[k]] inside it).
  const epochTriples: RatingTriples | null = scratch ? null : { n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) }
  // ... over rows that keep the bias next to the factors (one cache miss fewer per rating).
  const packed = scratch ? null : pack(tables)
  const [from, to] = progress
  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInt32(order, rng)
    if (epochTriples) gather(train, order, epochTriples)
    let sse = 0
    for (let start = 0; start < n; start += PROGRESS_BLOCK) {
      const end = Math.min(n, start + PROGRESS_BLOCK)
      sse += scratch ? batchEpoch(tables, train, order, start, end, batchSize, learningRate, reg, scratch) : sgdEpoch(packed!, epochTriples!, start, end, learningRate, reg)
      ctx.onProgress?.(from + ((to - from) * (epoch - 1 + end / n)) / epochs, `epoch ${epoch}/${epochs}`)
    }
    if (packed) unpack(packed, tables)
    const loss = n > 0 ? sse / n : 0
    const finite = Number.isFinite(loss)
    if (reportEpochs) {
      const report = { epoch, epochs, loss, predictor: new MfPredictor(copyTables(tables), fullHeader), examples: n }
      if ((await ctx.onEpoch(report)) === 'stop') break
    }
    if (!finite) break
  }
  return predictor
}

/**
 * The training layout of per-rating SGD: row u of `users` is [p_u, b_u]
 * (stride dim + 1), row i of `items` is [q_i, b_i]; the bias slot stays 0
 * without biases.
 */
interface PackedTables {
  dim: number
  mu: number
  biases: boolean
  users: Float32Array
  items: Float32Array
}

function pack(t: MfTables): PackedTables {
  const s = t.dim + 1
  const users = new Float32Array(t.nUsers * s)
  const items = new Float32Array(t.nItems * s)
  for (let u = 0; u < t.nUsers; u++) {
    users.set(t.P.subarray(u * t.dim, (u + 1) * t.dim), u * s)
    users[u * s + t.dim] = t.bu[u]!
  }
  for (let i = 0; i < t.nItems; i++) {
    items.set(t.Q.subarray(i * t.dim, (i + 1) * t.dim), i * s)
    items[i * s + t.dim] = t.bi[i]!
  }
  return { dim: t.dim, mu: t.mu, biases: t.biases, users, items }
}

function unpack(p: PackedTables, t: MfTables): void {
  const s = p.dim + 1
  for (let u = 0; u < t.nUsers; u++) {
    t.P.set(p.users.subarray(u * s, u * s + p.dim), u * p.dim)
    t.bu[u] = p.users[u * s + p.dim]!
  }
  for (let i = 0; i < t.nItems; i++) {
    t.Q.set(p.items.subarray(i * s, i * s + p.dim), i * p.dim)
    t.bi[i] = p.items[i * s + p.dim]!
  }
}

/**
 * Per-rating SGD over the triples start … end − 1, in that order: the hot
 * loop. Returns Σ e².
 */
function sgdEpoch(tables: PackedTables, t: RatingTriples, start: number, end: number, lr: number, reg: number): number {
  const { dim, mu, biases, users: PB, items: QB } = tables
  const stride = dim + 1
  const users = t.user, items = t.item, ratings = t.rating
  const decay = 1 - lr * reg
  let sse = 0
  for (let k = start; k < end; k++) {
    const pu = users[k]! * stride, qi = items[k]! * stride
    let dot = 0
    for (let f = 0; f < dim; f++) dot += PB[pu + f]! * QB[qi + f]!
    let e: number
    if (biases) {
      const bU = PB[pu + dim]!, bI = QB[qi + dim]!
      e = ratings[k]! - (mu + bU + bI + dot)
      PB[pu + dim] = bU + lr * (e - reg * bU)
      QB[qi + dim] = bI + lr * (e - reg * bI)
    } else {
      e = ratings[k]! - dot
    }
    sse += e * e
    // p += η(e q − λ p) = (1 − ηλ) p + ηe q, both from the old p and q.
    const le = lr * e
    for (let f = 0; f < dim; f++) {
      const p = PB[pu + f]!, q = QB[qi + f]!
      PB[pu + f] = decay * p + le * q
      QB[qi + f] = decay * q + le * p
    }
  }
  return sse
}

/** Mini-batches of batchSize over order[start, end) (batches do not cross `end`). Returns Σ e². */
function batchEpoch(tables: MfTables, t: RatingTriples, order: Int32Array, start: number, end: number, batchSize: number, lr: number, reg: number, scratch: MfBatchScratch): number {
  let sse = 0
  for (let b = start; b < end; b += batchSize) sse += mfBatchStep(tables, t, order, b, Math.min(end, b + batchSize), lr, reg, scratch)
  return sse
}

async function searchAndTrain(data: RatingData, params: MfParams, ctx: FitContext): Promise<Predictor> {
  let train = data.train
  let validation = data.validation
  if (!validation || validation.n === 0) {
    ;({ train, validation } = holdOut(data.train, MF_SEARCH_VALIDATION, params.seed))
  }
  const combos = MF_SEARCH_GRID.reg.flatMap((reg) => MF_SEARCH_GRID.dim.map((dim) => ({ reg, dim })))
  // Progress: each run weighs its dim; the final training is counted as the largest dim.
  const finalWeight = Math.max(...MF_SEARCH_GRID.dim)
  const weights = combos.map((c) => c.dim)
  const total = weights.reduce((a, b) => a + b, 0) + finalWeight
  const grid: { reg: number; dim: number; rmse: number }[] = []
  let done = 0
  for (const [g, combo] of combos.entries()) {
    const share: [number, number] = [done / total, (done + weights[g]!) / total]
    const p = await trainMf(data, train, { ...params, ...combo }, { onEpoch: () => Promise.resolve('continue'), onProgress: (f) => ctx.onProgress?.(f, `search ${g + 1}/${combos.length}: reg ${combo.reg}, dim ${combo.dim}`) }, {}, share, false)
    const rmse = rmseOf(p, validation, data.scale)
    grid.push({ ...combo, rmse: Number.isFinite(rmse) ? rmse : Number.POSITIVE_INFINITY })
    done += weights[g]!
    ctx.onProgress?.(done / total, `search ${g + 1}/${combos.length}: reg ${combo.reg}, dim ${combo.dim} → validation RMSE ${rmse.toFixed(4)}`)
  }
  const best = grid.reduce((a, b) => (b.rmse < a.rmse ? b : a))
  const chosen = { ...params, reg: best.reg, dim: best.dim }
  const header = { search: { reg: best.reg, dim: best.dim, validationRmse: best.rmse, validationCount: validation.n, grid: grid.map((r) => ({ ...r, rmse: Number.isFinite(r.rmse) ? r.rmse : null })) } }
  return trainMf(data, data.train, chosen, ctx, header, [done / total, 1])
}

/** A seeded share of the triples held out: { train, validation }. */
function holdOut(t: RatingTriples, ratio: number, seed: number): { train: RatingTriples; validation: RatingTriples } {
  const order = new Int32Array(t.n)
  for (let k = 0; k < t.n; k++) order[k] = k
  shuffleInt32(order, new Random(seed ^ 0x5eed))
  const nVal = Math.round(t.n * ratio)
  const pick = (from: number, to: number): RatingTriples => {
    const n = to - from
    const out: RatingTriples = { n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) }
    for (let k = 0; k < n; k++) {
      const j = order[from + k]!
      out.user[k] = t.user[j]!
      out.item[k] = t.item[j]!
      out.rating[k] = t.rating[j]!
    }
    return out
  }
  return { validation: pick(0, nVal), train: pick(nVal, t.n) }
}

/** out[k] = t[order[k]] for k < t.n. */
function gather(t: RatingTriples, order: Int32Array, out: RatingTriples): void {
  const { user, item, rating } = t
  const { user: u, item: i, rating: r } = out
  for (let k = 0; k < order.length; k++) {
    const j = order[k]!
    u[k] = user[j]!
    i[k] = item[j]!
    r[k] = rating[j]!
  }
}

/** Fisher–Yates on a typed array with the seeded stream. */
export function shuffleInt32(a: Int32Array, rng: Random): void {
  for (let k = a.length - 1; k > 0; k--) {
    const j = rng.int(k + 1)
    const t = a[k]!
    a[k] = a[j]!
    a[j] = t
  }
}

function copyTables(t: MfTables): MfTables {
  return { ...t, P: t.P.slice(), Q: t.Q.slice(), bu: t.bu.slice(), bi: t.bi.slice() }
}

function pickTrainParams(p: MfTrainParams): MfTrainParams {
  const { dim, epochs, learningRate, reg, initStd, biases, batchSize, seed } = p
  return { dim, epochs, learningRate, reg, initStd, biases, batchSize, seed }
}
