import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { DeepMfParams } from '../../../shared/ratings'
import { activeBackend, selectBackend } from '../../train/tfjs/backends'
import { fitDeepMf, loadDeepMf, parseHidden } from './deep-mf'
import { biasBaselineRmse, expectClose, globalMeanRmse, predictAll, recordingContext, roundTrip, subset, syntheticRatings, testRmse } from './testing'

const params = (over: Partial<DeepMfParams> = {}): DeepMfParams => ({ ...DeepMfParams.parse({ model: 'deep-mf' }), ...over })

/** Short fits on a corner of the data, for the tests that compare two fits. */
const small = () => subset(syntheticRatings(), 200, 150)
const quick = (over: Partial<DeepMfParams> = {}) => params({ epochs: 2, batchSize: 256, ...over })

describe('deep MF on tfjs', () => {
  beforeAll(async () => {
    await selectBackend('auto')
  })

  it('beats the global mean and the bias baseline on the synthetic ratings, freeing every tensor', async () => {
    const split = syntheticRatings()
    const baseline = tf.memory().numTensors
    const ctx = recordingContext()
    const t0 = performance.now()
    const p = await fitDeepMf(split.data, params(), ctx)
    const seconds = (performance.now() - t0) / 1000
    expect(tf.memory().numTensors).toBe(baseline)
    const rmse = testRmse(p, split)
    const mean = globalMeanRmse(split)
    const bias = biasBaselineRmse(split)
    console.log(`deep-mf (defaults) on ${activeBackend()?.backend}: test RMSE ${rmse.toFixed(4)} (global mean ${mean.toFixed(4)}, bias baseline ${bias.toFixed(4)}, noise floor 0.5), ${seconds.toFixed(1)} s, losses ${ctx.losses.map((l) => l.toFixed(3)).join(' ')}`)
    expect(ctx.losses).toHaveLength(20)
    expect(ctx.losses[19]!).toBeLessThan(ctx.losses[0]!)
    expect(ctx.reports.every((r) => r.examples === split.data.train.n)).toBe(true)
    expect(rmse).toBeLessThan(mean)
    expect(rmse).toBeLessThan(bias)
  })

  it('parses the hidden layer sizes', () => {
    expect(parseHidden(' 64, 32 ')).toEqual([64, 32])
    expect(parseHidden('8')).toEqual([8])
    expect(() => parseHidden('8,0')).toThrow(/positive/)
  })

  it('stops when the context says so', async () => {
    const ctx = recordingContext(2)
    await fitDeepMf(small().data, quick({ epochs: 5 }), ctx)
    expect(ctx.losses).toHaveLength(2)
  })

  it('repeats a run from its seed, and saves and loads to identical predictions', async () => {
    const split = small()
    const a = await fitDeepMf(split.data, quick(), recordingContext())
    const b = await fitDeepMf(split.data, quick(), recordingContext())
    const pa = predictAll(a, split.test)
    expect(Array.from(predictAll(b, split.test))).toEqual(Array.from(pa))
    const loaded = loadDeepMf(roundTrip(a.save()))
    expect(Array.from(predictAll(loaded, split.test))).toEqual(Array.from(pa))
    const scoresA = new Float32Array(split.data.nItems)
    const scoresL = new Float32Array(split.data.nItems)
    a.scoreUser(7, scoresA)
    loaded.scoreUser(7, scoresL)
    expect(Array.from(scoresL)).toEqual(Array.from(scoresA))
    expect(loaded.embeddings?.().left?.data).toEqual(a.embeddings?.().left?.data)
  })

  it('scoreUser agrees with predict', async () => {
    const split = small()
    const p = await fitDeepMf(split.data, quick({ epochs: 1 }), recordingContext())
    const n = split.data.nItems
    const scores = new Float32Array(n)
    p.scoreUser(3, scores)
    const out = new Float32Array(n)
    p.predict(n, new Int32Array(n).fill(3), Int32Array.from({ length: n }, (_, i) => i), out)
    expectClose(scores, out, 1e-6)
  })

  it('the JS forward pass matches the network in tfjs (no dropout at inference)', async () => {
    const split = small()
    const p = await fitDeepMf(split.data, quick({ epochs: 1, hidden: '16,8,4', activation: 'elu' }), recordingContext())
    const saved = p.save()
    const a = saved.arrays
    const h = saved.header as { mu: number; dim: number; nUsers: number; nItems: number; hidden: number[] }
    const n = 50
    const users = split.test.user.subarray(0, n)
    const items = split.test.item.subarray(0, n)
    const want = tf.tidy(() => {
      let x: tf.Tensor = tf.concat([tf.gather(tf.tensor2d(a.P!, [h.nUsers, h.dim]), tf.tensor1d(users, 'int32')), tf.gather(tf.tensor2d(a.Q!, [h.nItems, h.dim]), tf.tensor1d(items, 'int32'))], 1)
      let fanIn = 2 * h.dim
      h.hidden.forEach((size, l) => {
        x = tf.elu(tf.add(tf.matMul(x, tf.tensor2d(a[`W${l + 1}`]!, [fanIn, size])), a[`b${l + 1}`]!))
        fanIn = size
      })
      return tf.add(tf.add(tf.matMul(x, tf.tensor2d(a.Wout!, [fanIn, 1])).reshape([-1]), a.bout![0]!), h.mu).dataSync()
    })
    const got = new Float32Array(n)
    p.predict(n, users, items, got)
    expectClose(got, want, 1e-4)
  })

  const changes: [keyof DeepMfParams, DeepMfParams[keyof DeepMfParams]][] = [
    ['dim', 8],
    ['hidden', '16'],
    ['activation', 'tanh'],
    ['dropout', 0.5],
    ['epochs', 3],
    ['batchSize', 100],
    ['learningRate', 0.01],
    ['reg', 0.1],
    ['seed', 7],
  ]
  it.each(changes)('changing %s changes the result', async (key, value) => {
    const split = small()
    const base = predictAll(await fitDeepMf(split.data, quick(), recordingContext()), split.test)
    const changed = predictAll(await fitDeepMf(split.data, quick({ [key]: value }), recordingContext()), split.test)
    expect(Array.from(changed)).not.toEqual(Array.from(base))
  })

  it('refuses ratings outside the tables', async () => {
    const split = small()
    const train = { ...split.data.train, user: split.data.train.user.slice() }
    train.user[5] = split.data.nUsers
    await expect(fitDeepMf({ ...split.data, train }, quick(), recordingContext())).rejects.toThrow(/outside/)
  })
})
