/**
 * What the tfjs rating models share: opening TensorFlow.js on the process's
 * backend (../../train/tfjs/backends: the ladder, our kernels on wasm/cpu),
 * seeded initial weights drawn in JavaScript (so a seed gives the same start
 * on every backend), activations in plain JavaScript for the predictors, and
 * checks of the input data and of saved models.
 *
 * TensorFlow.js is loaded with a dynamic import inside `openTfjs`: the
 * predictors and loaders of ./deep-mf, ./autorec and ./mf are plain
 * JavaScript, and importing them (the main process loads saved models for
 * the user view) must not load tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs'
import type { Random } from '../../lib/random'
import type { RatingData, RatingTriples, SavedModel } from '../model'

export type Tf = typeof tfjs

export interface TfjsSession {
  tf: Tf
  /** The backend the fit runs on (ActiveBackend.backend: 'wasm', 'cpu', …). */
  backend: string
  /** Gives the backend back (call once, in a finally). */
  release(): void
}

/** Load tfjs and hold the process's backend (selected once, 'auto' = the ladder) until release(). */
export async function openTfjs(): Promise<TfjsSession> {
  const tf = await import('@tensorflow/tfjs')
  const { selectBackend, releaseBackend } = await import('../../train/tfjs/backends')
  const selected = await selectBackend('auto', { retain: true })
  let released = false
  return {
    tf,
    backend: selected.backend,
    release() {
      if (released) return
      released = true
      releaseBackend()
    },
  }
}

/* ---------- activations (plain JavaScript, as tf computes them) ---------- */

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu'
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'elu']

export function activationFn(name: Activation): (x: number) => number {
  switch (name) {
    case 'relu':
      return (x) => (x > 0 ? x : 0)
    case 'tanh':
      return Math.tanh
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x))
    case 'elu':
      return (x) => (x > 0 ? x : Math.expm1(x))
  }
}

export function applyActivation(tf: Tf, name: Activation, x: tfjs.Tensor): tfjs.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x)
    case 'tanh':
      return tf.tanh(x)
    case 'sigmoid':
      return tf.sigmoid(x)
    case 'elu':
      return tf.elu(x)
  }
}

/* ---------- seeded initial weights ---------- */

/** Gaussian N(0, std²) values. */
export function normalArray(rng: Random, size: number, std: number): Float32Array {
  const out = new Float32Array(size)
  for (let k = 0; k < size; k++) out[k] = std * rng.normal()
  return out
}

/** Glorot (Xavier) uniform, U(−l, l) with l = sqrt(6 / (fanIn + fanOut)): Keras' Dense default. */
export function glorotUniform(rng: Random, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  const out = new Float32Array(fanIn * fanOut)
  for (let k = 0; k < out.length; k++) out[k] = (2 * rng.float() - 1) * limit
  return out
}

/** 0 … n−1. */
export function identityOrder(n: number): Int32Array {
  const out = new Int32Array(n)
  for (let k = 0; k < n; k++) out[k] = k
  return out
}

/** The minibatches of an epoch: `order`'s ratings from `start`, as the three tensors a step takes. */
export class RatingBatches {
  private readonly users: Int32Array
  private readonly items: Int32Array
  private readonly ratings: Float32Array

  constructor(
    private readonly train: RatingTriples,
    batchSize: number,
  ) {
    this.users = new Int32Array(batchSize)
    this.items = new Int32Array(batchSize)
    this.ratings = new Float32Array(batchSize)
  }

  /** Ratings order[start, start + size) as (user, item, rating) tensors; the caller disposes them. */
  tensors(tf: Tf, order: Int32Array, start: number, size: number): [tfjs.Tensor1D, tfjs.Tensor1D, tfjs.Tensor1D] {
    const { train, users, items, ratings } = this
    for (let k = 0; k < size; k++) {
      const e = order[start + k]!
      users[k] = train.user[e]!
      items[k] = train.item[e]!
      ratings[k] = train.rating[e]!
    }
    return [tf.tensor1d(users.subarray(0, size), 'int32'), tf.tensor1d(items.subarray(0, size), 'int32'), tf.tensor1d(ratings.subarray(0, size), 'float32')]
  }
}

/** Fisher–Yates in place with the seeded stream (each epoch shuffles the previous epoch's order, as ../mf.ts does). */
export function shuffleInPlace(rng: Random, a: Int32Array): void {
  for (let k = a.length - 1; k > 0; k--) {
    const j = rng.int(k + 1)
    const t = a[k]!
    a[k] = a[j]!
    a[j] = t
  }
}

/* ---------- checks ---------- */

/** Throws unless every training id is inside the tables and every rating is finite. */
export function checkRatingData(data: RatingData): void {
  const { nUsers, nItems, train } = data
  if (!(Number.isInteger(nUsers) && nUsers > 0 && Number.isInteger(nItems) && nItems > 0)) throw new Error(`bad table sizes ${nUsers} users × ${nItems} items`)
  if (train.n <= 0) throw new Error('no training ratings')
  if (train.user.length < train.n || train.item.length < train.n || train.rating.length < train.n) throw new Error(`training arrays are shorter than n = ${train.n}`)
  for (let k = 0; k < train.n; k++) {
    const u = train.user[k]!
    const i = train.item[k]!
    if (!(u >= 0 && u < nUsers)) throw new RangeError(`user ${u} of training rating ${k} is outside 0..${nUsers - 1}`)
    if (!(i >= 0 && i < nItems)) throw new RangeError(`item ${i} of training rating ${k} is outside 0..${nItems - 1}`)
    if (!Number.isFinite(train.rating[k]!)) throw new Error(`training rating ${k} is not a finite number`)
  }
}

/** Throws unless predict's ids are inside the tables (a bad id would read another row). */
export function checkIds(n: number, user: Int32Array, item: Int32Array, out: Float32Array, nUsers: number, nItems: number): void {
  if (user.length < n || item.length < n || out.length < n) throw new Error(`predict arrays are shorter than n = ${n}`)
  for (let k = 0; k < n; k++) {
    if (!(user[k]! >= 0 && user[k]! < nUsers)) throw new RangeError(`user ${user[k]} is outside 0..${nUsers - 1}`)
    if (!(item[k]! >= 0 && item[k]! < nItems)) throw new RangeError(`item ${item[k]} is outside 0..${nItems - 1}`)
  }
}

export function checkUser(user: number, out: Float32Array, nUsers: number, nItems: number): void {
  if (!(Number.isInteger(user) && user >= 0 && user < nUsers)) throw new RangeError(`user ${user} is outside 0..${nUsers - 1}`)
  if (out.length < nItems) throw new Error(`scoreUser needs an output of ${nItems} values, got ${out.length}`)
}

/** Reading a saved model: typed header fields and arrays of the expected length. */
export class SavedReader {
  constructor(
    private readonly saved: SavedModel,
    kind: string,
  ) {
    if (saved.kind !== kind) throw new Error(`expected a saved '${kind}' model, got '${saved.kind}'`)
  }

  number(key: string): number {
    const v = this.saved.header[key]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`saved ${this.saved.kind} model: header.${key} is not a number`)
    return v
  }

  count(key: string): number {
    const v = this.number(key)
    if (!Number.isInteger(v) || v < 0) throw new Error(`saved ${this.saved.kind} model: header.${key} is not a count`)
    return v
  }

  string<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.saved.header[key]
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new Error(`saved ${this.saved.kind} model: header.${key} is not one of ${allowed.join(', ')}`)
    return v as T
  }

  floats(key: string, length: number): Float32Array {
    const a = this.saved.arrays[key]
    if (!(a instanceof Float32Array) || a.length !== length) throw new Error(`saved ${this.saved.kind} model: arrays.${key} is not ${length} float32 values`)
    return a
  }

  ints(key: string, length: number): Int32Array {
    const a = this.saved.arrays[key]
    if (!(a instanceof Int32Array) || a.length !== length) throw new Error(`saved ${this.saved.kind} model: arrays.${key} is not ${length} int32 values`)
    return a
  }
}

/** Throws when the mean loss of an epoch is not a number (training diverged). */
export function checkLoss(model: string, epoch: number, loss: number): void {
  if (!Number.isFinite(loss)) throw new Error(`${model}: the training loss became ${loss} in epoch ${epoch}; lower the learning rate`)
}

/** One optimizer step on `loss` over `vars`; returns the loss before the step (the caller disposes it). */
export function minimizeStep(tf: Tf, optimizer: tfjs.Optimizer, loss: () => tfjs.Scalar, vars: tfjs.Variable[]): tfjs.Scalar {
  return tf.tidy(() => {
    const cost = optimizer.minimize(loss, true, vars)
    if (!cost) throw new Error('the tfjs optimizer returned no loss')
    return cost
  })
}
