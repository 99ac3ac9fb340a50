/**
 * AutoRec (Sedhain, Menon, Sanner & Xie, "AutoRec: Autoencoders Meet
 * Collaborative Filtering", WWW 2015) on TensorFlow.js.
 *
 * Each rating vector r ∈ ℝ^n (unobserved entries 0) is encoded and decoded:
 *
 *   h = act(r W + b)        W: n × hidden, b: hidden        (encoder)
 *   r̂ = h V + c             V: hidden × n, c: n             (linear decoder)
 *
 * I-AutoRec (orientation 'item', the paper's better variant): one vector per
 * item, its ratings by the n = nUsers users. U-AutoRec ('user'): one vector
 * per user over the n = nItems items. The objective counts OBSERVED entries
 * only (mask M), per mini-batch of B vectors:
 *
 *   loss = Σ_{batch} Σ_j M_j (r_j − r̂_j)²  +  (λ/2) (‖W‖² + ‖V‖²)
 *
 * (the penalty once per batch, as the authors' code minimises it; b and c
 * are not penalised). Adam(lr, 0.9, 0.999, 1e-7); the vectors (those with at
 * least one training rating) in a seeded shuffled order each epoch; the
 * dense batch matrix and its mask are built per batch from the CSR of the
 * training ratings, so memory is O(nnz + B·n), never O(nUsers·nItems). The
 * epoch's reported loss is Σ batch losses / the epoch's observed ratings.
 *
 * Initial weights (from the seed, in JavaScript): W and V Glorot uniform,
 * b = 0, c = μ (the mean training rating, so the first reconstructions are
 * sensible rather than 0).
 *
 * Defaults (AutoRecParams): item orientation, 500 hidden units, sigmoid, 100
 * epochs, 64 vectors per batch, lr 0.001, λ 1.
 *
 * Prediction (plain JavaScript; the predictor keeps the training ratings as
 * CSR, saved with the model): r̂(u, i) is entry u of item i's reconstruction
 * (I-AutoRec) or entry i of user u's (U-AutoRec), the input being that
 * item's (user's) TRAINING ratings. A row with no training ratings is
 * reconstructed from the zero vector anyway (h = act(b)), which gives c plus a
 * constant direction: a learned per-entry default, not an error. An observed
 * entry is predicted from an input that contains it (as in the paper).
 *
 * Costs: a row's code h costs nnz(row)·hidden and is cached (nRows × hidden
 * floats, filled lazily); reading one entry costs hidden. So predict is
 * hidden per pair once the codes it needs exist; scoreUser is one code plus
 * nItems·hidden for U-AutoRec; for I-AutoRec its first call computes every
 * item's code (nnz·hidden in total, nItems × hidden floats kept for the life
 * of the predictor), then nItems·hidden per user.
 */
import type * as tfjs from '@tensorflow/tfjs'
import type { AutoRecParams } from '../../../shared/ratings'
import { Random } from '../../lib/random'
import { meanRating, type Fitter, type Loader, type Predictor, type RatingTriples, type SavedModel, type Table } from '../model'
import { ACTIVATIONS, activationFn, applyActivation, checkIds, checkLoss, checkRatingData, checkUser, glorotUniform, minimizeStep, openTfjs, SavedReader, identityOrder, shuffleInPlace, type Activation } from './common'

export const AUTOREC_KIND = 'autorec'
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const

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
  // Glorot of V (hidden × n), stored transposed: the same limit.
  const Vt0 = glorotUniform(initRng, H, n)
  /** The vectors that have ratings: the training examples. */
  const rowsWithRatings = Int32Array.from({ length: csr.rows }, (_, r) => r).filter((r) => csr.rowPtr[r + 1]! > csr.rowPtr[r]!)
  const examples = rowsWithRatings.length
  const B = Math.min(params.batchSize, examples)

  const session = await openTfjs()
  const { tf } = session
  const vars = tf.tidy(() => ({
    W: tf.variable(tf.tensor2d(W0, [n, H])),
    b: tf.variable(tf.zeros([H])),
    Vt: tf.variable(tf.tensor2d(Vt0, [n, H])),
    c: tf.variable(tf.fill([n], biases ? 0 : mu)),
  }))
  const trained = [vars.W, vars.b, vars.Vt, vars.c]
  const optimizer = tf.train.adam(params.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon)

  const order = identityOrder(examples)
  // A batch's observed entries (at most the largest B rows' worth): row within the batch, column, value.
  const rowCounts = Array.from(rowsWithRatings, (r) => csr.rowPtr[r + 1]! - csr.rowPtr[r]!).sort((a, b) => b - a)
  const cap = rowCounts.slice(0, B).reduce((a, v) => a + v, 0)
  const batchRow = new Int32Array(cap)
  const batchCol = new Int32Array(cap)
  const batchValue = new Float32Array(cap)
  const rng = new Random(params.seed ^ 0x5eed)
  let predictor: AutoRecPredictor | null = null
  const snapshot = async () => {
    const [W, b, Vt, c] = await Promise.all([vars.W.data(), vars.b.data(), vars.Vt.data(), vars.c.data()])
    const w: AutoRecWeights = { orientation: params.orientation, nUsers, nItems, hidden: H, activation: params.activation, mu, biases, csr, W: new Float32Array(W), b: new Float32Array(b), Vt: new Float32Array(Vt), c: new Float32Array(c) }
    return new AutoRecPredictor(w, params)
  }
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(rng, order)
      let lossSum = 0
      let observed = 0
      for (let start = 0; start < examples; start += B) {
        const size = Math.min(B, examples - start)
        let m = 0
        for (let k = 0; k < size; k++) {
          const row = rowsWithRatings[order[start + k]!]!
          for (let e = csr.rowPtr[row]!; e < csr.rowPtr[row + 1]!; e++, m++) {
            batchRow[m] = k
            batchCol[m] = csr.col[e]!
            batchValue[m] = csr.value[e]!
          }
        }
        observed += m
        const dx = new Float32Array(size * n), dm = new Float32Array(size * n)
        for (let e = 0; e < m; e++) { dx[batchRow[e]! * n + batchCol[e]!] = batchValue[e]!; dm[batchRow[e]! * n + batchCol[e]!] = 1 }
        const batchDense = (_s: number) => dx
        const maskDense = (_s: number) => dm
        const rowT = tf.tensor1d(batchRow.subarray(0, m), 'int32')
        const colT = tf.tensor1d(batchCol.subarray(0, m), 'int32')
        const xT = tf.tensor1d(batchValue.subarray(0, m))
        try {
          const cost = minimizeStep(
            tf,
            optimizer,
            process.env.AR_DENSE ? () => {
              const xD = tf.tensor2d(batchDense(size), [size, n])
              const mD = tf.tensor2d(maskDense(size), [size, n])
              const h = applyActivation(tf, params.activation, tf.add(tf.matMul(xD, vars.W), vars.b))
              const out = tf.add(tf.matMul(h, vars.Vt, false, true), vars.c)
              const err = tf.sum(tf.mul(mD, tf.square(tf.sub(xD, out))))
              const penalty = tf.mul(params.reg / 2, tf.add(tf.sum(tf.square(vars.W)), tf.sum(tf.square(vars.Vt))))
              return tf.add(err, penalty) as tfjs.Scalar
            } : () => {
              // h = act(x W + b) over the batch's rows: Σ of value · W[col] per row (the zeros add nothing).
              const xW = tf.unsortedSegmentSum(tf.mul(tf.gather(vars.W, colT), tf.reshape(xT, [m, 1])), rowT, size)
              const h = applyActivation(tf, params.activation, tf.add(xW, vars.b))
              // The reconstruction at the observed entries only: h[row] · V[:, col] + c[col].
              const out = tf.add(tf.sum(tf.mul(tf.gather(h, rowT), tf.gather(vars.Vt, colT)), 1), tf.gather(vars.c, colT))
              const err = tf.sum(tf.square(tf.sub(xT, out)))
              const penalty = tf.mul(params.reg / 2, tf.add(tf.sum(tf.square(vars.W)), tf.sum(tf.square(vars.Vt))))
              return tf.add(err, penalty) as tfjs.Scalar
            },
            trained,
          )
          lossSum += (await cost.data())[0]!
          cost.dispose()
        } finally {
          tf.dispose([rowT, colT, xT])
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
    const biases = w.biases ? { userBias: w.biases.userBias, itemBias: w.biases.itemBias } : {}
    return {
      kind: AUTOREC_KIND,
      header: { orientation: w.orientation, nUsers: w.nUsers, nItems: w.nItems, hidden: w.hidden, activation: w.activation, mu: w.mu, baseline: w.biases ? 'bias' : 'none', ...(this.params ? { params: this.params } : {}) },
      arrays: { rowPtr: w.csr.rowPtr, col: w.csr.col, value: w.csr.value, W: w.W, b: w.b, Vt: w.Vt, c: w.c, ...biases },
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
