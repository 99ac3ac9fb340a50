import { describe, expect, it } from 'vitest'
import { BiasBaselineParams, MfParams } from '../../shared/ratings'
import { Random } from '../lib/random'
import { fitBiasBaseline } from './baselines'
import { createMfPredictor, fitMf, initMfTables, loadMf, MF_SEARCH_GRID, mfBatchStep, mfLossAndGradients, type MfTables } from './mf'
import { meanRating, rmseOf } from './model'
import { allPairs, expectClose, maxAbsDiff, predictAll, recordingContext, roundTrip, sampleSplit, tinyData, triplesOf } from './testing'

const mfParams = (over: Partial<MfParams> = {}): MfParams => MfParams.parse({ model: 'mf', ...over })
/** Small and quick; the values the synthetic data likes (5 planted factors). */
const QUICK = { dim: 5, epochs: 8, learningRate: 0.02, reg: 0.05 } as const

const tiny = tinyData(3, 4, [
  [0, 0, 5],
  [0, 1, 3],
  [1, 0, 4],
  [1, 2, 1],
  [2, 1, 2],
  [2, 3, 4],
  [0, 3, 5],
])

function randomTables(biases: boolean, seed = 3): MfTables {
  const t = initMfTables(3, 4, 3.2, { dim: 3, initStd: 0.5, biases, seed })
  const rng = new Random(seed + 1)
  for (let j = 0; j < 3; j++) t.bu[j] = rng.normal() * 0.3
  for (let j = 0; j < 4; j++) t.bi[j] = rng.normal() * 0.3
  return t
}

const TABLE_NAMES = ['P', 'Q', 'bu', 'bi'] as const

describe('mfLossAndGradients', () => {
  it.each([true, false])('matches central finite differences (biases %s)', (biases) => {
    const tables = randomTables(biases)
    // User 0 and item 1 appear twice: their penalty counts twice.
    const batch = triplesOf([
      [0, 1, 4],
      [1, 2, 2],
      [0, 3, 5],
      [2, 1, 3],
    ])
    const reg = 0.1
    const { loss, grads } = mfLossAndGradients(tables, batch, { reg })
    // L = mean of (r − r̂)² + reg (‖p‖² + ‖q‖² + b_u² + b_i²), written out directly:
    let direct = 0
    for (let k = 0; k < batch.n; k++) {
      const u = batch.user[k]!, i = batch.item[k]!
      let dot = 0, pen = 0
      for (let f = 0; f < 3; f++) {
        const p = tables.P[u * 3 + f]!, q = tables.Q[i * 3 + f]!
        dot += p * q
        pen += p * p + q * q
      }
      const bu = biases ? tables.bu[u]! : 0, bi = biases ? tables.bi[i]! : 0
      const e = batch.rating[k]! - (biases ? tables.mu + bu + bi + dot : dot)
      direct += e * e + reg * (pen + bu * bu + bi * bi)
    }
    expectClose(loss, direct / batch.n, 1e-12)
    const h = 1e-3
    for (const name of TABLE_NAMES) {
      const a = tables[name]
      for (let j = 0; j < a.length; j++) {
        const x = a[j]!
        a[j] = x + h
        const up = a[j]!, lossUp = mfLossAndGradients(tables, batch, { reg }).loss
        a[j] = x - h
        const down = a[j]!, lossDown = mfLossAndGradients(tables, batch, { reg }).loss
        a[j] = x
        const numeric = (lossUp - lossDown) / (up - down)
        // Rows not in the batch (user/item bias tables without biases) have gradient 0.
        expectClose(grads[name][j]!, biases || !name.endsWith('Bias') ? numeric : 0, 1e-4)
      }
    }
  })

  it('one mini-batch step is θ − (η/2)·|B|·∇L(B), and with one rating it is the per-rating SGD update', () => {
    const lr = 0.05, reg = 0.1
    for (const biases of [true, false]) {
      const before = randomTables(biases)
      const after = randomTables(biases)
      const order = Int32Array.from({ length: tiny.train.n }, (_, k) => k)
      mfBatchStep(after, tiny.train, order, 0, tiny.train.n, lr, reg)
      const { grads } = mfLossAndGradients(before, tiny.train, { reg })
      for (const name of TABLE_NAMES) {
        for (let j = 0; j < before[name].length; j++) expectClose(after[name][j]!, before[name][j]! - (lr / 2) * tiny.train.n * grads[name][j]!, 1e-6)
      }
    }
    // A single rating (u, i, r): e = r − r̂, b_u += η(e − λ b_u), p_u += η(e q_i − λ p_u), q_i += η(e p_u − λ q_i).
    const t = randomTables(true)
    const u = 1, i = 2, r = 4.5
    const p = Array.from(t.P.subarray(3, 6)), q = Array.from(t.Q.subarray(6, 9))
    const bu = t.bu[u]!, bi = t.bi[i]!
    const e = r - (t.mu + bu + bi + p[0]! * q[0]! + p[1]! * q[1]! + p[2]! * q[2]!)
    mfBatchStep(t, triplesOf([[u, i, r]]), Int32Array.of(0), 0, 1, lr, reg)
    expectClose(t.bu[u]!, bu + lr * (e - reg * bu))
    expectClose(t.bi[i]!, bi + lr * (e - reg * bi))
    for (let f = 0; f < 3; f++) {
      expectClose(t.P[3 + f]!, p[f]! + lr * (e * q[f]! - reg * p[f]!))
      expectClose(t.Q[6 + f]!, q[f]! + lr * (e * p[f]! - reg * q[f]!))
    }
  })
})

describe('fitMf', () => {
  it('approaches the noise floor on the synthetic ratings and beats the bias baseline', async () => {
    const { data, test } = sampleSplit()
    const mf = rmseOf(await fitMf(data, mfParams({ dim: 5, epochs: 50, learningRate: 0.02, reg: 0.05 }), recordingContext()), test, data.scale)
    const bias = rmseOf(await fitBiasBaseline(data, BiasBaselineParams.parse({ model: 'bias-baseline' }), recordingContext()), test, data.scale)
    // Measured 0.577 (noise floor σ = 0.5; bias baseline 0.782). With the defaults (dim 50, 40 epochs) 0.640.
    expect(mf).toBeLessThan(0.6)
    expect(mf).toBeLessThan(bias)
  })

  it('reports every epoch: loss = mean e² before each update, examples = ratings; honours stop', async () => {
    // With a vanishing step the first epoch's loss is the MSE of the initial tables.
    const params = mfParams({ dim: 3, epochs: 3, learningRate: 1e-9, initStd: 0.5, seed: 9 })
    const ctx = recordingContext()
    await fitMf(tiny, params, ctx)
    expect(ctx.epochs.map((e) => [e.epoch, e.epochs, e.examples])).toEqual([1, 2, 3].map((n) => [n, 3, tiny.train.n]))
    const initial = createMfPredictor(initMfTables(3, 4, meanRating(tiny.train), params))
    expectClose(ctx.epochs[0]!.loss, rmseOf(initial, tiny.train, { min: -Infinity, max: Infinity }) ** 2, 1e-6)

    const stopped = recordingContext({ stopAfter: 2 })
    const p = await fitMf(tiny, mfParams({ epochs: 10 }), stopped)
    expect(stopped.epochs).toHaveLength(2)
    // The returned predictor is the model after the last reported epoch; each report is a snapshot.
    expect(predictAll(p, tiny.train)).toEqual(predictAll(stopped.epochs[1]!.predictor, tiny.train))
    expect(predictAll(stopped.epochs[0]!.predictor, tiny.train)).not.toEqual(predictAll(p, tiny.train))
  })

  it('with one full batch per epoch takes the step θ − (η/2)·N·∇L(all N ratings)', async () => {
    const params = mfParams({ dim: 3, epochs: 1, learningRate: 0.1, reg: 0.1, initStd: 0.5, batchSize: 1000 })
    const p = await fitMf(tiny, params, recordingContext())
    const init = initMfTables(3, 4, meanRating(tiny.train), params)
    const { grads } = mfLossAndGradients(init, tiny.train, params)
    const saved = p.save().arrays
    for (const name of TABLE_NAMES) expect(maxAbsDiff(saved[name]!, init[name].map((x, j) => x - (params.learningRate / 2) * tiny.train.n * grads[name][j]!))).toBeLessThan(1e-6)
  })

  it('mini-batches also learn the synthetic ratings', async () => {
    const { data, test } = sampleSplit()
    // The per-rating settings carry over: each row moves by the sum of its updates in the batch.
    const rmse = rmseOf(await fitMf(data, mfParams({ dim: 5, epochs: 50, learningRate: 0.02, reg: 0.05, batchSize: 32 }), recordingContext()), test, data.scale)
    // Measured 0.5770, as per-rating SGD (0.5770): rows rarely repeat inside a batch of 32, and
    // distinct rows get exactly the per-rating updates.
    expect(rmse).toBeLessThan(0.6)
  })

  it.each([
    ['dim', { dim: 6 }],
    ['learningRate', { learningRate: 0.03 }],
    ['reg', { reg: 0.1 }],
    ['initStd', { initStd: 0.2 }],
    ['epochs', { epochs: 9 }],
    ['biases', { biases: false }],
    ['batchSize', { batchSize: 4 }],
    ['seed', { seed: 7 }],
  ] as const)('changing %s changes the predictions', async (_name, change) => {
    const { data, test } = sampleSplit()
    const a = predictAll(await fitMf(data, mfParams(QUICK), recordingContext()), test)
    const b = predictAll(await fitMf(data, mfParams({ ...QUICK, ...change }), recordingContext()), test)
    expect(b).not.toEqual(a)
  })

  it('without biases predicts p_u · q_i', async () => {
    const p = await fitMf(tiny, mfParams({ dim: 3, epochs: 2, biases: false }), recordingContext())
    const { P: P, Q: Q } = p.save().arrays as Record<string, Float32Array>
    const out = predictAll(p, allPairs(3, 4))
    for (let u = 0; u < 3; u++) for (let i = 0; i < 4; i++) expectClose(out[u * 4 + i]!, P![u * 3]! * Q![i * 3]! + P![u * 3 + 1]! * Q![i * 3 + 1]! + P![u * 3 + 2]! * Q![i * 3 + 2]!)
  })

  it('the same seed gives bit-identical tables', async () => {
    const { data } = sampleSplit()
    const a = (await fitMf(data, mfParams(QUICK), recordingContext())).save()
    const b = (await fitMf(data, mfParams(QUICK), recordingContext())).save()
    for (const name of TABLE_NAMES) expect(b.arrays[name]).toEqual(a.arrays[name])
  })

  it('survives save → load, and its embeddings are the user and item factors', async () => {
    const { data, test } = sampleSplit()
    const p = await fitMf(data, mfParams(QUICK), recordingContext())
    const q = roundTrip(p, loadMf)
    expect(predictAll(q, test)).toEqual(predictAll(p, test))
    const [a, b] = [new Float32Array(data.nItems), new Float32Array(data.nItems)]
    p.scoreUser(3, a)
    q.scoreUser(3, b)
    expect(b).toEqual(a)
    // scoreUser agrees with predict.
    const pairs = allPairs(data.nUsers, data.nItems)
    expect(a).toEqual(predictAll(p, pairs).subarray(3 * data.nItems, 4 * data.nItems))
    const e = q.embeddings!()
    expect([e.left!.rows, e.left!.dim, e.right!.rows, e.right!.dim]).toEqual([data.nUsers, QUICK.dim, data.nItems, QUICK.dim])
    expect(e.left!.data).toEqual(p.save().arrays.P)
    expect(q.save().header).toEqual(p.save().header)
  })

  it('loads the shared saved layout (header mu, dim, nUsers, nItems, biases; arrays P, Q, bu, bi)', () => {
    const P = Float32Array.of(1, 2, 3, 4), Q = Float32Array.of(0.5, -1), bu = Float32Array.of(0.1, 0.2), bi = Float32Array.of(-0.3)
    const p = loadMf({ kind: 'mf', header: { mu: 3, dim: 2, nUsers: 2, nItems: 1, biases: true }, arrays: { P, Q, bu, bi } })
    const out = predictAll(p, allPairs(2, 1))
    expectClose(out[0]!, 3 + 0.1 - 0.3 + (1 * 0.5 + 2 * -1))
    expectClose(out[1]!, 3 + 0.2 - 0.3 + (3 * 0.5 + 4 * -1))
  })

  it('search: tries the grid on a validation share, records the choice, and trains it on all the ratings', async () => {
    const { data } = sampleSplit()
    const ctx = recordingContext()
    const base = { epochs: 4, learningRate: 0.02 }
    const p = await fitMf(data, mfParams({ ...base, search: true }), ctx)
    const search = p.save().header.search as { reg: number; dim: number; validationRmse: number; validationCount: number; grid: { reg: number; dim: number; rmse: number }[] }
    expect(search.grid.map((g) => [g.reg, g.dim])).toEqual(MF_SEARCH_GRID.reg.flatMap((reg) => MF_SEARCH_GRID.dim.map((dim) => [reg, dim])))
    const best = search.grid.reduce((a, b) => (b.rmse < a.rmse ? b : a))
    expect([search.reg, search.dim, search.validationRmse]).toEqual([best.reg, best.dim, best.rmse])
    expect(search.validationCount).toBe(Math.round(data.train.n * 0.1))
    // Only the final training reports epochs; progress rises to 1.
    expect(ctx.epochs).toHaveLength(base.epochs)
    const fractions = ctx.progress.map((r) => r.fraction)
    expect(fractions.every((f, k) => k === 0 || f >= fractions[k - 1]! - 1e-12)).toBe(true)
    expectClose(fractions.at(-1)!, 1, 1e-12)
    // The final model is exactly the chosen parameters trained on all the training ratings.
    const direct = await fitMf(data, mfParams({ ...base, reg: search.reg, dim: search.dim }), recordingContext())
    expect(p.save().arrays.P).toEqual(direct.save().arrays.P)
  })
})
