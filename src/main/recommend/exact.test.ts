import { describe, expect, it } from 'vitest'
import { Random } from '../lib/random'
import { exactSearch, meanVector, type Direction } from './exact'
import { VectorTable } from './vectors'

const rows = 600
const dim = 13 // not a multiple of 4: exercises the padding
function randomData(seed: number): Float32Array {
  const rng = new Random(seed)
  const data = Float32Array.from({ length: rows * dim }, () => rng.normal())
  data.fill(0, 5 * dim, 6 * dim) // a zero row: cosine 0 with everything
  return data
}
const data = randomData(11)

/** Scores of every row in float64 from the raw data: the reference. */
function allScores(q: Float64Array, metric: 'cosine' | 'euclidean'): number[] {
  const qn = Math.sqrt(q.reduce((s, x) => s + x * x, 0))
  return Array.from({ length: rows }, (_, i) => {
    let dot = 0
    let xx = 0
    let dd = 0
    for (let d = 0; d < dim; d++) {
      const x = data[i * dim + d]!
      dot += q[d]! * x
      xx += x * x
      dd += (q[d]! - x) ** 2
    }
    return metric === 'cosine' ? (xx > 0 && qn > 0 ? dot / Math.sqrt(xx) / qn : 0) : Math.sqrt(dd)
  })
}

function expected(q: Float64Array, k: number, metric: 'cosine' | 'euclidean', direction: Direction, exclude: number[]) {
  const s = allScores(q, metric)
  const larger = (metric === 'cosine') === (direction === 'nearest')
  return Array.from({ length: rows }, (_, i) => i)
    .filter((i) => !exclude.includes(i))
    .sort((a, b) => (larger ? s[b]! - s[a]! : s[a]! - s[b]!) || a - b)
    .slice(0, k)
    .map((index) => ({ index, score: s[index]! }))
}

describe('VectorTable kernels', () => {
  it('the SIMD kernel and the JS loop give the same dot products', () => {
    const simd = new VectorTable(rows, dim, data)
    const js = new VectorTable(rows, dim, data, { simd: false })
    expect(simd.kernel).toBe('simd')
    expect(js.kernel).toBe('js')
    for (const t of [simd, js]) t.query.set(data.subarray(7 * dim, 8 * dim))
    simd.computeDots()
    js.computeDots()
    for (let i = 0; i < rows; i++) {
      let ref = 0
      for (let d = 0; d < dim; d++) ref += data[7 * dim + d]! * data[i * dim + d]!
      expect(simd.dots[i]).toBeCloseTo(ref, 4)
      expect(js.dots[i]).toBeCloseTo(ref, 4)
    }
  })
})

describe('exactSearch', () => {
  const table = new VectorTable(rows, dim, data)
  const cases = (['cosine', 'euclidean'] as const).flatMap((metric) => (['nearest', 'farthest'] as const).map((direction) => ({ metric, direction })))

  it.each(cases)('$metric $direction agrees with sorting all scores', ({ metric, direction }) => {
    for (const qi of [0, 5, 17, rows - 1]) {
      const q = meanVector(table, [qi], metric)
      const got = exactSearch(table, q, 10, metric, direction, [qi])
      const want = expected(Float64Array.from(data.subarray(qi * dim, qi * dim + dim)), 10, metric, direction, [qi])
      if (qi === 5 && metric === 'cosine') {
        // The zero row as query: every cosine is 0, ties broken by index.
        expect(got.map((g) => g.score)).toEqual(Array(10).fill(0))
        continue
      }
      expect(got.map((g) => g.index)).toEqual(want.map((w) => w.index))
      got.forEach((g, j) => expect(g.score).toBeCloseTo(want[j]!.score, 5))
    }
  })

  it.each(cases)('$metric $direction: "more like these" ranks by the mean and leaves the queries out', ({ metric, direction }) => {
    const picks = [3, 40, 41, 300]
    // The mean of the rows, normalised first for cosine.
    const mean = new Float64Array(dim)
    for (const p of picks) {
      let n = 0
      for (let d = 0; d < dim; d++) n += data[p * dim + d]! ** 2
      const w = metric === 'cosine' ? 1 / Math.sqrt(n) : 1
      for (let d = 0; d < dim; d++) mean[d]! += (data[p * dim + d]! * w) / picks.length
    }
    const got = exactSearch(table, meanVector(table, picks, metric), 15, metric, direction, picks)
    const want = expected(mean, 15, metric, direction, picks)
    expect(got.map((g) => g.index)).toEqual(want.map((w) => w.index))
    got.forEach((g, j) => expect(g.score).toBeCloseTo(want[j]!.score, 5))
    for (const p of picks) expect(got.map((g) => g.index)).not.toContain(p)
  })

  it('returns every other row when k exceeds them', () => {
    const got = exactSearch(table, meanVector(table, [1], 'cosine'), rows + 50, 'cosine', 'nearest', [1])
    expect(got).toHaveLength(rows - 1)
    expect(new Set(got.map((g) => g.index)).size).toBe(rows - 1)
  })
})
