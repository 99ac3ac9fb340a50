import { describe, expect, it } from 'vitest'
import { Random } from '../lib/random'
import { nearestByCosine, normalizeRows, topK } from './neighbours'

describe('nearest neighbours by cosine', () => {
  it('agrees with sorting all cosines on random data', () => {
    const rng = new Random(3)
    const rows = 500
    const dim = 8
    const data = Float32Array.from({ length: rows * dim }, () => rng.normal())
    const table = normalizeRows(rows, dim, data)
    const cos = (a: number, b: number) => {
      let dot = 0
      let na = 0
      let nb = 0
      for (let d = 0; d < dim; d++) {
        dot += data[a * dim + d]! * data[b * dim + d]!
        na += data[a * dim + d]! ** 2
        nb += data[b * dim + d]! ** 2
      }
      return dot / Math.sqrt(na * nb)
    }
    for (const q of [0, 17, 499]) {
      const expected = Array.from({ length: rows }, (_, i) => i)
        .filter((i) => i !== q)
        .sort((a, b) => cos(q, b) - cos(q, a))
        .slice(0, 10)
      const got = nearestByCosine(table, q, 10)
      expect(got.map((g) => g.index)).toEqual(expected)
      got.forEach((g) => expect(g.score).toBeCloseTo(cos(q, g.index), 5))
    }
  })

  it('topK keeps the k largest, best first, and handles k larger than the input', () => {
    expect(topK(Float32Array.from([0.1, 0.9, -1, 0.5]), 2)).toEqual([
      { index: 1, score: expect.closeTo(0.9, 6) },
      { index: 3, score: expect.closeTo(0.5, 6) },
    ])
    expect(topK(Float32Array.from([1, -Infinity]), 5).map((x) => x.index)).toEqual([0])
  })
})
