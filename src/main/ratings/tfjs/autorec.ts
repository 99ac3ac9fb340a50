/**
 * AutoRec (Sedhain, Menon, Sanner & Xie, "AutoRec: Autoencoders Meet
 * Collaborative Filtering", WWW 2015) on TensorFlow.js, by default on the
 * residuals of a bias baseline.
 *
 * Baseline (AutoRecParams.baseline). 'bias' (the default): first
 *
 *   b(u, i) = μ + b_u + b_i
 *
 * by alternating least squares exactly as the bias baseline (../baselines.ts,
 * Surprise's BaselineOnly: 10 passes, items first, reg 15 users / 10 items),
 * and the network's input entries are the residuals x = r − b(u, i). An
 * unobserved entry is 0 in the input, which now means "as the baseline
 * expects" rather than "rated 0", so the zero-filled vectors make sense, and
 * the network only has to learn the interactions. 'none': the paper's plain
 * AutoRec, x = r (b ≡ 0).
 *
 * Each input vector x ∈ ℝ^n (unobserved entries 0) is encoded and decoded:
 *
 *   h = act(x W + b)        W: n × hidden, b: hidden        (encoder)
 *   x̂ = h V + c             V: hidden × n, c: n             (linear decoder)
 *
 * and the prediction is r̂(u, i) = b(u, i) + x̂ at that entry.
 *
 * I-AutoRec (orientation 'item', the paper's better variant): one vector per
 * item, its entries for the n = nUsers users. U-AutoRec ('user'): one vector
 * per user over the n = nItems items. The objective counts OBSERVED entries
 * only (mask M), per mini-batch of B vectors:
 *
 *   loss = Σ_{batch} Σ_j M_j (x_j − x̂_j)²  +  (λ/2) (‖W‖² + ‖V‖²)
 *
 * (the penalty once per batch, as the authors' code minimises it, so a
 * smaller batch regularises more per epoch; b and c are not penalised).
 * Adam(lr, 0.9, 0.999, 1e-7); the vectors (those with at least one training
 * rating) in a seeded shuffled order each epoch; the dense batch matrix and
 * its mask are built per batch from the CSR of the inputs, so memory is
 * O(nnz + B·n), never O(nUsers·nItems). (A gather/segment-sum form that
 * touches only the observed entries computes the same thing but was 1.5–4×
 * slower on wasm than the dense matMuls at this density.) The epoch's
 * reported loss is Σ batch losses / the epoch's observed entries (of the
 * residuals under 'bias').
 *
 * Initial weights (from the seed, in JavaScript): W and V Glorot uniform,
 * b = 0, c = 0 with the bias baseline (the residuals' mean is ≈ 0) or μ (the
 * mean training rating) without it, so the first reconstructions are
 * sensible.
 *
 * Defaults (AutoRecParams): item orientation, bias baseline, 100 hidden
 * units, tanh, 20 epochs, 64 vectors per batch, lr 0.003, λ 10. Measured on
 * the synthetic sample (1,000 × 600, 50k ratings, 80/20 split seed 1; test
 * RMSE, the noise floor is 0.5): bias baseline 0.782, global mean 0.961;
 * I-AutoRec defaults 0.616, U-AutoRec 0.637 (each ≈ 4 s on one wasm thread);
 * baseline 'none' 0.717 (I) and 0.802 (U). The result is flat over hidden
 * 50–200, tanh/elu/relu, lr 0.001–0.003, λ 5–10; sigmoid is worse on the
 * residuals (0.70 I, 0.75 U); the paper's 500 units cost 5× the time for
 * nothing here. With the baseline the test RMSE settles within 10–15 epochs.
 *
 * Prediction (plain JavaScript; the predictor keeps the inputs as CSR, and
 * the biases, saved with the model): r̂(u, i) = b(u, i) + entry u of item i's
 * reconstruction (I-AutoRec) or entry i of user u's (U-AutoRec), the input
 * being that item's (user's) TRAINING entries. A row with no training
 * ratings is reconstructed from the zero vector anyway (h = act(b)), which
 * gives c plus a constant direction: a learned per-entry default (with the
 * baseline, on top of b(u, i)), not an error. An observed entry is predicted
 * from an input that contains it (as in the paper).
 *
 * Costs: a row's code h costs nnz(row)·hidden and is cached (nRows × hidden
 * floats, filled lazily); reading one entry costs hidden. So predict is
 * hidden per pair once the codes it needs exist; scoreUser is one code plus
 * nItems·hidden for U-AutoRec; for I-AutoRec its first call computes every
 * item's code (nnz·hidden in total, nItems × hidden floats kept for the life
 * of the predictor), then nItems·hidden per user. Training costs
 * ≈ 6 · nRows · n · hidden flops per epoch (the dense batch matMuls).
 */
import type * as tfjs from '@tensorflow/tfjs'
import type { AutoRecParams } from '../../../shared/ratings'
import { ADAM } from '../../train/engine'
import { Random } from '../../lib/random'
import { meanRating, type Fitter, type Loader, type Predictor, type RatingTriples, type SavedModel, type Table } from '../model'
import { ACTIVATIONS, activationFn, applyActivation, checkIds, checkLoss, checkRatingData, checkUser, glorotUniform, minimizeStep, openTfjs, SavedReader, identityOrder, shuffleInPlace, type Activation } from './common'

export const AUTOREC_KIND = 'autorec'

export type Orientation = 'item' | 'user'
const ORIENTATIONS: readonly Orientation[] = ['item', 'user']

/** Training ratings grouped by row (items for I-AutoRec, users for U-AutoRec). */
export interface Csr {
  rows: number
  cols: number
  /** rows + 1 offsets into col / value. */
  rowPtr: Int32Array
  col: Int32Array
  value: Float32Array
}

/** CSR of the triples by item (orientation 'item') or by user; within a row, the triples' order. */
export function ratingsCsr(t: RatingTriples, nUsers: number, nItems: number, orientation: Orientation): Csr {
  const byItem = orientation === 'item'
  const rowOf = byItem ? t.item : t.user
  const colOf = byItem ? t.user : t.item
  const rows = byItem ? nItems : nUsers
  const rowPtr = new Int32Array(rows + 1)
  for (let k = 0; k < t.n; k++) rowPtr[rowOf[k]! + 1]! += 1
  for (let r = 0; r < rows; r++) rowPtr[r + 1]! += rowPtr[r]!
  const fill = rowPtr.slice(0, rows)
  const col = new Int32Array(t.n)
  const value = new Float32Array(t.n)
  for (let k = 0; k < t.n; k++) {
    const at = fill[rowOf[k]!]!++
    col[at] = colOf[k]!
    value[at] = t.rating[k]!
  }
  return { rows, cols: byItem ? nUsers : nItems, rowPtr, col, value }
}

export type Baseline = 'bias' | 'none'
const BASELINES: readonly Baseline[] = ['bias', 'none']

/** The bias baseline the network corrects (baseline 'bias'): r ≈ μ + b_u + b_i. */
export interface Biases {
  mu: number
  userBias: Float32Array
  itemBias: Float32Array
}

/** ALS passes and regularisation of the baseline: the bias baseline's defaults (../baselines.ts, Surprise's BaselineOnly). */
export const BIAS_ALS = { passes: 10, regUser: 15, regItem: 10 } as const

/**
 * μ + b_u + b_i by alternating least squares, as ../baselines.ts fits it
 * (items first; b = Σ (r − μ − b_other) / (reg + count); rows without
 * ratings keep 0).
 */
export function fitBiases(t: RatingTriples, nUsers: number, nItems: number): Biases {
  const mu = meanRating(t)
  const bu = new Float64Array(nUsers)
  const bi = new Float64Array(nItems)
  const sum = new Float64Array(Math.max(nUsers, nItems))
  const count = new Float64Array(Math.max(nUsers, nItems))
  const half = (rows: Int32Array, target: Float64Array, other: Int32Array, otherBias: Float64Array, reg: number) => {
    sum.fill(0)
    count.fill(0)
    for (let k = 0; k < t.n; k++) {
      sum[rows[k]!]! += t.rating[k]! - mu - otherBias[other[k]!]!
      count[rows[k]!]! += 1
    }
    for (let j = 0; j < target.length; j++) target[j] = count[j]! + reg > 0 ? sum[j]! / (reg + count[j]!) : 0
  }
  for (let pass = 0; pass < BIAS_ALS.passes; pass++) {
    half(t.item, bi, t.user, bu, BIAS_ALS.regItem)
    half(t.user, bu, t.item, bi, BIAS_ALS.regUser)
  }
  return { mu, userBias: Float32Array.from(bu), itemBias: Float32Array.from(bi) }
}

/** The triples with each rating replaced by its residual r − (μ + b_u + b_i). */
function residuals(t: RatingTriples, biases: Biases): RatingTriples {
  const rating = new Float32Array(t.n)
  for (let k = 0; k < t.n; k++) rating[k] = t.rating[k]! - biases.mu - biases.userBias[t.user[k]!]! - biases.itemBias[t.item[k]!]!
  return { n: t.n, user: t.user, item: t.item, rating }
}

export interface AutoRecWeights {
  orientation: Orientation
  nUsers: number
  nItems: number
  hidden: number
  activation: Activation
  mu: number
  /** Baseline 'bias': the biases added to every reconstruction; null for the plain AutoRec. */
  biases: Biases | null
  /** The network's inputs: the training ratings (baseline 'none') or their residuals (baseline 'bias'). */
  csr: Csr
  /** Encoder, cols × hidden. */
  W: Float32Array
  b: Float32Array
  /** Decoder, transposed: cols × hidden (entry j reads row j). */
  Vt: Float32Array
  c: Float32Array
}

export const fitAutoRec: Fitter<AutoRecParams> = async (data, params, ctx) => {
  checkRatingData(data)
  const { nUsers, nItems, train } = data
  const biases = params.baseline === 'bias' ? fitBiases(train, nUsers, nItems) : null
  const csr = ratingsCsr(biases ? residuals(train, biases) : train, nUsers, nItems, params.orientation)
  const n = csr.cols
  const H = params.hidden
  const mu = meanRating(train)
  const initRng = new Random(params.seed)
  const W0 = glorotUniform(initRng, n, H)
  const V0 = glorotUniform(initRng, H, n)
  /** The vectors that have ratings: the training examples. */
  const rowsWithRatings = Int32Array.from({ length: csr.rows }, (_, r) => r).filter((r) => csr.rowPtr[r + 1]! > csr.rowPtr[r]!)
  const examples = rowsWithRatings.length
  const B = Math.min(params.batchSize, examples)

  const session = await openTfjs()
  const { tf } = session
  const vars = tf.tidy(() => ({
    W: tf.variable(tf.tensor2d(W0, [n, H])),
    b: tf.variable(tf.zeros([H])),
    V: tf.variable(tf.tensor2d(V0, [H, n])),
    c: tf.variable(tf.fill([n], biases ? 0 : mu)),
  }))
  const trained = [vars.W, vars.b, vars.V, vars.c]
  const optimizer = tf.train.adam(params.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon)

  const order = identityOrder(examples)
  const x = new Float32Array(B * n)
  const mask = new Float32Array(B * n)
  const rng = new Random(params.seed ^ 0x5eed)
  let predictor: AutoRecPredictor | null = null
  const snapshot = async () => {
    const Vt = tf.transpose(vars.V)
    const [W, b, V, c] = await Promise.all([vars.W.data(), vars.b.data(), Vt.data(), vars.c.data()]).finally(() => Vt.dispose())
    const w: AutoRecWeights = { orientation: params.orientation, nUsers, nItems, hidden: H, activation: params.activation, mu, biases, csr, W: new Float32Array(W), b: new Float32Array(b), Vt: new Float32Array(V), c: new Float32Array(c) }
    return new AutoRecPredictor(w, params)
  }
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(rng, order)
      let lossSum = 0
      let observed = 0
      for (let start = 0; start < examples; start += B) {
        const size = Math.min(B, examples - start)
        x.fill(0)
        mask.fill(0)
        for (let k = 0; k < size; k++) {
          const row = rowsWithRatings[order[start + k]!]!
          for (let e = csr.rowPtr[row]!; e < csr.rowPtr[row + 1]!; e++) {
            x[k * n + csr.col[e]!] = csr.value[e]!
            mask[k * n + csr.col[e]!] = 1
            observed++
          }
        }
        const xT = tf.tensor2d(x.subarray(0, size * n), [size, n])
        const mT = tf.tensor2d(mask.subarray(0, size * n), [size, n])
        try {
          const cost = minimizeStep(
            tf,
            optimizer,
            () => {
              const h = applyActivation(tf, params.activation, tf.add(tf.matMul(xT, vars.W), vars.b))
              const out = tf.add(tf.matMul(h, vars.V), vars.c)
              const err = tf.sum(tf.mul(mT, tf.square(tf.sub(xT, out))))
              const penalty = tf.mul(params.reg / 2, tf.add(tf.sum(tf.square(vars.W)), tf.sum(tf.square(vars.V))))
              return tf.add(err, penalty) as tfjs.Scalar
            },
            trained,
          )
          lossSum += (await cost.data())[0]!
          cost.dispose()
        } finally {
          tf.dispose([xT, mT])
        }
        ctx.onProgress?.((epoch - 1 + (start + size) / examples) / params.epochs, `epoch ${epoch} of ${params.epochs}`)
      }
      const loss = lossSum / Math.max(1, observed)
      checkLoss('autorec', epoch, loss)
      predictor = await snapshot()
      const decision = await ctx.onEpoch({ epoch, epochs: params.epochs, loss, predictor, examples })
      if (decision === 'stop') break
    }
    return predictor ?? (await snapshot())
  } finally {
    optimizer.dispose()
    tf.dispose(trained)
    session.release()
  }
}

/* ---------- the predictor: plain JavaScript ---------- */

export class AutoRecPredictor implements Predictor {
  readonly kind = AUTOREC_KIND
  private readonly act: (x: number) => number
  /** Codes h of the rows (rows × hidden), filled lazily; `done[r]` once row r's is there. */
  private readonly codes: Float32Array
  private readonly done: Uint8Array
  private readonly acc: Float64Array

  constructor(
    readonly w: AutoRecWeights,
    /** Saved with the model (header.params) when given. */
    private readonly params: unknown = null,
  ) {
    this.act = activationFn(w.activation)
    this.codes = new Float32Array(w.csr.rows * w.hidden)
    this.done = new Uint8Array(w.csr.rows)
    this.acc = new Float64Array(w.hidden)
  }

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    const { nUsers, nItems, orientation } = this.w
    checkIds(n, user, item, out, nUsers, nItems)
    const byItem = orientation === 'item'
    for (let k = 0; k < n; k++) {
      const row = byItem ? item[k]! : user[k]!
      const col = byItem ? user[k]! : item[k]!
      out[k] = this.entry(this.code(row), col) + this.base(user[k]!, item[k]!)
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    const { nUsers, nItems, orientation } = this.w
    checkUser(user, out, nUsers, nItems)
    if (orientation === 'user') {
      const h = this.code(user)
      for (let i = 0; i < nItems; i++) out[i] = this.entry(h, i) + this.base(user, i)
    } else {
      for (let i = 0; i < nItems; i++) out[i] = this.entry(this.code(i), user) + this.base(user, i)
    }
  }

  /**
   * r̂ = h · Vt[col] + c[col] factorises the ratings: the rows' codes and the
   * decoder's rows are embeddings of the two sides (hidden-dimensional).
   * I-AutoRec: users = decoder rows, items = item codes; U-AutoRec the other
   * way round. Computes every code (nnz · hidden).
   */
  embeddings(): { left: Table; right: Table } {
    const { csr, hidden, Vt, orientation } = this.w
    for (let r = 0; r < csr.rows; r++) this.code(r)
    const codes: Table = { rows: csr.rows, dim: hidden, data: this.codes.slice() }
    const decoder: Table = { rows: csr.cols, dim: hidden, data: Vt }
    return orientation === 'item' ? { left: decoder, right: codes } : { left: codes, right: decoder }
  }

  save(): SavedModel {
    const w = this.w
    const arrays: SavedModel['arrays'] = { rowPtr: w.csr.rowPtr, col: w.csr.col, value: w.csr.value, W: w.W, b: w.b, Vt: w.Vt, c: w.c }
    if (w.biases) Object.assign(arrays, { userBias: w.biases.userBias, itemBias: w.biases.itemBias })
    return {
      kind: AUTOREC_KIND,
      header: { orientation: w.orientation, nUsers: w.nUsers, nItems: w.nItems, hidden: w.hidden, activation: w.activation, mu: w.mu, baseline: w.biases ? 'bias' : 'none', ...(this.params ? { params: this.params } : {}) },
      arrays,
    }
  }

  /** The baseline part of r̂(u, i): μ + b_u + b_i, or 0 for the plain AutoRec. */
  private base(user: number, item: number): number {
    const biases = this.w.biases
    return biases ? biases.mu + biases.userBias[user]! + biases.itemBias[item]! : 0
  }

  /** h = act(b + Σ_{(j, r) in row} r · W[j]), cached. */
  private code(row: number): Float32Array {
    const H = this.w.hidden
    const h = this.codes.subarray(row * H, (row + 1) * H)
    if (this.done[row]) return h
    const { csr, W, b } = this.w
    const acc = this.acc
    for (let k = 0; k < H; k++) acc[k] = b[k]!
    for (let e = csr.rowPtr[row]!; e < csr.rowPtr[row + 1]!; e++) {
      const r = csr.value[e]!
      const base = csr.col[e]! * H
      for (let k = 0; k < H; k++) acc[k]! += r * W[base + k]!
    }
    for (let k = 0; k < H; k++) h[k] = this.act(acc[k]!)
    this.done[row] = 1
    return h
  }

  private entry(h: Float32Array, col: number): number {
    const { Vt, c } = this.w
    const H = this.w.hidden
    const base = col * H
    let s = c[col]!
    for (let k = 0; k < H; k++) s += h[k]! * Vt[base + k]!
    return s
  }
}

export const loadAutoRec: Loader = (saved) => {
  const r = new SavedReader(saved, AUTOREC_KIND)
  const orientation = r.string('orientation', ORIENTATIONS)
  const nUsers = r.count('nUsers')
  const nItems = r.count('nItems')
  const hidden = r.count('hidden')
  const mu = r.number('mu')
  // Models saved before the baseline existed are plain AutoRecs.
  const baseline = saved.header.baseline === undefined ? 'none' : r.string('baseline', BASELINES)
  const rows = orientation === 'item' ? nItems : nUsers
  const cols = orientation === 'item' ? nUsers : nItems
  const rowPtr = r.ints('rowPtr', rows + 1)
  const nnz = rowPtr[rows]!
  const col = r.ints('col', nnz)
  for (let e = 0; e < nnz; e++) if (!(col[e]! >= 0 && col[e]! < cols)) throw new Error(`saved autorec model: column ${col[e]} is outside 0..${cols - 1}`)
  for (let k = 0; k < rows; k++) if (!(rowPtr[k]! >= 0 && rowPtr[k]! <= rowPtr[k + 1]!)) throw new Error('saved autorec model: rowPtr is not non-decreasing')
  return new AutoRecPredictor(
    {
      orientation,
      nUsers,
      nItems,
      hidden,
      activation: r.string('activation', ACTIVATIONS),
      mu,
      biases: baseline === 'bias' ? { mu, userBias: r.floats('userBias', nUsers), itemBias: r.floats('itemBias', nItems) } : null,
      csr: { rows, cols, rowPtr, col, value: r.floats('value', nnz) },
      W: r.floats('W', cols * hidden),
      b: r.floats('b', hidden),
      Vt: r.floats('Vt', cols * hidden),
      c: r.floats('c', cols),
    },
    saved.header.params ?? null,
  )
}
