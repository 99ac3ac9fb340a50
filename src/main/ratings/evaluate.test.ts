import { describe, expect, it } from 'vitest'
import { expectClose } from '../data/testing'
import { auc, evaluatePredictor, hitAtK, mae, ndcgAtK, precisionAtK, recallAtK, relevantThreshold, rmse, topK } from './evaluate'
import type { Predictor, RatingTriples } from './model'
import type { RatingSplit } from './split'

const SCALE = { min: 1, max: 5 }
const inSet = (items: number[]) => (i: number) => items.includes(i)

describe('accuracy metrics', () => {
  it('clip predictions to the scale', () => {
    // clipped predictions [1, 3, 5] against [1, 4, 5]: errors [0, −1, 0]
    const pred = [0.5, 3, 6]
    const actual = [1, 4, 5]
    expectClose(rmse(pred, actual, SCALE), Math.sqrt((0 + 1 + 0) / 3))
    expectClose(mae(pred, actual, SCALE), (0 + 1 + 0) / 3)
    expect(rmse([], [], SCALE)).toBeNaN()
  })

  it('relevance starts 75 % up the scale', () => {
    expect(relevantThreshold({ min: 1, max: 5 })).toBe(4) // 1 + 0.75 · 4
    expect(relevantThreshold({ min: 0.5, max: 5 })).toBe(3.875) // 0.5 + 0.75 · 4.5
  })
})

describe('ranking metrics', () => {
  it('topK: best first, ties by lower index, NaN last, candidates only', () => {
    const scores = [0.1, 0.9, 0.5, 0.9, Number.NaN, 0.7]
    expect(topK(scores, 3)).toEqual([1, 3, 5])
    expect(topK(scores, 3, (i) => i !== 1)).toEqual([3, 5, 2])
    expect(topK(scores, 10)).toEqual([1, 3, 5, 2, 0, 4])
    expect(topK(scores, 0)).toEqual([])
  })

  it('topK agrees with a full sort on random scores', () => {
    let x = 7
    const scores = Array.from({ length: 500 }, () => ((x = (x * 48271) % 2147483647), Math.floor((x / 2147483647) * 50)))
    const full = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)
    expect(topK(scores, 17)).toEqual(full.slice(0, 17))
  })

  it('precision, recall, NDCG and hit at K on a hand-worked list', () => {
    const top = [4, 2, 7]
    const rel = inSet([2, 7, 9])
    // hits at ranks 2 and 3
    expectClose(precisionAtK(top, rel, 3), 2 / 3)
    expectClose(recallAtK(top, rel, 3), 2 / 3)
    // NDCG@3 = (1/log2(3) + 1/log2(4)) / (1/log2(2) + 1/log2(3) + 1/log2(4))
    expectClose(ndcgAtK(top, rel, 3, 3), (1 / Math.log2(3) + 1 / Math.log2(4)) / (1 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4)))
    expect(hitAtK(top, rel)).toBe(1)
    expect(hitAtK([4, 5], rel)).toBe(0)
  })

  it('NDCG normalises by min(K, |R|) ideal hits; precision divides by K even with fewer candidates', () => {
    // one relevant item at rank 2: NDCG@3 = (1/log2(3)) / (1/log2(2))
    expectClose(ndcgAtK([5, 1, 3], inSet([1]), 1, 3), 1 / Math.log2(3) / 1)
    // two relevant items, hits at ranks 1 and 3 of 3, K = 5: (1/log2(2) + 1/log2(4)) / (1/log2(2) + 1/log2(3))
    expectClose(ndcgAtK([1, 0, 2], inSet([1, 2]), 2, 5), (1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)))
    expectClose(precisionAtK([1, 0, 2], inSet([1, 2]), 5), 2 / 5)
    expectClose(recallAtK([1, 0, 2], inSet([1, 2]), 2), 2 / 2)
  })

  it('AUC counts pairs won, ties ½', () => {
    // 0.8 beats 0.5, 0.4, 0.1 (3); 0.4 beats 0.1 and ties 0.4 (1 + ½): 4.5 of 2 · 3 pairs
    expectClose(auc([0.8, 0.4], [0.5, 0.4, 0.1])!, (3 + 1.5) / 6)
    expect(auc([1, 2], [0])).toBe(1)
    expect(auc([0], [1, 2])).toBe(0)
    expect(auc([Number.NaN], [0])).toBe(0) // NaN ranks last
    expect(auc([], [1])).toBeNull()
    expect(auc([1], [])).toBeNull()
  })
})

// 3 users × 5 items on a 1–5 scale.
//   train       u0: items 0, 1   u1: item 2   u2: item 0
//   validation  u0: item 4
//   test        u0: item 2 (5), item 3 (2)   u1: item 0 (4), item 1 (1)   u2: item 1 (3)
// Relevant (≥ 4): u0 {2}, u1 {0}; u2 has none and is not ranked.
const triples = (rows: [number, number, number][]): RatingTriples => ({
  n: rows.length,
  user: Int32Array.from(rows.map((r) => r[0])),
  item: Int32Array.from(rows.map((r) => r[1])),
  rating: Float32Array.from(rows.map((r) => r[2])),
})
const SPLIT: RatingSplit = {
  kind: 'random',
  nUsers: 3,
  nItems: 5,
  train: triples([
    [0, 0, 3],
    [0, 1, 4],
    [1, 2, 5],
    [2, 0, 2],
  ]),
  validation: triples([[0, 4, 1]]),
  test: triples([
    [0, 2, 5],
    [0, 3, 2],
    [1, 0, 4],
    [1, 1, 1],
    [2, 1, 3],
  ]),
  scale: SCALE,
}

/** A predictor from a rule: predict(u, i) and score(u, i). */
function fakePredictor(predict: (u: number, i: number) => number, score: (u: number, i: number) => number): Predictor {
  return {
    kind: 'fake',
    predict(n, user, item, out) {
      for (let k = 0; k < n; k++) out[k] = predict(user[k]!, item[k]!)
    },
    scoreUser(u, out) {
      for (let i = 0; i < out.length; i++) out[i] = score(u, i)
    },
    save: () => ({ kind: 'fake', header: {}, arrays: {} }),
  }
}

const testRating = (u: number, i: number): number | undefined => {
  for (let k = 0; k < SPLIT.test.n; k++) if (SPLIT.test.user[k] === u && SPLIT.test.item[k] === i) return SPLIT.test.rating[k]
  return undefined
}
const seen = (u: number, i: number): boolean =>
  [SPLIT.train, SPLIT.validation!].some((t) => Array.from(t.user).some((v, k) => v === u && t.item[k] === i))

// Scores = the test ratings (0 elsewhere), and training/validation items scored highest: they must be skipped.
const perfect = fakePredictor(
  (u, i) => testRating(u, i) ?? 3,
  (u, i) => (seen(u, i) ? 10 : (testRating(u, i) ?? 0)),
)

describe('evaluatePredictor', () => {
  it('a perfect predictor: RMSE 0, hit rate 1, AUC 1', () => {
    const progress: number[] = []
    const e = evaluatePredictor(perfect, SPLIT, { k: 2, onProgress: (f) => progress.push(f) })
    // u0: candidates 2, 3 → top-2 [2, 3], R = {2}; u1: candidates 0, 1, 3, 4 → top-2 [0, 1], R = {0}
    expect(e).toMatchObject({ rmse: 0, mae: 0, precision: 1 / 2, recall: 1, ndcg: 1, hitRate: 1, auc: 1, rankedUsers: 2, note: null })
    expect(progress.at(-1)).toBe(1)
  })

  it('a reversed predictor: AUC 0', () => {
    // predict 6 − r: test predictions [1, 4, 2, 5, 3] against [5, 2, 4, 1, 3]
    // scores 6 − r on test items, 2.5 on the other candidates: every relevant item ranks below every other candidate
    const reversed = fakePredictor(
      (u, i) => 6 - (testRating(u, i) ?? 3),
      (u, i) => {
        const r = testRating(u, i)
        return r === undefined ? 2.5 : 6 - r
      },
    )
    const e = evaluatePredictor(reversed, SPLIT, { k: 2 })
    expectClose(e.rmse!, Math.sqrt((16 + 4 + 4 + 16 + 0) / 5))
    expectClose(e.mae!, (4 + 2 + 2 + 4 + 0) / 5)
    expect(e.auc).toBe(0)
    // u0: top-2 [3, 2], hit at rank 2; u1: top-2 [1, 3], no hit
    expectClose(e.precision!, (1 / 2 + 0) / 2)
    expectClose(e.recall!, (1 + 0) / 2)
    expectClose(e.ndcg!, (1 / Math.log2(3) + 0) / 2) // u0: (1/log2(3)) / (1/log2(2))
    expectClose(e.hitRate!, (1 + 0) / 2)
  })

  it('leave-last-out counts every test item as relevant; AUC skips users without a non-relevant candidate', () => {
    const e = evaluatePredictor(perfect, { ...SPLIT, kind: 'leave-last-out' }, { k: 2 })
    // u0: R = {2, 3} = all candidates (no AUC); u1: R = {0, 1}; u2: R = {1}, top-2 [1, 2]
    expect(e.rankedUsers).toBe(3)
    expectClose(e.precision!, (1 + 1 + 1 / 2) / 3)
    expectClose(e.recall!, 1)
    expect(e.auc).toBe(1)
  })

  it('AUC with ties equals auc() over each user\'s relevant items against the other candidates', () => {
    const s = (u: number, i: number) => (u * 7 + i * 3) % 4 // ties on purpose
    const e = evaluatePredictor(fakePredictor(() => 3, s), SPLIT, { k: 2 })
    // u0: R = {2} against candidate 3; u1: R = {0} against candidates 1, 3, 4
    const expected = (auc([s(0, 2)], [s(0, 3)])! + auc([s(1, 0)], [s(1, 1), s(1, 3), s(1, 4)])!) / 2
    expectClose(e.auc!, expected)
  })

  it('samples the ranked users beyond maxRankUsers, seeded, and says so', () => {
    const a = evaluatePredictor(perfect, SPLIT, { k: 2, maxRankUsers: 1, seed: 3 })
    expect(a.rankedUsers).toBe(1)
    expect(a.note).toMatch(/sample of 1 of the 2 test users/)
    expect(evaluatePredictor(perfect, SPLIT, { k: 2, maxRankUsers: 1, seed: 3 })).toEqual(a)
  })

  it('an empty test set gives null metrics', () => {
    const e = evaluatePredictor(perfect, { ...SPLIT, test: triples([]) }, { k: 2 })
    expect(e).toMatchObject({ rmse: null, mae: null, precision: null, auc: null, rankedUsers: 0 })
  })
})
