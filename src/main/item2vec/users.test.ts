import { describe, expect, it } from 'vitest'
import { Random } from '../lib/random'
import { buildSequences } from './sequences'
import { firstSingularVector, userVectors } from './users'

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, eps = 1e-6): void {
  expect(actual.length).toBe(expected.length)
  for (let k = 0; k < expected.length; k++) expect(Math.abs(actual[k]! - expected[k]!), `index ${k}: ${actual[k]} vs ${expected[k]}`).toBeLessThan(eps)
}

// Tiny case, dim 2: v0 = (1, 0), v1 = (0, 1), v2 = (1, 1).
// Sequences: user 0 = [0, 1], user 1 = [2], user 2 = none, user 3 = [0, 0, 2].
// counts = [3, 1, 2], total = 6.
const dim = 2
const vecs = new Float32Array([1, 0, 0, 1, 1, 1])
const seqs = buildSequences(
  {
    n: 6,
    user: new Int32Array([0, 0, 1, 3, 3, 3]),
    item: new Int32Array([0, 1, 2, 0, 0, 2]),
    rating: new Float32Array(6).fill(1),
  },
  4,
  3,
  { minRating: null, minItemCount: 1, minSequenceLength: 1 },
)

describe('userVectors', () => {
  it('mean: the plain average of the items, zeros without a sequence', () => {
    const u = userVectors(vecs, dim, seqs, 'mean', 0.001, 4)
    expectClose(u, [(1 + 0) / 2, (0 + 1) / 2, 1, 1, 0, 0, (2 * 1 + 1) / 3, (0 + 1) / 3])
  })

  it('sif: weights a/(a + p(i)), then the first principal component removed', () => {
    const a = 0.1
    const w = [3 / 6, 1 / 6, 2 / 6].map((p) => a / (a + p))
    const [w0, w1, w2] = w as [number, number, number]
    const raw = [
      [w0 / 2, w1 / 2], // (w0·v0 + w1·v1)/2
      [w2, w2], // w2·v2
      [0, 0],
      [(2 * w0 + w2) / 3, w2 / 3], // (2·w0·v0 + w2·v2)/3
    ]
    // Top eigenvector of G = Σ u uᵀ = [[p, q], [q, r]]: λ = (p + r)/2 + sqrt(((p − r)/2)² + q²), c ∝ (q, λ − p).
    const p = raw.reduce((s, [x]) => s + x! * x!, 0)
    const q = raw.reduce((s, [x, y]) => s + x! * y!, 0)
    const r = raw.reduce((s, [, y]) => s + y! * y!, 0)
    const lambda = (p + r) / 2 + Math.sqrt(((p - r) / 2) ** 2 + q ** 2)
    const len = Math.hypot(q, lambda - p)
    const c = [q / len, (lambda - p) / len]
    const expected = raw.flatMap(([x, y]) => {
      const dot = x! * c[0]! + y! * c[1]!
      return [x! - dot * c[0]!, y! - dot * c[1]!]
    })
    expectClose(userVectors(vecs, dim, seqs, 'sif', a, 4), expected)
    // What is left is orthogonal to c.
    const u = userVectors(vecs, dim, seqs, 'sif', a, 4)
    for (let k = 0; k < 4; k++) expect(Math.abs(u[2 * k]! * c[0]! + u[2 * k + 1]! * c[1]!)).toBeLessThan(1e-6)
  })

  it('firstSingularVector solves MᵀM c = |Mc|² c, via the Gram matrix and directly', () => {
    for (const d of [5, 300]) {
      const rows = 40
      const rng = new Random(d)
      const m = Float64Array.from({ length: rows * d }, (_, k) => rng.normal() + (k % d === 0 ? 3 : 0))
      const c = firstSingularVector(m, rows, d, 1)
      const mc = Array.from({ length: rows }, (_, i) => c.reduce((s, cf, f) => s + m[i * d + f]! * cf, 0))
      const lambda = mc.reduce((s, x) => s + x * x, 0)
      const mtmc = Array.from({ length: d }, (_, f) => mc.reduce((s, x, i) => s + x * m[i * d + f]!, 0))
      expectClose(mtmc, Array.from(c, (x) => lambda * x), 1e-6 * lambda)
    }
  })
})
