import { describe, expect, it } from 'vitest'
import { BiasBaselineParams, UserKnnParams } from '../../shared/ratings'
import { Random } from '../lib/random'
import { fitBiasBaseline } from './baselines'
import { buildCsr } from './csr'
import { createUserKnn, fitUserKnn, loadUserKnn } from './knn'
import { rmseOf, type RatingData } from './model'
import { allPairs, expectClose, predictAll, recordingContext, roundTrip, sampleSplit, tinyData } from './testing'

const knnParams = (over: Partial<UserKnnParams> = {}): UserKnnParams => UserKnnParams.parse({ model: 'user-knn', ...over })

/**
 * 30 users × 20 items, ~40 % rated uniformly in [1, 5] (continuous, so that
 * no two similarities tie), seeded; users 28 and 29 rate nothing.
 */
function smallData(): RatingData {
  const rng = new Random(11)
  const rows: [number, number, number][] = []
  for (let u = 0; u < 28; u++) for (let i = 0; i < 20; i++) if (rng.chance(0.4)) rows.push([u, i, Math.round(1000 * (1 + 4 * rng.float())) / 1000])
  return tinyData(30, 20, rows)
}

/** The file comment's formulas, written out naively over dense maps. */
function reference(data: RatingData, p: UserKnnParams): (u: number, i: number) => number {
  const ratings = Array.from({ length: data.nUsers }, () => new Map<number, number>())
  for (let k = 0; k < data.train.n; k++) ratings[data.train.user[k]!]!.set(data.train.item[k]!, data.train.rating[k]!)
  const all = [...ratings.flatMap((m) => [...m.values()])]
  const mu = all.reduce((a, b) => a + b, 0) / all.length
  const mean = ratings.map((m) => (m.size ? [...m.values()].reduce((a, b) => a + b, 0) / m.size : mu))
  const sim = (u: number, v: number): number => {
    const common = [...ratings[u]!.keys()].filter((i) => ratings[v]!.has(i))
    const n = common.length
    if (n < p.minSupport) return 0
    const x = common.map((i) => ratings[u]!.get(i)!), y = common.map((i) => ratings[v]!.get(i)!)
    const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n
    const [cx, cy] = p.similarity === 'pearson' ? [x.map((a) => a - mx), y.map((b) => b - my)] : [x, y]
    const num = cx.reduce((s, a, j) => s + a * cy[j]!, 0)
    const den = Math.sqrt(cx.reduce((s, a) => s + a * a, 0) * cy.reduce((s, b) => s + b * b, 0))
    return den > 1e-9 ? ((num / den) * n) / (n + p.shrinkage) : 0
  }
  return (u, i) => {
    const neighbours = ratings
      .map((m, v) => ({ v, s: v !== u && m.has(i) ? sim(u, v) : 0 }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s || a.v - b.v)
      .slice(0, p.k)
    if (neighbours.length === 0) return mean[u]!
    const den = neighbours.reduce((s, x) => s + Math.abs(x.s), 0)
    if (p.meanCentering) return mean[u]! + neighbours.reduce((s, x) => s + x.s * (ratings[x.v]!.get(i)! - mean[x.v]!), 0) / den
    return neighbours.reduce((s, x) => s + x.s * ratings[x.v]!.get(i)!, 0) / den
  }
}

describe('user kNN', () => {
  it.each([
    { similarity: 'pearson' as const },
    { similarity: 'cosine' as const },
    { meanCentering: false },
    { k: 3, shrinkage: 0 },
    { minSupport: 4, shrinkage: 100 },
  ])('predicts by the formulas (%o)', async (change) => {
    const data = smallData()
    const params = knnParams(change)
    const p = await fitUserKnn(data, params, recordingContext())
    const expected = reference(data, params)
    const pairs = allPairs(data.nUsers, data.nItems)
    const out = predictAll(p, pairs)
    for (let k = 0; k < pairs.n; k++) expectClose(out[k]!, expected(pairs.user[k]!, pairs.item[k]!), 1e-4)
  })

  it('falls back to the user mean without neighbours, to the global mean without ratings', async () => {
    const data = tinyData(3, 3, [
      [0, 0, 4],
      [0, 1, 2],
      [1, 2, 5],
    ])
    const p = await fitUserKnn(data, knnParams({ minSupport: 1 }), recordingContext())
    const out = predictAll(p, allPairs(3, 3))
    for (let i = 0; i < 3; i++) {
      expectClose(out[i]!, (4 + 2) / 2) // user 0 shares no item with anyone
      expectClose(out[6 + i]!, (4 + 2 + 5) / 3) // user 2 rated nothing
    }
  })

  it('computes similarities on demand with bit-identical results', async () => {
    const { data, test } = sampleSplit()
    const params = knnParams()
    const ctx = recordingContext()
    const precomputed = await fitUserKnn(data, params, ctx)
    const onDemand = createUserKnn(data.nUsers, data.nItems, data.train, params, 0)
    const some = { ...test, n: 3000 }
    expect(predictAll(onDemand, some)).toEqual(predictAll(precomputed, some))
    const [a, b] = [new Float32Array(data.nItems), new Float32Array(data.nItems)]
    precomputed.scoreUser(5, a)
    onDemand.scoreUser(5, b)
    expect(b).toEqual(a)
    expect(ctx.progress.at(-1)?.fraction).toBe(1)
  })

  it('beats the bias baseline on the synthetic ratings', async () => {
    const { data, test } = sampleSplit()
    const knn = rmseOf(await fitUserKnn(data, knnParams(), recordingContext()), test, data.scale)
    const bias = rmseOf(await fitBiasBaseline(data, BiasBaselineParams.parse({ model: 'bias-baseline' }), recordingContext()), test, data.scale)
    // Measured with the defaults (pearson, k 40, mean-centred): kNN 0.722, bias baseline 0.782.
    expect(knn).toBeLessThan(bias - 0.03)
  })

  it.each([
    ['similarity', { similarity: 'cosine' }],
    ['k', { k: 10 }],
    ['meanCentering', { meanCentering: false }],
    ['minSupport', { minSupport: 5 }],
    ['shrinkage', { shrinkage: 50 }],
  ] as const)('changing %s changes the predictions', async (_name, change) => {
    const { data, test } = sampleSplit()
    const some = { ...test, n: 2000 }
    const a = predictAll(await fitUserKnn(data, knnParams(), recordingContext()), some)
    const b = predictAll(await fitUserKnn(data, knnParams(change), recordingContext()), some)
    expect(b).not.toEqual(a)
  })

  it('survives save → load (similarities recomputed), and scoreUser agrees with predict', async () => {
    const { data, test } = sampleSplit()
    const p = await fitUserKnn(data, knnParams(), recordingContext())
    const q = roundTrip(p, loadUserKnn)
    expect(predictAll(q, test)).toEqual(predictAll(p, test))
    const [a, b] = [new Float32Array(data.nItems), new Float32Array(data.nItems)]
    p.scoreUser(11, a)
    q.scoreUser(11, b)
    expect(b).toEqual(a)
    const row = { n: data.nItems, user: new Int32Array(data.nItems).fill(11), item: Int32Array.from({ length: data.nItems }, (_, i) => i), rating: new Float32Array(data.nItems) }
    expect(a).toEqual(predictAll(p, row))
  })

  it('builds CSR rows sorted by the other index', () => {
    const data = smallData()
    for (const by of ['user', 'item'] as const) {
      const m = buildCsr(data.train, data.nUsers, data.nItems, by)
      expect(m.ptr.at(-1)).toBe(data.train.n)
      for (let r = 0; r + 1 < m.ptr.length; r++) for (let k = m.ptr[r]! + 1; k < m.ptr[r + 1]!; k++) expect(m.index[k]!).toBeGreaterThan(m.index[k - 1]!)
    }
  })
})
