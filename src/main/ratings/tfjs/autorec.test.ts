import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { AutoRecParams } from '../../../shared/ratings'
import { activeBackend, selectBackend } from '../../train/tfjs/backends'
import type { RatingData } from '../model'
import { fitAutoRec, loadAutoRec, ratingsCsr, type AutoRecPredictor } from './autorec'
import { biasBaselineRmse, expectClose, globalMeanRmse, predictAll, recordingContext, roundTrip, subset, syntheticRatings, testRmse } from './testing'

const params = (over: Partial<AutoRecParams> = {}): AutoRecParams => ({ ...AutoRecParams.parse({ model: 'autorec' }), ...over })

const small = () => subset(syntheticRatings(), 200, 150)
const quick = (over: Partial<AutoRecParams> = {}) => params({ hidden: 16, epochs: 2, batchSize: 16, learningRate: 0.01, ...over })

/** The settings of the accuracy test (the defaults, 500 units × 100 epochs, take minutes here: see the report). */
const ACCURACY = { hidden: 100, epochs: 40, reg: 30 } as const

describe('AutoRec on tfjs', () => {
  beforeAll(async () => {
    await selectBackend('auto')
  })

  it('beats the global mean on the synthetic ratings, freeing every tensor', async () => {
    const split = syntheticRatings()
    const baseline = tf.memory().numTensors
    const ctx = recordingContext()
    const t0 = performance.now()
    const p = await fitAutoRec(split.data, params(ACCURACY), ctx)
    const seconds = (performance.now() - t0) / 1000
    expect(tf.memory().numTensors).toBe(baseline)
    const rmse = testRmse(p, split)
    const mean = globalMeanRmse(split)
    const bias = biasBaselineRmse(split)
    console.log(`I-AutoRec ${JSON.stringify(ACCURACY)} on ${activeBackend()?.backend}: test RMSE ${rmse.toFixed(4)} (global mean ${mean.toFixed(4)}, bias baseline ${bias.toFixed(4)}, noise floor 0.5), ${seconds.toFixed(1)} s`)
    expect(ctx.losses).toHaveLength(ACCURACY.epochs)
    expect(ctx.losses[ACCURACY.epochs - 1]!).toBeLessThan(ctx.losses[0]!)
    // The examples are the rating vectors: items with a training rating.
    expect(ctx.reports[0]!.examples).toBe(new Set(Array.from(split.data.train.item)).size)
    expect(rmse).toBeLessThan(mean)
  })

  it('groups the training ratings by row (CSR)', () => {
    const t = { n: 4, user: Int32Array.of(2, 0, 2, 1), item: Int32Array.of(1, 1, 0, 1), rating: Float32Array.of(5, 4, 3, 2) }
    const byItem = ratingsCsr(t, 3, 2, 'item')
    expect(Array.from(byItem.rowPtr)).toEqual([0, 1, 4])
    expect(Array.from(byItem.col)).toEqual([2, 2, 0, 1])
    expect(Array.from(byItem.value)).toEqual([3, 5, 4, 2])
    const byUser = ratingsCsr(t, 3, 2, 'user')
    expect(Array.from(byUser.rowPtr)).toEqual([0, 1, 2, 4])
    expect(Array.from(byUser.col)).toEqual([1, 1, 1, 0])
  })

  it.each(['item', 'user'] as const)('%s orientation: the JS reconstruction matches the network in tfjs', async (orientation) => {
    const split = small()
    const p = (await fitAutoRec(split.data, quick({ orientation, activation: 'elu' }), recordingContext())) as AutoRecPredictor
    const w = p.w
    const rows = orientation === 'item' ? split.data.nItems : split.data.nUsers
    const cols = orientation === 'item' ? split.data.nUsers : split.data.nItems
    // Dense training matrix, rows × cols: r̂ = elu(R W + b) V + c.
    const dense = new Float32Array(rows * cols)
    for (let r = 0; r < rows; r++) for (let e = w.csr.rowPtr[r]!; e < w.csr.rowPtr[r + 1]!; e++) dense[r * cols + w.csr.col[e]!] = w.csr.value[e]!
    const recon = tf.tidy(() => {
      const h = tf.elu(tf.add(tf.matMul(tf.tensor2d(dense, [rows, cols]), tf.tensor2d(w.W, [cols, w.hidden])), w.b))
      return tf.add(tf.matMul(h, tf.tensor2d(w.Vt, [cols, w.hidden]), false, true), w.c).dataSync()
    })
    const t = split.test
    const want = Float32Array.from({ length: t.n }, (_, k) => (orientation === 'item' ? recon[t.item[k]! * cols + t.user[k]!]! : recon[t.user[k]! * cols + t.item[k]!]!))
    expectClose(predictAll(p, t), want, 1e-4)
    // scoreUser reads the same reconstruction.
    const scores = new Float32Array(split.data.nItems)
    p.scoreUser(5, scores)
    const row5 = Float32Array.from({ length: split.data.nItems }, (_, i) => (orientation === 'item' ? recon[i * cols + 5]! : recon[5 * cols + i]!))
    expectClose(scores, row5, 1e-4)
  })

  it.each(['item', 'user'] as const)('%s orientation: same seed, same model; save and load give identical predictions', async (orientation) => {
    const split = small()
    const a = await fitAutoRec(split.data, quick({ orientation }), recordingContext())
    const b = await fitAutoRec(split.data, quick({ orientation }), recordingContext())
    const pa = predictAll(a, split.test)
    expect(Array.from(predictAll(b, split.test))).toEqual(Array.from(pa))
    const loaded = loadAutoRec(roundTrip(a.save()))
    expect(Array.from(predictAll(loaded, split.test))).toEqual(Array.from(pa))
    const sa = new Float32Array(split.data.nItems)
    const sl = new Float32Array(split.data.nItems)
    a.scoreUser(3, sa)
    loaded.scoreUser(3, sl)
    expect(Array.from(sl)).toEqual(Array.from(sa))
    // Embeddings factorise the reconstruction: users × hidden and items × hidden.
    const e = loaded.embeddings!()
    expect([e.left!.rows, e.right!.rows, e.left!.dim]).toEqual([split.data.nUsers, split.data.nItems, 16])
  })

  it('predicts for an item without training ratings from the zero vector', async () => {
    const split = small()
    // Drop every training rating of item 0.
    const keep = Array.from({ length: split.data.train.n }, (_, k) => k).filter((k) => split.data.train.item[k] !== 0)
    const train = { n: keep.length, user: Int32Array.from(keep, (k) => split.data.train.user[k]!), item: Int32Array.from(keep, (k) => split.data.train.item[k]!), rating: Float32Array.from(keep, (k) => split.data.train.rating[k]!) }
    const data: RatingData = { ...split.data, train }
    const p = await fitAutoRec(data, quick(), recordingContext())
    const out = new Float32Array(2)
    p.predict(2, Int32Array.of(0, 1), Int32Array.of(0, 0), out)
    expect(out.every(Number.isFinite)).toBe(true)
  })

  it('stops when the context says so', async () => {
    const ctx = recordingContext(1)
    await fitAutoRec(small().data, quick({ epochs: 4 }), ctx)
    expect(ctx.losses).toHaveLength(1)
  })

  const changes: [keyof AutoRecParams, AutoRecParams[keyof AutoRecParams]][] = [
    ['orientation', 'user'],
    ['hidden', 8],
    ['activation', 'relu'],
    ['epochs', 3],
    ['batchSize', 8],
    ['learningRate', 0.001],
    ['reg', 30],
    ['seed', 7],
  ]
  it.each(changes)('changing %s changes the result', async (key, value) => {
    const split = small()
    const base = predictAll(await fitAutoRec(split.data, quick(), recordingContext()), split.test)
    const changed = predictAll(await fitAutoRec(split.data, quick({ [key]: value }), recordingContext()), split.test)
    expect(Array.from(changed)).not.toEqual(Array.from(base))
  })
})
