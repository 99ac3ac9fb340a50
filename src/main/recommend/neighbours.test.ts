import { describe, expect, it } from 'vitest'
import { normalizeRows, topK } from './neighbours'

describe('top-k building blocks', () => {
  it('normalises rows to unit length (and leaves zero rows at zero)', () => {
    const t = normalizeRows(2, 2, Float32Array.from([3, 4, 0, 0]))
    expect([...t.data]).toEqual([3 / 5, 4 / 5, 0, 0].map(Math.fround))
  })

  it('topK keeps the k largest, best first, and handles k larger than the input', () => {
    expect(topK(Float32Array.from([0.1, 0.9, -1, 0.5]), 2)).toEqual([
      { index: 1, score: expect.closeTo(0.9, 6) },
      { index: 3, score: expect.closeTo(0.5, 6) },
    ])
    expect(topK(Float32Array.from([1, -Infinity]), 5).map((x) => x.index)).toEqual([0])
  })
})
