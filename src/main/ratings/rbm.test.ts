import { describe, expect, it } from 'vitest'
import { GlobalMeanParams, RbmParams } from '../../shared/ratings'
import { Random } from '../lib/random'
import { fitGlobalMean } from './baselines'
import { rmseOf, type RatingData } from './model'
import { fitRbm, levelOf, loadRbm, ratingLevels } from './rbm'
import { allPairs, expectClose, predictAll, recordingContext, roundTrip, sampleSplit, tinyData, triplesOf } from './testing'

const rbmParams = (over: Partial<RbmParams> = {}): RbmParams => RbmParams.parse({ model: 'rbm', ...over })
const QUICK = { hidden: 8, epochs: 4, learningRate: 0.1 } as const

/** 40 users × 25 items, ~30 % rated with 1–5 stars (item i leans to 1 + i mod 5), seeded. */
function smallData(): RatingData {
  const rng = new Random(5)
  const rows: [number, number, number][] = []
  for (let u = 0; u < 40; u++) for (let i = 0; i < 25; i++) if (rng.chance(0.3)) rows.push([u, i, rng.chance(0.6) ? 1 + (i % 5) : 1 + rng.int(5)])
  return tinyData(40, 25, rows)
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))

describe('rating levels', () => {
  it('uses the distinct ratings when there are few, else the integer grid', () => {
    expect(Array.from(ratingLevels(triplesOf([[0, 0, 5], [0, 1, 1], [0, 2, 3], [1, 0, 3]])))).toEqual([1, 3, 5])
    const halfStars = Array.from({ length: 10 }, (_, k) => [0, k, 0.5 * (k + 1)] as const)
    expect(Array.from(ratingLevels(triplesOf(halfStars)))).toEqual(halfStars.map((r) => r[2]))
    const continuous = Array.from({ length: 30 }, (_, k) => [0, k, 0.6 + 0.15 * k] as const) // 0.6 … 4.95
    expect(Array.from(ratingLevels(triplesOf(continuous)))).toEqual([1, 2, 3, 4, 5]) // round(0.6) … round(4.95)
    const grid = Float64Array.of(1, 2, 3, 4, 5)
    expect([0.6, 2.4, 2.6, 4.95, 7].map((r) => levelOf(grid, r))).toEqual([0, 1, 2, 4, 4])
  })
})

describe('RBM-CF', () => {
  it.each(['user', 'item'] as const)('predicts Σ_k level_k · p(v = k | p(h | V)) (%s-based)', async (orientation) => {
    const data = smallData()
    const p = await fitRbm(data, rbmParams({ ...QUICK, orientation }), recordingContext())
    const { header, arrays } = p.save()
    const levels = header.levels as number[]
    const K = levels.length, F = QUICK.hidden
    const W = arrays.W as Float32Array, b = arrays.visibleBias as Float32Array, c = arrays.hiddenBias as Float32Array
    const t = data.train
    const expected = (u: number, i: number): number => {
      const [cs, target] = orientation === 'user' ? [u, i] : [i, u]
      // p(h_j | V) = σ(c_j + Σ_{rated} W[visible][level][j]) over the case's training ratings.
      const h = Array.from({ length: F }, (_, j) => {
        let a = c[j]!
        for (let k = 0; k < t.n; k++) {
          const [case_, visible] = orientation === 'user' ? [t.user[k]!, t.item[k]!] : [t.item[k]!, t.user[k]!]
          if (case_ === cs) a += W[(visible * K + levels.indexOf(t.rating[k]!)) * F + j]!
        }
        return sigmoid(a)
      })
      const logits = levels.map((_, k) => b[target * K + k]! + h.reduce((s, hj, j) => s + hj * W[(target * K + k) * F + j]!, 0))
      const z = logits.reduce((s, l) => s + Math.exp(l), 0)
      return levels.reduce((s, level, k) => s + (level * Math.exp(logits[k]!)) / z, 0)
    }
    const pairs = allPairs(data.nUsers, data.nItems)
    const out = predictAll(p, pairs)
    for (let k = 0; k < pairs.n; k += 7) expectClose(out[k]!, expected(pairs.user[k]!, pairs.item[k]!), 1e-5)
  })

  it('beats the global mean on the synthetic ratings', async () => {
    const { data, test } = sampleSplit()
    const global = rmseOf(await fitGlobalMean(data, GlobalMeanParams.parse({ model: 'global-mean' }), recordingContext()), test, data.scale)
    const rbm = rmseOf(await fitRbm(data, rbmParams({ hidden: 20, epochs: 20, learningRate: 0.1 }), recordingContext()), test, data.scale)
    // Measured: RBM 0.796, global mean 0.961 (bias baseline 0.782; the defaults give 0.884 in 30 epochs,
    // hidden 50 / lr 0.1 / weight decay 0.01 / 30 epochs 0.777). The ratings are continuous, so the
    // RBM sees them rounded to the 10 integer levels −2 … 7.
    expect(rbm).toBeLessThan(global - 0.1)
  })

  it('reports each epoch (examples = cases with ratings, loss = reconstruction MSE) and honours stop', async () => {
    const data = smallData()
    const ctx = recordingContext()
    await fitRbm(data, rbmParams({ ...QUICK, epochs: 3 }), ctx)
    const users = new Set(Array.from(data.train.user.subarray(0, data.train.n))).size
    expect(ctx.epochs.map((e) => [e.epoch, e.epochs, e.examples])).toEqual([1, 2, 3].map((n) => [n, 3, users]))
    for (const e of ctx.epochs) expect(e.loss).toBeGreaterThan(0)
    const stopped = recordingContext({ stopAfter: 1 })
    const p = await fitRbm(data, rbmParams({ ...QUICK, epochs: 3 }), stopped)
    expect(stopped.epochs).toHaveLength(1)
    expect(predictAll(p, data.train)).toEqual(predictAll(stopped.epochs[0]!.predictor, data.train))
  })

  it.each([
    ['orientation', { orientation: 'item' }],
    ['hidden', { hidden: 9 }],
    ['epochs', { epochs: 5 }],
    ['batchSize', { batchSize: 8 }],
    ['learningRate', { learningRate: 0.2 }],
    ['cdSteps', { cdSteps: 2 }],
    ['momentum', { momentum: 0.9 }],
    ['weightDecay', { weightDecay: 0.01 }],
    ['seed', { seed: 1 }],
  ] as const)('changing %s changes the predictions', async (_name, change) => {
    const data = smallData()
    const pairs = allPairs(data.nUsers, data.nItems)
    const a = predictAll(await fitRbm(data, rbmParams(QUICK), recordingContext()), pairs)
    const b = predictAll(await fitRbm(data, rbmParams({ ...QUICK, ...change }), recordingContext()), pairs)
    expect(b).not.toEqual(a)
  })

  it('the same seed gives bit-identical weights', async () => {
    const data = smallData()
    const a = (await fitRbm(data, rbmParams({ ...QUICK, cdSteps: 2 }), recordingContext())).save()
    const b = (await fitRbm(data, rbmParams({ ...QUICK, cdSteps: 2 }), recordingContext())).save()
    expect(b.arrays).toEqual(a.arrays)
  })

  it.each(['user', 'item'] as const)('survives save → load, and scoreUser agrees with predict (%s-based)', async (orientation) => {
    const data = smallData()
    const p = await fitRbm(data, rbmParams({ ...QUICK, orientation }), recordingContext())
    const q = roundTrip(p, loadRbm)
    const pairs = allPairs(data.nUsers, data.nItems)
    const out = predictAll(p, pairs)
    expect(predictAll(q, pairs)).toEqual(out)
    const scores = new Float32Array(data.nItems)
    q.scoreUser(6, scores)
    expect(scores).toEqual(out.subarray(6 * data.nItems, 7 * data.nItems))
  })
})
