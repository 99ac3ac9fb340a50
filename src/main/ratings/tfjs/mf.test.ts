import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { MfParams } from '../../../shared/ratings'
import { Random } from '../../lib/random'
import { activeBackend, selectBackend } from '../../train/tfjs/backends'
import type { RatingTriples } from '../model'
import { normalArray } from './common'
import type { MfTables } from '../mf'
import { DEFAULT_TFJS_BATCH, fitMfTfjs, loadMfTfjs, mfLossAndGradientsTfjs, mfStep, type MfTfjsPredictor } from './mf'
import { biasBaselineRmse, expectClose, globalMeanRmse, predictAll, recordingContext, roundTrip, subset, syntheticRatings, testRmse } from './testing'

const params = (over: Partial<MfParams> = {}): MfParams => ({ ...MfParams.parse({ model: 'mf' }), ...over })
const small = () => subset(syntheticRatings(), 200, 150)
const quick = (over: Partial<MfParams> = {}) => params({ dim: 8, epochs: 2, batchSize: 64, learningRate: 0.02, ...over })

/** Tiny tables with every value non-zero: 3 users, 4 items, dim 3. */
function tinyTables(biases: boolean, seed = 3): MfTables {
  const rng = new Random(seed)
  return { nUsers: 3, nItems: 4, dim: 3, mu: biases ? 3.2 : 0, biases, P: normalArray(rng, 9, 0.5), Q: normalArray(rng, 12, 0.5), bu: normalArray(rng, 3, 0.3), bi: normalArray(rng, 4, 0.3) }
}

/** User 0 and item 1 appear twice: their penalty counts twice. */
const TINY_BATCH: RatingTriples = { n: 4, user: Int32Array.of(0, 1, 0, 2), item: Int32Array.of(1, 2, 3, 1), rating: Float32Array.of(4, 2, 5, 3) }

/** L(B) written out in float64: mean of (r − r̂)² + reg (‖p‖² + ‖q‖² + b_u² + b_i²). */
function directLoss(t: MfTables, b: RatingTriples, reg: number): number {
  let sum = 0
  for (let k = 0; k < b.n; k++) {
    const u = b.user[k]!
    const i = b.item[k]!
    let dot = 0
    let pen = 0
    for (let f = 0; f < t.dim; f++) {
      dot += t.P[u * t.dim + f]! * t.Q[i * t.dim + f]!
      pen += t.P[u * t.dim + f]! ** 2 + t.Q[i * t.dim + f]! ** 2
    }
    const bu = t.biases ? t.bu[u]! : 0
    const bi = t.biases ? t.bi[i]! : 0
    const e = b.rating[k]! - (t.biases ? t.mu + bu + bi + dot : dot)
    sum += e * e + reg * (pen + bu * bu + bi * bi)
  }
  return sum / b.n
}

describe('MF on tfjs', () => {
  beforeAll(async () => {
    await selectBackend('auto')
  })

  it('beats the global mean and the bias baseline with the defaults, freeing every tensor', async () => {
    const split = syntheticRatings()
    const baseline = tf.memory().numTensors
    const ctx = recordingContext()
    const t0 = performance.now()
    const p = await fitMfTfjs(split.data, params(), ctx)
    const seconds = (performance.now() - t0) / 1000
    expect(tf.memory().numTensors).toBe(baseline)
    const rmse = testRmse(p, split)
    const mean = globalMeanRmse(split)
    const bias = biasBaselineRmse(split)
    console.log(`mf-tfjs (defaults: batch ${DEFAULT_TFJS_BATCH}) on ${activeBackend()?.backend}: test RMSE ${rmse.toFixed(4)} (global mean ${mean.toFixed(4)}, bias baseline ${bias.toFixed(4)}, noise floor 0.5), ${seconds.toFixed(1)} s`)
    expect(ctx.losses).toHaveLength(40)
    expect(ctx.losses[39]!).toBeLessThan(ctx.losses[0]!)
    expect(rmse).toBeLessThan(mean)
    expect(rmse).toBeLessThan(bias)
  })

  it.each([true, false])('loss and gradients match L(B) and its central finite differences (biases %s)', async (biases) => {
    const t = tinyTables(biases)
    const reg = 0.1
    const baseline = tf.memory().numTensors
    const { loss, grads } = await mfLossAndGradientsTfjs(t, TINY_BATCH, reg)
    expect(tf.memory().numTensors).toBe(baseline)
    expect(loss).toBeCloseTo(directLoss(t, TINY_BATCH, reg), 5)
    const h = 1e-3
    for (const name of ['P', 'Q', 'bu', 'bi'] as const) {
      const fd = Array.from(t[name], (_, j) => {
        const at = (delta: number) => {
          const table = Float64Array.from(t[name])
          table[j]! += delta
          return directLoss({ ...t, [name]: table }, TINY_BATCH, reg)
        }
        return (at(h) - at(-h)) / (2 * h)
      })
      expectClose(grads[name], fd, 1e-4)
    }
    if (!biases) expect(Array.from(grads.bu).concat(Array.from(grads.bi)).every((g) => g === 0)).toBe(true)
  })

  it('one full-batch epoch is θ − (η/2)·|B|·∇L(B) from the seeded initial tables', async () => {
    const split = small()
    const train = split.data.train
    const p = { dim: 4, epochs: 1, batchSize: train.n, learningRate: 0.0005, reg: 0.05, initStd: 0.1, biases: true, seed: 9 }
    const fitted = (await fitMfTfjs(split.data, params(p), recordingContext())) as MfTfjsPredictor
    const rng = new Random(p.seed)
    let mu = 0
    for (let k = 0; k < train.n; k++) mu += train.rating[k]!
    const { nUsers, nItems } = split.data
    const init: MfTables = { nUsers, nItems, dim: p.dim, mu: mu / train.n, biases: true, P: normalArray(rng, nUsers * p.dim, p.initStd), Q: normalArray(rng, nItems * p.dim, p.initStd), bu: new Float32Array(nUsers), bi: new Float32Array(nItems) }
    const { grads } = await mfLossAndGradientsTfjs(init, train, p.reg)
    for (const name of ['P', 'Q', 'bu', 'bi'] as const) {
      expectClose(fitted.t[name], Array.from(init[name], (v, j) => v - (p.learningRate / 2) * train.n * grads[name][j]!), 1e-5)
    }
  })

  it('batchSize 1 (per-rating SGD on the sparse engine) trains in batches of 256', () => {
    expect(mfStep({ batchSize: 1, learningRate: 0.01 })).toEqual({ batchSize: DEFAULT_TFJS_BATCH, sgdRate: 0.01 / 2 })
    expect(mfStep({ batchSize: 32, learningRate: 0.01 })).toEqual({ batchSize: 32, sgdRate: 0.01 / 2 })
  })

  it('repeats a run from its seed; save and load give identical predictions', async () => {
    const split = small()
    const a = await fitMfTfjs(split.data, quick(), recordingContext())
    const b = await fitMfTfjs(split.data, quick(), recordingContext())
    const pa = predictAll(a, split.test)
    expect(Array.from(predictAll(b, split.test))).toEqual(Array.from(pa))
    const saved = a.save()
    expect(Object.keys(saved.arrays).sort()).toEqual(['P', 'Q', 'bi', 'bu'])
    const loaded = loadMfTfjs(roundTrip(saved))
    expect(Array.from(predictAll(loaded, split.test))).toEqual(Array.from(pa))
    const sa = new Float32Array(split.data.nItems)
    const sl = new Float32Array(split.data.nItems)
    a.scoreUser(4, sa)
    loaded.scoreUser(4, sl)
    expect(Array.from(sl)).toEqual(Array.from(sa))
    expect(a.embeddings?.().right?.rows).toBe(split.data.nItems)
  })

  it('stops when the context says so', async () => {
    const ctx = recordingContext(1)
    await fitMfTfjs(small().data, quick({ epochs: 3 }), ctx)
    expect(ctx.losses).toHaveLength(1)
  })

  const changes: [keyof MfParams, MfParams[keyof MfParams]][] = [
    ['dim', 4],
    ['epochs', 3],
    ['learningRate', 0.005],
    ['reg', 0.5],
    ['initStd', 0.3],
    ['biases', false],
    ['batchSize', 32],
    ['seed', 7],
  ]
  it.each(changes)('changing %s changes the result', async (key, value) => {
    const split = small()
    const base = predictAll(await fitMfTfjs(split.data, quick(), recordingContext()), split.test)
    const changed = predictAll(await fitMfTfjs(split.data, quick({ [key]: value }), recordingContext()), split.test)
    expect(Array.from(changed)).not.toEqual(Array.from(base))
  })
})
