/**
 * Test helpers of the tfjs rating models: the synthetic sample ratings
 * (../../data/samples: 1,000 users × 600 movies, planted factors, noise sd
 * 0.5, so the best test RMSE is ≈ 0.5) split 80/20 by a seeded shuffle, two
 * reference baselines written out in closed form, and a FitContext that
 * records the epochs.
 */
import { expect } from 'vitest'
import { generateRatings } from '../../data/samples'
import { Random } from '../../lib/random'
import { meanRating, rmseOf, type EpochReport, type FitContext, type Predictor, type RatingData, type RatingTriples, type SavedModel } from '../model'

export interface SyntheticSplit {
  data: RatingData
  test: RatingTriples
}

function triples(n: number): RatingTriples {
  return { n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) }
}

const cache = new Map<string, SyntheticSplit>()

/** The sample ratings with 0-based ids, a seeded share held out as the test (no validation share). */
export function syntheticRatings(splitSeed = 1, testRatio = 0.2): SyntheticSplit {
  const key = `${splitSeed}:${testRatio}`
  const hit = cache.get(key)
  if (hit) return hit
  const sample = generateRatings()
  const all = sample.ratings
  const order = new Random(splitSeed).shuffle(all.map((_, k) => k))
  const nTest = Math.round(all.length * testRatio)
  const train = triples(all.length - nTest)
  const test = triples(nTest)
  let min = Infinity
  let max = -Infinity
  order.forEach((e, k) => {
    const r = all[e]!
    const t = k < nTest ? test : train
    const j = k < nTest ? k : k - nTest
    t.user[j] = r.user - 1
    t.item[j] = r.movie - 1
    t.rating[j] = r.rating
    min = Math.min(min, r.rating)
    max = Math.max(max, r.rating)
  })
  const split = { data: { nUsers: sample.userBias.length, nItems: sample.movies.length, train, validation: null, scale: { min, max } }, test }
  cache.set(key, split)
  return split
}

/** A smaller problem for the many short fits: the first `users` users and `items` items (ids kept). */
export function subset(split: SyntheticSplit, users: number, items: number): SyntheticSplit {
  const keep = (t: RatingTriples) => {
    const out = triples(t.n)
    let n = 0
    for (let k = 0; k < t.n; k++) {
      if (t.user[k]! >= users || t.item[k]! >= items) continue
      out.user[n] = t.user[k]!
      out.item[n] = t.item[k]!
      out.rating[n++] = t.rating[k]!
    }
    out.n = n
    return out
  }
  return { data: { ...split.data, nUsers: users, nItems: items, train: keep(split.data.train) }, test: keep(split.test) }
}

/** RMSE of predicting the mean training rating everywhere. */
export function globalMeanRmse({ data, test }: SyntheticSplit): number {
  const mu = meanRating(data.train)
  let s = 0
  for (let k = 0; k < test.n; k++) s += (test.rating[k]! - mu) ** 2
  return Math.sqrt(s / test.n)
}

/**
 * RMSE of the bias baseline r̂ = μ + b_u + b_i by alternating least squares
 * (Surprise's BaselineOnly, its defaults: 10 passes, reg 15 users, 10 items):
 *   b_u = Σ_{i ∈ I(u)} (r − μ − b_i) / (regUser + |I(u)|),  b_i likewise.
 */
export function biasBaselineRmse({ data, test }: SyntheticSplit, passes = 10, regUser = 15, regItem = 10): number {
  const { train, nUsers, nItems } = data
  const mu = meanRating(train)
  const bu = new Float64Array(nUsers)
  const bi = new Float64Array(nItems)
  const sum = new Float64Array(Math.max(nUsers, nItems))
  const count = new Float64Array(Math.max(nUsers, nItems))
  for (let pass = 0; pass < passes; pass++) {
    sum.fill(0)
    count.fill(0)
    for (let k = 0; k < train.n; k++) {
      sum[train.user[k]!]! += train.rating[k]! - mu - bi[train.item[k]!]!
      count[train.user[k]!]! += 1
    }
    for (let u = 0; u < nUsers; u++) bu[u] = sum[u]! / (regUser + count[u]!)
    sum.fill(0)
    count.fill(0)
    for (let k = 0; k < train.n; k++) {
      sum[train.item[k]!]! += train.rating[k]! - mu - bu[train.user[k]!]!
      count[train.item[k]!]! += 1
    }
    for (let i = 0; i < nItems; i++) bi[i] = sum[i]! / (regItem + count[i]!)
  }
  let s = 0
  for (let k = 0; k < test.n; k++) {
    const r = Math.min(data.scale.max, Math.max(data.scale.min, mu + bu[test.user[k]!]! + bi[test.item[k]!]!))
    s += (test.rating[k]! - r) ** 2
  }
  return Math.sqrt(s / test.n)
}

export function testRmse(p: Predictor, { data, test }: SyntheticSplit): number {
  return rmseOf(p, test, data.scale)
}

/** A FitContext that records each epoch's loss and can stop after `stopAfter` epochs. */
export function recordingContext(stopAfter = Infinity): FitContext & { losses: number[]; reports: Omit<EpochReport, 'predictor'>[] } {
  const losses: number[] = []
  const reports: Omit<EpochReport, 'predictor'>[] = []
  return {
    losses,
    reports,
    threads: 1,
    engine: 'tfjs',
    async onEpoch({ predictor: _predictor, ...report }) {
      losses.push(report.loss)
      reports.push(report)
      return report.epoch >= stopAfter ? 'stop' : 'continue'
    },
  }
}

/** Predictions of p for the first n triples. */
export function predictAll(p: Predictor, t: RatingTriples): Float32Array {
  const out = new Float32Array(t.n)
  p.predict(t.n, t.user, t.item, out)
  return out
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, eps: number): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!))
  expect(worst).toBeLessThanOrEqual(eps)
}

/** A saved model as it comes back from disk: arrays copied, header through JSON. */
export function roundTrip(saved: SavedModel): SavedModel {
  const arrays: SavedModel['arrays'] = {}
  for (const [k, a] of Object.entries(saved.arrays)) arrays[k] = a.slice()
  return { kind: saved.kind, header: JSON.parse(JSON.stringify(saved.header)) as Record<string, unknown>, arrays }
}
