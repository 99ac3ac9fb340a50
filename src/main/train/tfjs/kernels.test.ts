import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Random } from '../../lib/random'
import { selectBackend } from './backends'
import { hasOurKernels } from './kernels'

/** out[s] = Σ x[i] over i with ids[i] = s, in float64: the definition, written the slow way. */
function segmentSumReference(x: Float32Array, ids: Int32Array, inner: number, numSegments: number): Float64Array {
  const out = new Float64Array(numSegments * inner)
  for (let s = 0; s < numSegments; s++) {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== s) continue
      for (let k = 0; k < inner; k++) out[s * inner + k]! += x[i * inner + k]!
    }
  }
  return out
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, eps = 1e-5): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!))
  expect(worst).toBeLessThanOrEqual(eps)
}

function randomData(seed: number, rows: number, inner: number, numSegments: number) {
  const rng = new Random(seed)
  const x = Float32Array.from({ length: rows * inner }, () => rng.normal())
  // Few segments for many rows: ids repeat; some segments get nothing.
  const ids = Int32Array.from({ length: rows }, () => rng.int(numSegments))
  return { x, ids }
}

describe.each(['wasm', 'cpu'] as const)('our kernels on %s', (backend) => {
  let baseline = 0
  beforeAll(async () => {
    await selectBackend(backend)
    baseline = tf.memory().numTensors
  })
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(baseline)
  })

  it('are the registered ones', () => {
    expect(tf.getBackend()).toBe(backend)
    expect(hasOurKernels(backend)).toBe(true)
  })

  it.each([
    { rows: 1, inner: 1, numSegments: 1 },
    { rows: 200, inner: 5, numSegments: 37 },
    { rows: 3072, inner: 50, numSegments: 400 },
  ])('UnsortedSegmentSum matches the definition ($rows rows, $inner wide, $numSegments segments)', ({ rows, inner, numSegments }) => {
    const { x, ids } = randomData(rows + inner, rows, inner, numSegments)
    const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [rows, inner]), tf.tensor1d(ids, 'int32'), numSegments).dataSync())
    expectClose(got, segmentSumReference(x, ids, inner, numSegments))
  })

  it('UnsortedSegmentSum takes ids of rank 2 and an inner block of rank 2', () => {
    const { x, ids } = randomData(3, 6 * 4, 3 * 2, 5)
    const got = tf.tidy(() => {
      // The op is typed for 1-D ids; the kernel takes any prefix of x's shape, as TensorFlow's does.
      const ids2d = tf.tensor2d(ids, [6, 4], 'int32') as unknown as tf.Tensor1D
      const out = tf.unsortedSegmentSum(tf.tensor4d(x, [6, 4, 3, 2]), ids2d, 5)
      expect(out.shape).toEqual([5, 3, 2])
      return out.dataSync()
    })
    expectClose(got, segmentSumReference(x, ids, 6, 5))
  })

  it('UnsortedSegmentSum sums int32 values exactly', () => {
    const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5], 'int32'), tf.tensor1d([2, 0, 2, 2, 0], 'int32'), 4))
    expect(got.dtype).toBe('int32')
    expect(Array.from(got.dataSync())).toEqual([2 + 5, 0, 1 + 3 + 4, 0])
    got.dispose()
  })

  it('UnsortedSegmentSum drops negative ids and refuses ids ≥ numSegments', () => {
    const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, -1, 1], 'int32'), 2).dataSync())
    expect(Array.from(got)).toEqual([0, 1 + 3])
    expect(() => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2]), tf.tensor1d([0, 2], 'int32'), 2))).toThrow(/numSegments/)
  })

  it('the gradient of tf.gather goes through our UnsortedSegmentSum and is dense', async () => {
    const rows = 50
    const dim = 4
    const { x: table } = randomData(11, rows, dim, 1)
    const rng = new Random(12)
    const ids = Int32Array.from({ length: 64 }, () => rng.int(10)) // rows 10..49 get no gradient, rows 0..9 several each
    const weights = Float32Array.from({ length: 64 * dim }, () => rng.normal())
    // d/dtable Σ_i w_i · table[ids[i]] = Σ over i with ids[i] = r of w_i: the segment sum of w.
    const expected = segmentSumReference(weights, ids, dim, rows)
    const profile = await tf.profile(() =>
      tf.tidy(() => {
        const t = tf.tensor2d(table, [rows, dim])
        const w = tf.tensor2d(weights, [64, dim])
        const idx = tf.tensor1d(ids, 'int32')
        const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx), w)))(t)
        expect(grad.shape).toEqual([rows, dim])
        expectClose(grad.dataSync(), expected)
      }),
    )
    expect(profile.kernelNames).toContain('UnsortedSegmentSum')
  })

  it.each([
    { name: 'rows of a table', xShape: [30, 7], idsShape: [40], axis: 0 },
    { name: 'with 2-D indices', xShape: [30, 7], idsShape: [5, 8], axis: 0 },
    { name: 'of a 3-D tensor', xShape: [12, 3, 2], idsShape: [9], axis: 0 },
    { name: 'along axis 1 (the stock kernel)', xShape: [4, 30, 3], idsShape: [10], axis: 1 },
  ])('tf.gather takes $name', ({ xShape, idsShape, axis }) => {
    const rng = new Random(xShape.length * 100 + idsShape.length)
    const size = xShape.reduce((a, b) => a * b, 1)
    const x = Float32Array.from({ length: size }, () => rng.normal())
    const nIds = idsShape.reduce((a, b) => a * b, 1)
    const ids = Int32Array.from({ length: nIds }, () => rng.int(xShape[axis]!))
    const got = tf.tidy(() => {
      const out = tf.gather(tf.tensor(x, xShape), tf.tensor(ids, idsShape, 'int32'), axis)
      return { shape: out.shape, values: out.dataSync() }
    })
    // Reference: out[outer, j, inner] = x[outer, ids[j], inner].
    const outer = xShape.slice(0, axis).reduce((a, b) => a * b, 1)
    const inner = xShape.slice(axis + 1).reduce((a, b) => a * b, 1)
    const expected: number[] = []
    for (let o = 0; o < outer; o++) {
      for (const id of ids) for (let k = 0; k < inner; k++) expected.push(x[(o * xShape[axis]! + id) * inner + k]!)
    }
    expect(got.shape).toEqual([...xShape.slice(0, axis), ...idsShape, ...xShape.slice(axis + 1)])
    expect(Array.from(got.values)).toEqual(Array.from(Float32Array.from(expected)))
  })

  it('tf.gather refuses an index outside the table', () => {
    expect(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([0, 3], 'int32')))).toThrow(/index/)
  })
})
