import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { AutoRecParams, BiasBaselineParams } from '../../../shared/ratings'
import { activeBackend, selectBackend } from '../../train/tfjs/backends'
import { fitBiasBaseline } from '../baselines'
import type { RatingData } from '../model'
import { fitAutoRec, fitBiases, loadAutoRec, ratingsCsr, type AutoRecPredictor } from './autorec'
import { biasBaselineRmse, expectClose, globalMeanRmse, predictAll, recordingContext, roundTrip, subset, syntheticRatings, testRmse } from './testing'

const params = (over: Partial<AutoRecParams> = {}): AutoRecParams => ({ ...AutoRecParams.parse({ model: 'autorec' }), ...over })

const small = () => subset(syntheticRatings(), 200, 150)
const quick = (over: Partial<AutoRecParams> = {}) => params({ hidden: 16, epochs: 2, batchSize: 16, learningRate: 0.01, ...over })


describe('AutoRec on tfjs', () => {
  beforeAll(async () => {
    await selectBackend('auto')
  })

  /*
   * Test RMSE on the synthetic ratings (80/20, split seed 1; noise floor 0.5),
   * measured with the defaults (item, bias baseline, 100 tanh units, 20
   * epochs, batch 64, lr 0.003, λ 10) on wasm, one thread, ≈ 4 s a fit:
   *
   *                     split seed 1   split seed 2
   *   global mean           0.961          0.971
   *   bias baseline         0.782          0.789
   *   I-AutoRec             0.616          0.628
   *   U-AutoRec             0.637          0.642
   *   I-AutoRec, 'none'     0.717          0.738
   *   U-AutoRec, 'none'     0.802          0.817
   *
   * With the baseline both orientations beat the bias baseline by ≥ 0.14; the
   * thresholds keep a margin of 0.08 below it.
   */
  it.each(['item', 'user'] as const)('%s orientation with the defaults beats the bias baseline on the synthetic ratings, freeing every tensor', async (orientation) => {
    const split = syntheticRatings()
    const baseline = tf.memory().numTensors
    const ctx = recordingContext()
    const t0 = performance.now()
    const p = await fitAutoRec(split.data, params({ orientation }), ctx)
    const seconds = (performance.now() - t0) / 1000
    expect(tf.memory().numTensors).toBe(baseline)
    const rmse = testRmse(p, split)
    const mean = globalMeanRmse(split)
    const bias = biasBaselineRmse(split)
    console.log(`${orientation === 'item' ? 'I' : 'U'}-AutoRec (defaults) on ${activeBackend()?.backend}: test RMSE ${rmse.toFixed(4)} (global mean ${mean.toFixed(4)}, bias baseline ${bias.toFixed(4)}, noise floor 0.5), ${seconds.toFixed(1)} s`)
    const { epochs } = params()
    expect(ctx.losses).toHaveLength(epochs)
    expect(ctx.losses[epochs - 1]!).toBeLessThan(ctx.losses[0]!)
    // The examples are the rating vectors: items (users) with a training rating.
    expect(ctx.reports[0]!.examples).toBe(new Set(Array.from(orientation === 'item' ? split.data.train.item : split.data.train.user)).size)
    expect(rmse).toBeLessThan(bias - 0.08)
  })

  it("baseline 'none' (the paper's AutoRec on raw ratings) still learns", async () => {
    const split = syntheticRatings()
    const baseline = tf.memory().numTensors
    const p = await fitAutoRec(split.data, params({ baseline: 'none' }), recordingContext())
    expect(tf.memory().numTensors).toBe(baseline)
    const rmse = testRmse(p, split)
    console.log(`I-AutoRec (defaults, baseline 'none'): test RMSE ${rmse.toFixed(4)}`)
    // Measured 0.717 (global mean 0.961, bias baseline 0.782).
    expect(rmse).toBeLessThan(globalMeanRmse(split) - 0.15)
    expect((p as AutoRecPredictor).w.biases).toBeNull()
  })

  it('fits the bias baseline of ../baselines and feeds the network the residuals', async () => {
    const split = small()
    const { data } = split
    const biases = fitBiases(data.train, data.nUsers, data.nItems)
    const reference = await fitBiasBaseline(data, BiasBaselineParams.parse({ model: 'bias-baseline' }), recordingContext())
    const want = predictAll(reference, split.test)
    const got = Float32Array.from({ length: split.test.n }, (_, k) => biases.mu + biases.userBias[split.test.user[k]!]! + biases.itemBias[split.test.item[k]!]!)
    expectClose(got, want, 1e-5)
    const p = (await fitAutoRec(data, quick(), recordingContext())) as AutoRecPredictor
    const csr = p.w.csr
    const t = data.train
    // Item 3's inputs are its training ratings minus the baseline, in the triples' order.
    const ks = Array.from({ length: t.n }, (_, k) => k).filter((k) => t.item[k] === 3)
    expect(Array.from(csr.col.subarray(csr.rowPtr[3]!, csr.rowPtr[4]!))).toEqual(ks.map((k) => t.user[k]!))
    const residual = ks.map((k) => t.rating[k]! - biases.mu - biases.userBias[t.user[k]!]! - biases.itemBias[3]!)
    expectClose(csr.value.subarray(csr.rowPtr[3]!, csr.rowPtr[4]!), residual, 1e-5)
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

  const shapes = [
    ['item', 'bias'],
    ['user', 'bias'],
    ['item', 'none'],
    ['user', 'none'],
  ] as const
  it.each(shapes)('%s orientation, baseline %s: the JS reconstruction matches the network in tfjs', async (orientation, baseline) => {
    const split = small()
    const p = (await fitAutoRec(split.data, quick({ orientation, baseline, activation: 'elu' }), recordingContext())) as AutoRecPredictor
    const w = p.w
    expect(w.biases === null).toBe(baseline === 'none')
    const rows = orientation === 'item' ? split.data.nItems : split.data.nUsers
    const cols = orientation === 'item' ? split.data.nUsers : split.data.nItems
    // Dense input matrix, rows × cols: x̂ = elu(X W + b) V + c; r̂ = μ + b_u + b_i + x̂ with the baseline.
    const dense = new Float32Array(rows * cols)
    for (let r = 0; r < rows; r++) for (let e = w.csr.rowPtr[r]!; e < w.csr.rowPtr[r + 1]!; e++) dense[r * cols + w.csr.col[e]!] = w.csr.value[e]!
    const recon = tf.tidy(() => {
      const h = tf.elu(tf.add(tf.matMul(tf.tensor2d(dense, [rows, cols]), tf.tensor2d(w.W, [cols, w.hidden])), w.b))
      return tf.add(tf.matMul(h, tf.tensor2d(w.Vt, [cols, w.hidden]), false, true), w.c).dataSync()
    })
    const base = (u: number, i: number) => (w.biases ? w.biases.mu + w.biases.userBias[u]! + w.biases.itemBias[i]! : 0)
    const at = (u: number, i: number) => (orientation === 'item' ? recon[i * cols + u]! : recon[u * cols + i]!) + base(u, i)
    const t = split.test
    const want = Float32Array.from({ length: t.n }, (_, k) => at(t.user[k]!, t.item[k]!))
    expectClose(predictAll(p, t), want, 1e-4)
    // scoreUser reads the same reconstruction.
    const scores = new Float32Array(split.data.nItems)
    p.scoreUser(5, scores)
    const row5 = Float32Array.from({ length: split.data.nItems }, (_, i) => at(5, i))
    expectClose(scores, row5, 1e-4)
  })

  it.each(shapes)('%s orientation, baseline %s: same seed, same model; save and load give identical predictions', async (orientation, baseline) => {
    const split = small()
    const a = await fitAutoRec(split.data, quick({ orientation, baseline }), recordingContext())
    const b = await fitAutoRec(split.data, quick({ orientation, baseline }), recordingContext())
    const pa = predictAll(a, split.test)
    expect(Array.from(predictAll(b, split.test))).toEqual(Array.from(pa))
    const saved = a.save()
    expect(saved.header.baseline).toBe(baseline)
    expect('userBias' in saved.arrays).toBe(baseline === 'bias')
    const loaded = loadAutoRec(roundTrip(saved))
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

  it('loads a model saved before the baseline existed as a plain AutoRec, and refuses a bias model without its biases', async () => {
    const split = small()
    const plain = await fitAutoRec(split.data, quick({ baseline: 'none' }), recordingContext())
    const old = roundTrip(plain.save())
    delete old.header.baseline
    expect(Array.from(predictAll(loadAutoRec(old), split.test))).toEqual(Array.from(predictAll(plain, split.test)))
    const withBias = roundTrip((await fitAutoRec(split.data, quick(), recordingContext())).save())
    delete withBias.arrays.itemBias
    expect(() => loadAutoRec(withBias)).toThrow(/itemBias/)
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
    ['baseline', 'none'],
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
