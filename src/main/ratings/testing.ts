/**
 * Helpers for the rating models' tests: the synthetic sample ratings as
 * 0-based triples, a seeded random train/test split, a FitContext that
 * records what the fitter reports, and expectClose.
 *
 * The sample (`generateRatings()`: 1,000 users × 600 movies, ~50 ratings
 * each) is r = μ + b_u + b_i + p_u·q_i + ε with ε ~ N(0, 0.5²), so the best
 * achievable test RMSE is about NOISE_SD = 0.5.
 */
import { expect } from 'vitest'
import { generateRatings, type RatingsSample } from '../data/samples'
import { Random } from '../lib/random'
import type { EpochReport, FitContext, Predictor, RatingData, RatingTriples } from './model'

let sample: RatingsSample | null = null

/** The sample ratings (generated once per test file). */
export function ratingsSample(): RatingsSample {
  sample ??= generateRatings()
  return sample
}

/** The sample ratings as triples with 0-based user and item indices (userId − 1, movieId − 1). */
export function sampleTriples(): { nUsers: number; nItems: number; triples: RatingTriples } {
  const s = ratingsSample()
  const n = s.ratings.length
  const triples: RatingTriples = { n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) }
  s.ratings.forEach((r, k) => {
    triples.user[k] = r.user - 1
    triples.item[k] = r.movie - 1
    triples.rating[k] = r.rating
  })
  return { nUsers: s.userBias.length, nItems: s.movies.length, triples }
}

/** Picks the triples at the given indices. */
export function pickTriples(t: RatingTriples, indices: ArrayLike<number>): RatingTriples {
  const n = indices.length
  const out: RatingTriples = { n, user: new Int32Array(n), item: new Int32Array(n), rating: new Float32Array(n) }
  for (let k = 0; k < n; k++) {
    const j = indices[k]!
    out.user[k] = t.user[j]!
    out.item[k] = t.item[j]!
    out.rating[k] = t.rating[j]!
  }
  return out
}

/** Seeded random split: round(n · testRatio) ratings, drawn uniformly, go to the test part. */
export function randomSplit(t: RatingTriples, testRatio: number, seed: number): { train: RatingTriples; test: RatingTriples } {
  const order = Array.from({ length: t.n }, (_, k) => k)
  new Random(seed).shuffle(order)
  const nTest = Math.round(t.n * testRatio)
  return { train: pickTriples(t, order.slice(nTest)), test: pickTriples(t, order.slice(0, nTest)) }
}

/** Min and max rating of triples. */
export function scaleOf(t: RatingTriples): { min: number; max: number } {
  let min = Infinity, max = -Infinity
  for (let k = 0; k < t.n; k++) {
    min = Math.min(min, t.rating[k]!)
    max = Math.max(max, t.rating[k]!)
  }
  return { min, max }
}

/** The sample with an 80/20 (by default) random split: the RatingData to fit and the test triples. */
export function sampleSplit(testRatio = 0.2, seed = 1): { data: RatingData; test: RatingTriples } {
  const { nUsers, nItems, triples } = sampleTriples()
  const { train, test } = randomSplit(triples, testRatio, seed)
  return { data: { nUsers, nItems, train, validation: null, scale: scaleOf(triples) }, test }
}

/** Triples from [user, item, rating] rows. */
export function triplesOf(rows: readonly (readonly [number, number, number])[]): RatingTriples {
  return {
    n: rows.length,
    user: Int32Array.from(rows, (r) => r[0]),
    item: Int32Array.from(rows, (r) => r[1]),
    rating: Float32Array.from(rows, (r) => r[2]),
  }
}

/** A tiny dataset from rows, scale = min/max of the ratings. */
export function tinyData(nUsers: number, nItems: number, rows: readonly (readonly [number, number, number])[]): RatingData {
  const train = triplesOf(rows)
  return { nUsers, nItems, train, validation: null, scale: scaleOf(train) }
}

export interface RecordingContext extends FitContext {
  epochs: EpochReport[]
  progress: { fraction: number; message: string }[]
}

/** A FitContext that records epochs and progress; `stopAfter` returns 'stop' after that many epochs. */
export function recordingContext(options: { stopAfter?: number } = {}): RecordingContext {
  const epochs: EpochReport[] = []
  const progress: { fraction: number; message: string }[] = []
  return {
    epochs,
    progress,
    threads: 1,
    engine: 'sparse',
    onEpoch(report) {
      epochs.push(report)
      return Promise.resolve(options.stopAfter !== undefined && epochs.length >= options.stopAfter ? 'stop' : 'continue')
    },
    onProgress(fraction, message) {
      progress.push({ fraction, message })
    },
  }
}

/** Predictions of p for every triple. */
export function predictAll(p: Predictor, t: RatingTriples): Float32Array {
  const out = new Float32Array(t.n)
  p.predict(t.n, t.user, t.item, out)
  return out
}

/** Every (user, item) pair of a small grid, as triples with rating 0. */
export function allPairs(nUsers: number, nItems: number): RatingTriples {
  const rows: [number, number, number][] = []
  for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems; i++) rows.push([u, i, 0])
  return triplesOf(rows)
}

export function expectClose(actual: number, expected: number, eps = 1e-6): void {
  expect(Math.abs(actual - expected), `${actual} ≈ ${expected} (±${eps})`).toBeLessThanOrEqual(eps)
}

/** The largest |a[k] − b[k]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!))
  return m
}

/** save() → JSON round trip of the header → load: what a store would do with it. */
export function roundTrip<P extends Predictor>(p: P, load: (saved: ReturnType<P['save']>) => Predictor): Predictor {
  const saved = p.save()
  const header = JSON.parse(JSON.stringify(saved.header)) as Record<string, unknown>
  const arrays = Object.fromEntries(Object.entries(saved.arrays).map(([k, a]) => [k, a.slice()]))
  return load({ kind: saved.kind, header, arrays } as ReturnType<P['save']>)
}
