import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import type { Optimizer } from '../../../shared/train'
import { Random } from '../../lib/random'
import type { Batch, PairModelConfig, PairTables } from '../engine'
import { initPairTables } from '../init'
import { createTfjsEngine } from './index'
import { ADAGRAD_INITIAL, ADAM, makeOptimizer } from './pair-engine'

type Variant = PairModelConfig['variant']

const N_LEFT = 7
const N_RIGHT = 9
const DIM = 4

function config(variant: Variant, optimizer: Optimizer = 'adam', learningRate = 0.05): PairModelConfig {
  return { variant, dim: DIM, nLeft: N_LEFT, nRight: N_RIGHT, optimizer, learningRate }
}

function tables(seed: number): PairTables {
  // initScale 0.5 keeps every row far from the 1e-12 clamp of the norm.
  return initPairTables({ dim: DIM, initScale: 0.5, seed }, N_LEFT, N_RIGHT)
}

/** A batch with repeated rows on both sides, padded past `size` with junk that must be ignored. */
function makeBatch(variant: Variant, seed: number, size = 12): Batch {
  const rng = new Random(seed)
  const pad = 5
  const left = Int32Array.from({ length: size + pad }, (_, i) => (i < size ? rng.int(4) : 999))
  const right = Int32Array.from({ length: size + pad }, (_, i) => (i < size ? rng.int(N_RIGHT) : -1))
  const label = Float32Array.from({ length: size + pad }, (_, i) => {
    const positive = i % 3 === 0
    return variant === 'classification' ? (positive ? 1 : 0) : positive ? 1 : -1
  })
  return { size, left, right, label }
}

/**
 * Loss and gradients of ../engine.ts's math in float64, by hand:
 *   û = u/|u|, c = û·v̂;  ∂c/∂u = (v̂ − c·û)/|u|  (|u|² > 1e-12)
 *   classification: z = w·c + b, ∂loss/∂z = σ(z) − y, ∂/∂c = w·∂z, ∂/∂w = c·∂z, ∂/∂b = ∂z
 *   regression: ∂loss/∂c = 2(c − y)
 * all divided by the batch size.
 */
function reference(variant: Variant, t: PairTables, batch: Batch) {
  const n = batch.size
  const grads = { left: new Float64Array(t.left.length), right: new Float64Array(t.right.length), head: new Float64Array(2) }
  const [w, b] = [t.head[0]!, t.head[1]!]
  let loss = 0
  const unit = (table: Float32Array, row: number) => {
    const x = Array.from(table.subarray(row * DIM, (row + 1) * DIM))
    const norm = Math.sqrt(Math.max(x.reduce((s, a) => s + a * a, 0), 1e-12))
    return { hat: x.map((a) => a / norm), norm }
  }
  for (let e = 0; e < n; e++) {
    const i = batch.left[e]!
    const j = batch.right[e]!
    const y = batch.label[e]!
    const u = unit(t.left, i)
    const v = unit(t.right, j)
    const c = u.hat.reduce((s, a, k) => s + a * v.hat[k]!, 0)
    let dc: number
    if (variant === 'classification') {
      const z = w * c + b
      loss += Math.log1p(Math.exp(z)) - y * z
      const dz = 1 / (1 + Math.exp(-z)) - y
      dc = w * dz
      grads.head[0]! += (c * dz) / n
      grads.head[1]! += dz / n
    } else {
      loss += (c - y) ** 2
      dc = 2 * (c - y)
    }
    for (let k = 0; k < DIM; k++) {
      grads.left[i * DIM + k]! += (dc * (v.hat[k]! - c * u.hat[k]!)) / u.norm / n
      grads.right[j * DIM + k]! += (dc * (u.hat[k]! - c * v.hat[k]!)) / v.norm / n
    }
  }
  return { loss: loss / n, grads }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, eps: number): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!))
  expect(worst).toBeLessThanOrEqual(eps)
}

/** One dense optimizer step as tf.train (and the sparse engine) computes it, on float64 copies. */
function referenceUpdate(optimizer: Optimizer, lr: number, theta: Float64Array, g: Float64Array, slots: Record<string, Float64Array>, t: number): void {
  for (let k = 0; k < theta.length; k++) {
    const gk = g[k]!
    if (optimizer === 'sgd') theta[k]! -= lr * gk
    else if (optimizer === 'adagrad') {
      slots.a![k]! += gk * gk
      theta[k]! -= (lr * gk) / Math.sqrt(slots.a![k]! + 1e-7)
    } else {
      slots.m![k] = ADAM.beta1 * slots.m![k]! + (1 - ADAM.beta1) * gk
      slots.v![k] = ADAM.beta2 * slots.v![k]! + (1 - ADAM.beta2) * gk * gk
      const mHat = slots.m![k]! / (1 - ADAM.beta1 ** t)
      const vHat = slots.v![k]! / (1 - ADAM.beta2 ** t)
      theta[k]! -= (lr * mHat) / (Math.sqrt(vHat) + ADAM.epsilon)
    }
  }
}

const VARIANTS: Variant[] = ['classification', 'regression']
const OPTIMIZERS: Optimizer[] = ['adam', 'adagrad', 'sgd']

describe('the tfjs pair engine', () => {
  it('picks a backend and says which', async () => {
    const engine = await createTfjsEngine({ model: config('classification'), init: tables(1) })
    expect(engine.info.engine).toBe('tfjs')
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(engine.info.backend)
    expect(engine.info.versions.tfjs).toBe(tf.version.tfjs)
    await engine.dispose()
  })

  it.each(VARIANTS)('%s: loss and gradients are those of the batch mean, laid out like the tables', async (variant) => {
    const init = tables(2)
    const batch = makeBatch(variant, 3)
    const engine = await createTfjsEngine({ model: config(variant), init })
    const got = await engine.lossAndGradients(batch)
    const want = reference(variant, init, batch)
    expect(got.loss).toBeCloseTo(want.loss, 5)
    expectClose(got.grads.left, want.grads.left, 1e-5)
    expectClose(got.grads.right, want.grads.right, 1e-5)
    expectClose(got.grads.head, want.grads.head, 1e-5)
    // Rows 4.. of left never appear in the batch: zero gradient, still present.
    expect(Array.from(got.grads.left.subarray(4 * DIM))).toEqual(new Array((N_LEFT - 4) * DIM).fill(0))
    // Nothing moved.
    expect(Array.from((await engine.weights()).left)).toEqual(Array.from(init.left))
    await engine.dispose()
  })

  it.each(OPTIMIZERS.flatMap((o) => VARIANTS.map((v) => [o, v] as const)))('%s, %s: three steps match the dense update written out by hand', async (optimizer, variant) => {
    const lr = 0.05
    const init = tables(4)
    const engine = await createTfjsEngine({ model: config(variant, optimizer, lr), init })
    const theta = { left: Float64Array.from(init.left), right: Float64Array.from(init.right), head: Float64Array.from(init.head) }
    const slots = (size: number) => ({ m: new Float64Array(size), v: new Float64Array(size), a: new Float64Array(size).fill(ADAGRAD_INITIAL) })
    const state = { left: slots(theta.left.length), right: slots(theta.right.length), head: slots(2) }
    for (let t = 1; t <= 3; t++) {
      const batch = makeBatch(variant, 10 + t)
      const current = { left: Float32Array.from(theta.left), right: Float32Array.from(theta.right), head: Float32Array.from(theta.head) }
      const want = reference(variant, current, batch)
      const result = await engine.step(batch)
      expect(result.loss).toBeCloseTo(want.loss, 5)
      referenceUpdate(optimizer, lr, theta.left, want.grads.left, state.left, t)
      referenceUpdate(optimizer, lr, theta.right, want.grads.right, state.right, t)
      if (variant === 'classification') referenceUpdate(optimizer, lr, theta.head, want.grads.head, state.head, t)
    }
    const w = await engine.weights()
    expectClose(w.left, theta.left, 1e-5)
    expectClose(w.right, theta.right, 1e-5)
    expectClose(w.head, theta.head, 1e-5)
    if (variant === 'regression') expect(Array.from(w.head)).toEqual(Array.from(init.head))
    await engine.dispose()
  })

  it.each([
    ['sgd', { learningRate: 0.3 }],
    ['adagrad', { learningRate: 0.3, initialAccumulatorValue: ADAGRAD_INITIAL }],
    ['adam', { learningRate: 0.3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
  ] as const)('%s has the hyper-parameters of the contract', (optimizer, expected) => {
    const opt = makeOptimizer({ optimizer, learningRate: 0.3 })
    expect(opt.getConfig()).toEqual(expected)
    opt.dispose()
  })

  it.each(OPTIMIZERS.flatMap((o) => VARIANTS.map((v) => [o, v] as const)))('%s, %s: a few steps on a tiny model lower the loss', async (optimizer, variant) => {
    const engine = await createTfjsEngine({ model: config(variant, optimizer, optimizer === 'sgd' ? 0.5 : 0.05), init: tables(5) })
    const batch = makeBatch(variant, 6)
    const first = await engine.step(batch)
    let last = first
    for (let s = 0; s < 30; s++) last = await engine.step(batch)
    expect(last.loss).toBeLessThan(first.loss)
    expect(last.accuracy).toBeGreaterThanOrEqual(0)
    expect(last.accuracy).toBeLessThanOrEqual(1)
    await engine.dispose()
  })

  it('accuracy counts (z > 0) == (y == 1) and (c > 0) == (y > 0)', async () => {
    // One pair, identical unit rows: c = 1. Head w = 2, b = −3: z = −1 < 0.
    const init: PairTables = { left: new Float32Array(N_LEFT * DIM).fill(1), right: new Float32Array(N_RIGHT * DIM).fill(1), head: new Float32Array([2, -3]) }
    const batch = (labels: number[]): Batch => ({ size: labels.length, left: new Int32Array(labels.length), right: new Int32Array(labels.length), label: Float32Array.from(labels) })
    const cls = await createTfjsEngine({ model: config('classification', 'sgd', 0), init })
    expect((await cls.step(batch([0, 0, 1, 0]))).accuracy).toBe(3 / 4)
    await cls.dispose()
    const reg = await createTfjsEngine({ model: config('regression', 'sgd', 0), init })
    expect((await reg.step(batch([1, -1, 1, 1]))).accuracy).toBe(3 / 4)
    await reg.dispose()
  })

  it('refuses ids outside the tables', async () => {
    const engine = await createTfjsEngine({ model: config('classification'), init: tables(1) })
    const batch = makeBatch('classification', 1)
    batch.right[3] = N_RIGHT
    await expect(engine.step(batch)).rejects.toThrow(/right id/)
    await engine.dispose()
  })

  it.each(OPTIMIZERS)('%s: every tensor is freed by dispose', async (optimizer) => {
    const baseline = tf.memory().numTensors
    const engine = await createTfjsEngine({ model: config('classification', optimizer), init: tables(7) })
    const batch = makeBatch('classification', 8)
    await engine.step(batch)
    await engine.lossAndGradients(batch)
    const state = await engine.saveState()
    await engine.step(batch)
    await engine.loadState(state)
    await engine.step(batch)
    await engine.weights()
    expect(tf.memory().numTensors).toBeGreaterThan(baseline)
    await engine.dispose()
    expect(tf.memory().numTensors).toBe(baseline)
    await expect(engine.step(batch)).rejects.toThrow(/disposed/)
  })

  it.each(OPTIMIZERS.flatMap((o) => VARIANTS.map((v) => [o, v] as const)))('%s, %s: a saved state continues exactly in another engine', async (optimizer, variant) => {
    const model = config(variant, optimizer)
    const a = await createTfjsEngine({ model, init: tables(20) })
    for (let s = 0; s < 3; s++) await a.step(makeBatch(variant, 30 + s))
    const state = await a.saveState()
    expect(state.step).toBe(3)
    const kinds = { adam: ['m', 'v'], adagrad: ['a'], sgd: [] }[optimizer]
    const trained = variant === 'classification' ? ['left', 'right', 'head'] : ['left', 'right']
    expect(Object.keys(state.slots).sort()).toEqual(trained.flatMap((t) => kinds.map((k) => `${t}.${k}`)).sort())
    const continued: number[] = []
    for (let s = 0; s < 3; s++) continued.push((await a.step(makeBatch(variant, 40 + s))).loss)
    const weightsA = await a.weights()
    await a.dispose()

    const b = await createTfjsEngine({ model, init: tables(21) })
    await b.step(makeBatch(variant, 99)) // state of its own, to be replaced
    await b.loadState(state)
    expect(await b.weights()).toEqual(state.tables)
    const resumed: number[] = []
    for (let s = 0; s < 3; s++) resumed.push((await b.step(makeBatch(variant, 40 + s))).loss)
    expect(resumed).toEqual(continued)
    expect(await b.weights()).toEqual(weightsA)
    expect((await b.saveState()).step).toBe(6)
    await b.dispose()
  })

  it('a fresh engine reports its optimizer slots at their initial values', async () => {
    const engine = await createTfjsEngine({ model: config('classification', 'adagrad'), init: tables(1) })
    const state = await engine.saveState()
    expect(state.step).toBe(0)
    expect(Array.from(state.slots['head.a']!)).toEqual([ADAGRAD_INITIAL, ADAGRAD_INITIAL].map(Math.fround))
    await engine.loadState(state)
    await engine.dispose()
  })

  it('keeps its own copy of the initial tables', async () => {
    const init = tables(1)
    const engine = await createTfjsEngine({ model: config('classification'), init })
    const before = await engine.weights()
    init.left.fill(42)
    expect(await engine.weights()).toEqual(before)
    await engine.dispose()
  })
})
