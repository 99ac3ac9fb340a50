/**
 * Deep matrix factorisation on TensorFlow.js (the Keras recommender tutorial's
 * "embeddings → concatenate → dense layers" model):
 *
 *   x   = [p_u ; q_i]                                  p_u, q_i ∈ ℝ^dim
 *   h_0 = x,  h_l = dropout(act(h_{l−1} W_l + b_l))    l = 1 … L (hidden "64,32": L = 2)
 *   r̂   = μ + h_L w + b                                μ = mean training rating (an offset, not trained)
 *
 *   batch loss = (1/B) Σ_k (r_k − r̂_k)²  +  reg · (1/B) Σ_k (‖p_{u_k}‖² + ‖q_{i_k}‖²)
 *
 * (the L2 term is on the embedding rows of the batch, like the sparse MF's
 * penalty; the dense layers are not penalised). Adam(lr, β1 0.9, β2 0.999,
 * ε 1e-7: tf.train's); mini-batches of B ratings in a seeded shuffled order
 * each epoch. Dropout is inverted (scaled by 1/(1−rate) while training) and
 * seeded per step, so it is off at inference with nothing to rescale.
 *
 * Initial weights (drawn in JavaScript from the seed): embeddings
 * N(0, 0.05²), dense kernels Glorot uniform, biases 0.
 *
 * Defaults (DeepMfParams): dim 32, hidden 64,32, relu, dropout 0.2, 20
 * epochs, batch 512, lr 0.002, reg 1e-5.
 *
 * The predictor is plain JavaScript over the extracted weights: the first
 * layer splits into a user half and an item half, z_1 = p_u W_1ᵘ + (q_i W_1ⁱ
 * + b_1); the item half is computed once per predictor for every item (lazily,
 * nItems × h_1 floats), so scoreUser costs dim·h_1 + nItems·(h_1 + Σ h_l h_{l+1}).
 */
import type * as tfjs from '@tensorflow/tfjs'
import type { DeepMfParams } from '../../../shared/ratings'
import { ADAM } from '../../train/engine'
import { Random } from '../../lib/random'
import { meanRating, type Fitter, type Loader, type Predictor, type SavedModel, type Table } from '../model'
import { ACTIVATIONS, activationFn, applyActivation, checkIds, checkLoss, checkRatingData, checkUser, glorotUniform, minimizeStep, normalArray, openTfjs, SavedReader, identityOrder, RatingBatches, shuffleInPlace, type Activation } from './common'

export const DEEP_MF_KIND = 'deep-mf'
/** Standard deviation of the initial embeddings. */
export const EMBEDDING_INIT_STD = 0.05

/** "64, 32" → [64, 32]; every size ≥ 1. */
export function parseHidden(hidden: string): number[] {
  const sizes = hidden.split(',').map((s) => Number(s.trim()))
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`hidden layer sizes must be positive integers separated by commas, got '${hidden}'`)
  return sizes
}

/** The weights of the network, flat row-major (kernels are fanIn × fanOut, as tf.matMul(x, W) uses them). */
export interface DeepMfWeights {
  mu: number
  dim: number
  nUsers: number
  nItems: number
  hidden: number[]
  activation: Activation
  /** nUsers × dim. */
  P: Float32Array
  /** nItems × dim. */
  Q: Float32Array
  /** Hidden kernels and biases, layer by layer: W[0] is 2·dim × hidden[0]. */
  W: Float32Array[]
  b: Float32Array[]
  /** Output kernel (hidden[L−1]) and bias (1). */
  wOut: Float32Array
  bOut: Float32Array
}

export const fitDeepMf: Fitter<DeepMfParams> = async (data, params, ctx) => {
  checkRatingData(data)
  const hidden = parseHidden(params.hidden)
  const { nUsers, nItems, train } = data
  const dim = params.dim
  const B = Math.min(params.batchSize, train.n)
  const init = initialWeights(nUsers, nItems, dim, hidden, params.activation, meanRating(train), new Random(params.seed))

  const session = await openTfjs()
  const { tf } = session
  // In tidy: tf.variable keeps a copy, the initial tensors go.
  const vars: DeepMfVariables = tf.tidy(() => ({
    P: tf.variable(tf.tensor2d(init.P, [nUsers, dim])),
    Q: tf.variable(tf.tensor2d(init.Q, [nItems, dim])),
    W: init.W.map((w, l) => tf.variable(tf.tensor2d(w, [l === 0 ? 2 * dim : hidden[l - 1]!, hidden[l]!]))),
    b: init.b.map((b) => tf.variable(tf.tensor1d(b))),
    wOut: tf.variable(tf.tensor2d(init.wOut, [hidden[hidden.length - 1]!, 1])),
    bOut: tf.variable(tf.tensor1d(init.bOut)),
  }))
  const trained = [vars.P, vars.Q, ...vars.W, ...vars.b, vars.wOut, vars.bOut]
  const mu = tf.scalar(init.mu)
  const optimizer = tf.train.adam(params.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon)

  /** The model's output for a batch; dropout (seeded by `dropSeed`) only while training. */
  const forward = (users: tfjs.Tensor1D, items: tfjs.Tensor1D, dropSeed: string | null) => {
    const pu = tf.gather(vars.P, users)
    const qi = tf.gather(vars.Q, items)
    let h: tfjs.Tensor = tf.concat([pu, qi], 1)
    for (let l = 0; l < hidden.length; l++) {
      h = applyActivation(tf, params.activation, tf.add(tf.matMul(h, vars.W[l]!), vars.b[l]!))
      if (dropSeed !== null && params.dropout > 0) h = tf.dropout(h, params.dropout, undefined, `${dropSeed}:${l}`)
    }
    const out = tf.add(tf.reshape(tf.add(tf.matMul(h, vars.wOut), vars.bOut), [-1]), mu)
    return { out, pu, qi }
  }

  const order = identityOrder(train.n)
  const batches = new RatingBatches(train, B)
  const rng = new Random(params.seed ^ 0x5eed)
  let step = 0
  let predictor: DeepMfPredictor | null = null
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(rng, order)
      let lossSum = 0
      for (let start = 0; start < train.n; start += B) {
        const size = Math.min(B, train.n - start)
        const [uT, iT, rT] = batches.tensors(tf, order, start, size)
        const seed = `${params.seed}:${step++}`
        try {
          const cost = minimizeStep(
            tf,
            optimizer,
            () => {
              const { out, pu, qi } = forward(uT, iT, seed)
              const mse = tf.mean(tf.square(tf.sub(rT, out)))
              const penalty = tf.mul(params.reg / size, tf.add(tf.sum(tf.square(pu)), tf.sum(tf.square(qi))))
              return tf.add(mse, penalty) as tfjs.Scalar
            },
            trained,
          )
          lossSum += (await cost.data())[0]! * size
          cost.dispose()
        } finally {
          tf.dispose([uT, iT, rT])
        }
        ctx.onProgress?.((epoch - 1 + (start + size) / train.n) / params.epochs, `epoch ${epoch} of ${params.epochs}`)
      }
      const loss = lossSum / train.n
      checkLoss('deep-mf', epoch, loss)
      predictor = new DeepMfPredictor(await readWeights(init, vars), params)
      const decision = await ctx.onEpoch({ epoch, epochs: params.epochs, loss, predictor, examples: train.n })
      if (decision === 'stop') break
    }
    return predictor ?? new DeepMfPredictor(await readWeights(init, vars), params)
  } finally {
    optimizer.dispose()
    tf.dispose([mu, ...trained])
    session.release()
  }
}

function initialWeights(nUsers: number, nItems: number, dim: number, hidden: number[], activation: Activation, mu: number, rng: Random): DeepMfWeights {
  const P = normalArray(rng, nUsers * dim, EMBEDDING_INIT_STD)
  const Q = normalArray(rng, nItems * dim, EMBEDDING_INIT_STD)
  const W: Float32Array[] = []
  const b: Float32Array[] = []
  let fanIn = 2 * dim
  for (const h of hidden) {
    W.push(glorotUniform(rng, fanIn, h))
    b.push(new Float32Array(h))
    fanIn = h
  }
  return { mu, dim, nUsers, nItems, hidden, activation, P, Q, W, b, wOut: glorotUniform(rng, fanIn, 1), bOut: new Float32Array(1) }
}

interface DeepMfVariables {
  P: tfjs.Variable
  Q: tfjs.Variable
  W: tfjs.Variable[]
  b: tfjs.Variable[]
  wOut: tfjs.Variable
  bOut: tfjs.Variable
}

async function readWeights(shape: DeepMfWeights, v: DeepMfVariables): Promise<DeepMfWeights> {
  const read = async (t: tfjs.Variable) => new Float32Array(await t.data())
  return {
    ...shape,
    P: await read(v.P),
    Q: await read(v.Q),
    W: await Promise.all(v.W.map(read)),
    b: await Promise.all(v.b.map(read)),
    wOut: await read(v.wOut),
    bOut: await read(v.bOut),
  }
}

/* ---------- the predictor: plain JavaScript ---------- */

export class DeepMfPredictor implements Predictor {
  readonly kind = DEEP_MF_KIND
  private readonly act: (x: number) => number
  /** q_i W_1ⁱ + b_1 for every item (nItems × hidden[0]), built on first use. */
  private itemPart: Float32Array | null = null
  /** Scratch: two layer buffers as wide as the widest layer. */
  private readonly bufA: Float64Array
  private readonly bufB: Float64Array
  private readonly userPart: Float64Array

  constructor(
    readonly w: DeepMfWeights,
    /** Saved with the model (header.params) when given. */
    private readonly params: unknown = null,
  ) {
    this.act = activationFn(w.activation)
    const widest = Math.max(...w.hidden)
    this.bufA = new Float64Array(widest)
    this.bufB = new Float64Array(widest)
    this.userPart = new Float64Array(w.hidden[0]!)
  }

  predict(n: number, user: Int32Array, item: Int32Array, out: Float32Array): void {
    const { nUsers, nItems } = this.w
    checkIds(n, user, item, out, nUsers, nItems)
    const items = this.items()
    let lastUser = -1
    for (let k = 0; k < n; k++) {
      const u = user[k]!
      if (u !== lastUser) {
        this.computeUserPart(u)
        lastUser = u
      }
      out[k] = this.finish(items, item[k]!)
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    const { nUsers, nItems } = this.w
    checkUser(user, out, nUsers, nItems)
    const items = this.items()
    this.computeUserPart(user)
    for (let i = 0; i < nItems; i++) out[i] = this.finish(items, i)
  }

  embeddings(): { left: Table; right: Table } {
    const { nUsers, nItems, dim, P, Q } = this.w
    return { left: { rows: nUsers, dim, data: P }, right: { rows: nItems, dim, data: Q } }
  }

  save(): SavedModel {
    const w = this.w
    const arrays: Record<string, Float32Array> = { P: w.P, Q: w.Q, Wout: w.wOut, bout: w.bOut }
    w.W.forEach((k, l) => (arrays[`W${l + 1}`] = k))
    w.b.forEach((b, l) => (arrays[`b${l + 1}`] = b))
    return {
      kind: DEEP_MF_KIND,
      header: { mu: w.mu, dim: w.dim, nUsers: w.nUsers, nItems: w.nItems, hidden: [...w.hidden], activation: w.activation, ...(this.params ? { params: this.params } : {}) },
      arrays,
    }
  }

  /** userPart = p_u W_1ᵘ (the first dim rows of W_1). */
  private computeUserPart(u: number): void {
    const { dim, P, W } = this.w
    const h1 = this.userPart.length
    const W1 = W[0]!
    this.userPart.fill(0)
    for (let d = 0; d < dim; d++) {
      const p = P[u * dim + d]!
      const row = d * h1
      for (let j = 0; j < h1; j++) this.userPart[j]! += p * W1[row + j]!
    }
  }

  /** r̂ for item i given userPart. */
  private finish(items: Float32Array, i: number): number {
    const { hidden, W, b, wOut, bOut, mu } = this.w
    const act = this.act
    let h1 = hidden[0]!
    let cur = this.bufA
    let next = this.bufB
    const base = i * h1
    for (let j = 0; j < h1; j++) cur[j] = act(this.userPart[j]! + items[base + j]!)
    for (let l = 1; l < hidden.length; l++) {
      const h2 = hidden[l]!
      const Wl = W[l]!
      const bl = b[l]!
      for (let j = 0; j < h2; j++) next[j] = bl[j]!
      for (let a = 0; a < h1; a++) {
        const x = cur[a]!
        if (x === 0) continue
        const row = a * h2
        for (let j = 0; j < h2; j++) next[j]! += x * Wl[row + j]!
      }
      for (let j = 0; j < h2; j++) next[j] = act(next[j]!)
      const t = cur
      cur = next
      next = t
      h1 = h2
    }
    let r = mu + bOut[0]!
    for (let j = 0; j < h1; j++) r += cur[j]! * wOut[j]!
    return r
  }

  private items(): Float32Array {
    if (this.itemPart) return this.itemPart
    const { dim, nItems, Q, W, b } = this.w
    const h1 = this.w.hidden[0]!
    const W1 = W[0]!
    const b1 = b[0]!
    const part = new Float32Array(nItems * h1)
    const acc = new Float64Array(h1)
    for (let i = 0; i < nItems; i++) {
      for (let j = 0; j < h1; j++) acc[j] = b1[j]!
      for (let d = 0; d < dim; d++) {
        const q = Q[i * dim + d]!
        const row = (dim + d) * h1
        for (let j = 0; j < h1; j++) acc[j]! += q * W1[row + j]!
      }
      part.set(acc, i * h1)
    }
    this.itemPart = part
    return part
  }
}

export const loadDeepMf: Loader = (saved) => {
  const r = new SavedReader(saved, DEEP_MF_KIND)
  const dim = r.count('dim')
  const nUsers = r.count('nUsers')
  const nItems = r.count('nItems')
  const rawHidden = saved.header.hidden
  if (!Array.isArray(rawHidden) || rawHidden.length === 0 || rawHidden.some((h) => !Number.isInteger(h) || (h as number) < 1)) throw new Error('saved deep-mf model: header.hidden is not a list of layer sizes')
  const hidden = rawHidden as number[]
  const W: Float32Array[] = []
  const b: Float32Array[] = []
  let fanIn = 2 * dim
  hidden.forEach((h, l) => {
    W.push(r.floats(`W${l + 1}`, fanIn * h))
    b.push(r.floats(`b${l + 1}`, h))
    fanIn = h
  })
  const weights: DeepMfWeights = {
    mu: r.number('mu'),
    dim,
    nUsers,
    nItems,
    hidden,
    activation: r.string('activation', ACTIVATIONS),
    P: r.floats('P', nUsers * dim),
    Q: r.floats('Q', nItems * dim),
    W,
    b,
    wOut: r.floats('Wout', fanIn),
    bOut: r.floats('bout', 1),
  }
  return new DeepMfPredictor(weights, saved.header.params ?? null)
}
