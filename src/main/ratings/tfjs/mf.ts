/**
 * Matrix factorisation with biases on TensorFlow.js: the sparse engine's
 * model and mini-batch objective (../mf.ts), trained by tf.train.sgd.
 *
 *   r̂(u, i) = μ + b_u + b_i + p_u · q_i        (biases off: r̂ = p_u · q_i, μ = 0)
 *
 *   L(B) = (1/B) Σ_k [ (r_k − r̂_k)² + reg · (‖p_u‖² + ‖q_i‖² + b_u² + b_i²) ]
 *
 * the penalty on the batch's rows only (u = u_k, i = i_k; biases off: no bias
 * terms). The gradients of tf.gather are dense tables (UnsortedSegmentSum),
 * so rows outside the batch get a zero gradient and SGD leaves them where
 * they are: exactly the sparse update.
 *
 * Step (the sparse engine's mini-batch step, ../mf.ts): every entry's error
 * from the tables at the start of the batch, then
 *
 *   θ ← θ − (η/2) · |B| · ∇L(B)
 *
 * i.e. each row moves by the SUM of its per-rating SGD updates (the 1/2
 * turns the gradient of e² into the per-rating rule's e·q), so the
 * per-rating defaults (η 0.01) carry over to any batch size. Here: SGD with
 * step η/2 on |B| · L(B) (the actual |B|, also for an epoch's last, shorter
 * batch). Batch size: params.batchSize, but 1 (the default, per-rating SGD
 * on the sparse engine) becomes DEFAULT_TFJS_BATCH = 256: one rating per tfjs
 * step would take minutes per epoch.
 * The order is a seeded shuffle each epoch. The epoch's loss is the sparse
 * engine's: the mean of e² over the epoch's ratings, e before the step.
 *
 * Init (from the seed, as ../mf.ts initMfTables: P row by row, then Q):
 * factors N(0, initStd²), biases 0, μ = mean training rating (0 without
 * biases). Defaults (MfParams): dim 50, 40 epochs, lr 0.01, reg 0.05,
 * initStd 0.1, biases on, batchSize 1. `search` is the sparse engine's
 * (this fitter trains the given setting).
 *
 * Tables use the sparse engine's names (MfTables: P, Q, bu, bi), so the
 * same object goes to both engines' loss, and the predictor (plain
 * JavaScript, kind 'mf') saves the sparse engine's layout, which ../mf.ts
 * loadMf reads: header {mu, dim, nUsers, nItems, biases, engine, params},
 * arrays {P (nUsers × dim, row-major), Q (nItems × dim), bu, bi}.
 */
import type * as tfjs from '@tensorflow/tfjs'
import type { MfParams } from '../../../shared/ratings'
import { Random } from '../../lib/random'
import type { MfTables } from '../mf'
import { meanRating, type Fitter, type Loader, type Predictor, type RatingTriples, type SavedModel, type Table } from '../model'
import { checkIds, checkLoss, checkRatingData, checkUser, normalArray, openTfjs, SavedReader, identityOrder, RatingBatches, shuffleInPlace, type Tf } from './common'

export const MF_KIND = 'mf'
/** The tfjs batch size when params.batchSize is 1 (per-rating SGD on the sparse engine). */
export const DEFAULT_TFJS_BATCH = 256


export interface MfGradientsTfjs {
  P: Float32Array
  Q: Float32Array
  bu: Float32Array
  bi: Float32Array
}

/** The batch size and the tf.train.sgd step size (on |B| · L(B)) for params (see the file comment). */
export function mfStep(params: Pick<MfParams, 'batchSize' | 'learningRate'>): { batchSize: number; sgdRate: number } {
  return { batchSize: params.batchSize === 1 ? DEFAULT_TFJS_BATCH : params.batchSize, sgdRate: params.learningRate / 2 }
}

interface MfTensors {
  P: tfjs.Tensor
  Q: tfjs.Tensor
  bu: tfjs.Tensor
  bi: tfjs.Tensor
}

/** L(B) as a tf scalar, and Σ e² of the batch. */
function batchLoss(tf: Tf, t: MfTensors, users: tfjs.Tensor1D, items: tfjs.Tensor1D, ratings: tfjs.Tensor1D, mu: number, biases: boolean, reg: number): { loss: tfjs.Scalar; sse: tfjs.Scalar } {
  const p = tf.gather(t.P, users)
  const q = tf.gather(t.Q, items)
  let pred = tf.sum(tf.mul(p, q), 1)
  let norms = tf.add(tf.sum(tf.square(p), 1), tf.sum(tf.square(q), 1))
  if (biases) {
    const bu = tf.gather(t.bu, users)
    const bi = tf.gather(t.bi, items)
    pred = tf.add(tf.add(pred, tf.add(bu, bi)), mu)
    norms = tf.add(norms, tf.add(tf.square(bu), tf.square(bi)))
  }
  const e2 = tf.square(tf.sub(ratings, pred))
  return { loss: tf.mean(tf.add(e2, tf.mul(reg, norms))) as tfjs.Scalar, sse: tf.sum(e2) as tfjs.Scalar }
}

/**
 * L(B) and its dense gradients with respect to the four tables at `tables`
 * (biases off: zero bias gradients): the tfjs side of the agreement test
 * with ../mf.ts mfLossAndGradients.
 */
export async function mfLossAndGradientsTfjs(tables: MfTables, batch: RatingTriples, reg: number): Promise<{ loss: number; grads: MfGradientsTfjs }> {
  const session = await openTfjs()
  const { tf } = session
  try {
    const { nUsers, nItems, dim, biases } = tables
    const n = batch.n
    const users = tf.tensor1d(batch.user.slice(0, n), 'int32')
    const items = tf.tensor1d(batch.item.slice(0, n), 'int32')
    const ratings = tf.tensor1d(batch.rating.slice(0, n), 'float32')
    const inputs = [tf.tensor2d(tables.P.slice(), [nUsers, dim]), tf.tensor2d(tables.Q.slice(), [nItems, dim]), tf.tensor1d(tables.bu.slice()), tf.tensor1d(tables.bi.slice())]
    // Without biases the loss does not depend on the bias tables (tf.grads refuses unconnected inputs).
    const wrt = biases ? inputs : inputs.slice(0, 2)
    try {
      const f = (...x: tfjs.Tensor[]) => batchLoss(tf, { P: x[0]!, Q: x[1]!, bu: x[2] ?? inputs[2]!, bi: x[3] ?? inputs[3]! }, users, items, ratings, biases ? tables.mu : 0, biases, reg).loss
      const { value, grads } = tf.valueAndGrads(f)(wrt)
      try {
        const [gP, gQ, gbu, gbi] = await Promise.all(grads.map(async (g) => new Float32Array(await g.data())))
        return { loss: (await value.data())[0]!, grads: { P: gP!, Q: gQ!, bu: gbu ?? new Float32Array(nUsers), bi: gbi ?? new Float32Array(nItems) } }
      } finally {
        tf.dispose([value, ...grads])
      }
    } finally {
      tf.dispose([users, items, ratings, ...inputs])
    }
  } finally {
    session.release()
  }
}

export const fitMfTfjs: Fitter<MfParams> = async (data, params, ctx) => {
  checkRatingData(data)
  const { nUsers, nItems, train } = data
  const { dim, biases } = params
  const step = mfStep(params)
  const B = Math.min(step.batchSize, train.n)
  const initRng = new Random(params.seed)
  const init: MfTables = {
    nUsers,
    nItems,
    dim,
    mu: biases ? meanRating(train) : 0,
    biases,
    P: normalArray(initRng, nUsers * dim, params.initStd),
    Q: normalArray(initRng, nItems * dim, params.initStd),
    bu: new Float32Array(nUsers),
    bi: new Float32Array(nItems),
  }

  const session = await openTfjs()
  const { tf } = session
  const vars = tf.tidy(() => ({
    P: tf.variable(tf.tensor2d(init.P, [nUsers, dim])),
    Q: tf.variable(tf.tensor2d(init.Q, [nItems, dim])),
    bu: tf.variable(tf.tensor1d(init.bu), biases),
    bi: tf.variable(tf.tensor1d(init.bi), biases),
  }))
  const all = [vars.P, vars.Q, vars.bu, vars.bi]
  const trained = biases ? all : [vars.P, vars.Q]
  const optimizer = tf.train.sgd(step.sgdRate)

  const order = identityOrder(train.n)
  const batches = new RatingBatches(train, B)
  // The shuffles continue the init's stream, as ../mf.ts does: same seed, same order on both engines.
  const rng = initRng
  const snapshot = async () => {
    const [P, Q, bu, bi] = await Promise.all(all.map(async (v) => new Float32Array(await v.data())))
    return new MfTfjsPredictor({ ...init, P: P!, Q: Q!, bu: bu!, bi: bi! }, params)
  }
  let predictor: MfTfjsPredictor | null = null
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(rng, order)
      let sse = 0
      for (let start = 0; start < train.n; start += B) {
        const size = Math.min(B, train.n - start)
        const [uT, iT, rT] = batches.tensors(tf, order, start, size)
        const kept: { sse?: tfjs.Scalar } = {}
        try {
          tf.tidy(() => {
            optimizer.minimize(
              () => {
                const f = batchLoss(tf, vars, uT, iT, rT, init.mu, biases, params.reg)
                kept.sse = tf.keep(f.sse)
                return tf.mul(f.loss, size) as tfjs.Scalar
              },
              false,
              trained,
            )
          })
          sse += (await kept.sse!.data())[0]!
        } finally {
          tf.dispose([uT, iT, rT])
          kept.sse?.dispose()
        }
        ctx.onProgress?.((epoch - 1 + (start + size) / train.n) / params.epochs, `epoch ${epoch} of ${params.epochs}`)
      }
      const loss = sse / train.n
      checkLoss('mf', epoch, loss)
      predictor = await snapshot()
      const decision = await ctx.onEpoch({ epoch, epochs: params.epochs, loss, predictor, examples: train.n })
      if (decision === 'stop') break
    }
    return predictor ?? (await snapshot())
  } finally {
    optimizer.dispose()
    tf.dispose(all)
    session.release()
  }
}

/* ---------- the predictor: plain JavaScript ---------- */

export class MfTfjsPredictor implements Predictor {
  readonly kind = MF_KIND

  constructor(
    readonly t: MfTables,
    /** Saved with the model (header.params) when given. */
    private readonly params: unknown = null,
  ) {}

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    const { nUsers, nItems } = this.t
    checkIds(n, user, item, out, nUsers, nItems)
    for (let k = 0; k < n; k++) out[k] = this.rating(user[k]!, item[k]!)
  }

  scoreUser(user: number, out: Float32Array): void {
    const { nUsers, nItems } = this.t
    checkUser(user, out, nUsers, nItems)
    for (let i = 0; i < nItems; i++) out[i] = this.rating(user, i)
  }

  embeddings(): { left: Table; right: Table } {
    const { nUsers, nItems, dim, P, Q } = this.t
    return { left: { rows: nUsers, dim, data: P }, right: { rows: nItems, dim, data: Q } }
  }

  save(): SavedModel {
    const { mu, dim, nUsers, nItems, biases, P, Q, bu, bi } = this.t
    return { kind: MF_KIND, header: { mu, dim, nUsers, nItems, biases, engine: 'tfjs', ...(this.params ? { params: this.params } : {}) }, arrays: { P, Q, bu, bi } }
  }

  private rating(u: number, i: number): number {
    const { mu, dim, biases, P, Q, bu, bi } = this.t
    let s = biases ? mu + bu[u]! + bi[i]! : 0
    const pu = u * dim
    const qi = i * dim
    for (let d = 0; d < dim; d++) s += P[pu + d]! * Q[qi + d]!
    return s
  }
}

/** Loads an 'mf' model in the layout above (saved by either engine). */
export const loadMfTfjs: Loader = (saved) => {
  const r = new SavedReader(saved, MF_KIND)
  const dim = r.count('dim')
  const nUsers = r.count('nUsers')
  const nItems = r.count('nItems')
  const biases = saved.header.biases
  if (typeof biases !== 'boolean') throw new Error('saved mf model: header.biases is not a boolean')
  const tables: MfTables = {
    nUsers,
    nItems,
    dim,
    mu: r.number('mu'),
    biases,
    P: r.floats('P', nUsers * dim),
    Q: r.floats('Q', nItems * dim),
    bu: r.floats('bu', nUsers),
    bi: r.floats('bi', nItems),
  }
  return new MfTfjsPredictor(tables, saved.header.params ?? null)
}
