import { describe, expect, it } from 'vitest'
import { Random } from '../lib/random'
import { buildSequences } from './sequences'
import { keepThresholds, negativeTable, SGNS_DEFAULTS, type SgnsKernel, type SgnsParams, type SgnsProgress, trainSgns } from './sgns'
import { sgnsSimdModule } from './simd'
import { neighbourAgreement, syntheticHistories } from './synthetic'
import { userVectors } from './users'

const ALL = { minRating: null, minItemCount: 1, minSequenceLength: 2 }

/** One change per hyper-parameter (from the bases below: dim 8–9, window 3, negatives 3, exponent 0.75, t 1e-3, 2 epochs, α 0.025 → 1e-4, seed 1). */
const CHANGES: [keyof SgnsParams, number][] = [
  ['dim', 12],
  ['window', 5],
  ['window', 0],
  ['negatives', 6],
  ['nsExponent', 0],
  ['subsample', 0],
  ['epochs', 3],
  ['learningRate', 0.05],
  ['minLearningRate', 0.01],
  ['seed', 2],
]

function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

/** Both pair kernels where this runtime has WebAssembly SIMD; the JS one is the reference. */
const KERNELS: SgnsKernel[] = sgnsSimdModule() ? ['js', 'wasm-simd'] : ['js']

describe.each(KERNELS)('trainSgns: word2vec.c math (%s kernel)', (kernel) => {
  it('one pass over [0, 1]: the centre is the output row, the context the input row', async () => {
    // dim 2, window 1, no negatives, no subsampling: both dot products are 0 (syn1neg starts at 0),
    // so g = (1 − σ(0))·α = α/2, neu1e = g·syn1neg[centre] = 0, and only syn1neg moves:
    //   syn1neg[0] = α/2 · syn0[1],  syn1neg[1] = α/2 · syn0[0];  loss per pair = −log σ(0) = log 2.
    const seqs = { offsets: new Int32Array([0, 2]), items: new Int32Array([0, 1]), counts: new Float64Array([1, 1]), totalItems: 2 }
    const lr = 0.1
    const r = await trainSgns(seqs, 2, { ...SGNS_DEFAULTS, dim: 2, window: 1, negatives: 0, subsample: 0, epochs: 1, learningRate: lr, seed: 9 }, undefined, { kernel })
    expect(r.kernel).toBe(kernel)
    const rng = new Random(9)
    const init = Float32Array.from({ length: 4 }, () => (rng.float() - 0.5) / 2)
    expect(Array.from(r.vectors)).toEqual(Array.from(init))
    const half = Math.fround(lr * 0.5)
    expect(r.context[0]).toBeCloseTo(half * init[2]!, 7)
    expect(r.context[1]).toBeCloseTo(half * init[3]!, 7)
    expect(r.context[2]).toBeCloseTo(half * init[0]!, 7)
    expect(r.context[3]).toBeCloseTo(half * init[1]!, 7)
    expect(r.lossPerEpoch[0]).toBeCloseTo(Math.log(2), 12)
    expect(r.effectiveWords).toBe(2)
  })

  it('threads = 1 is bit-identical for a seed, and every hyper-parameter changes the result', async () => {
    const h = syntheticHistories(3000, { nUsers: 100, nItems: 100, clusters: 5, seed: 2 })
    const seqs = buildSequences(h, h.nUsers, h.nItems, ALL)
    const base: SgnsParams = { dim: 9, window: 3, negatives: 3, nsExponent: 0.75, subsample: 0.001, epochs: 2, learningRate: 0.025, minLearningRate: 0.0001, seed: 1, threads: 1 }
    const a = await trainSgns(seqs, h.nItems, base, undefined, { kernel })
    const b = await trainSgns(seqs, h.nItems, base, undefined, { kernel })
    expect(same(a.vectors, b.vectors)).toBe(true)
    expect(same(a.context, b.context)).toBe(true)
    expect(a.lossPerEpoch).toEqual(b.lossPerEpoch)
    for (const [name, value] of CHANGES) {
      const changed = await trainSgns(seqs, h.nItems, { ...base, [name]: value }, undefined, { kernel })
      expect(same(changed.vectors, a.vectors), `${name} = ${value}`).toBe(false)
    }
  })
})

describe('trainSgns: tables and kernels', () => {
  it.runIf(KERNELS.length === 2)('the SIMD kernel agrees with the JS kernel up to float rounding', async () => {
    const h = syntheticHistories(3000, { nUsers: 100, nItems: 100, clusters: 5, seed: 2 })
    const seqs = buildSequences(h, h.nUsers, h.nItems, ALL)
    const params = { ...SGNS_DEFAULTS, dim: 10, epochs: 2 }
    const js = await trainSgns(seqs, h.nItems, params, undefined, { kernel: 'js' })
    const simd = await trainSgns(seqs, h.nItems, params, undefined, { kernel: 'wasm-simd' })
    // Same random draws, so the only difference is float rounding (the SIMD kernel sums the dot
    // product in two f32x4 accumulators and keeps g and e in float32; JS uses float64).
    // Measured: max |Δ| = 2.2e-8 on |v| ≤ 0.19.
    let diff = 0
    for (let k = 0; k < js.vectors.length; k++) diff = Math.max(diff, Math.abs(js.vectors[k]! - simd.vectors[k]!))
    expect(diff).toBeLessThan(1e-6)
    for (let e = 0; e < 2; e++) expect(simd.lossPerEpoch[e]).toBeCloseTo(js.lossPerEpoch[e]!, 9)
  })

  it('the negative table is ∝ count^power and skips unseen items', () => {
    const counts = new Float64Array([16, 0, 1, 81])
    const table = negativeTable(counts, 0.75)
    expect(table.length).toBe(1e6)
    const share = [0, 0, 0, 0]
    for (const i of table) share[i]!++
    const z = 16 ** 0.75 + 1 + 81 ** 0.75 // 8 + 1 + 27
    expect(share[1]).toBe(0)
    expect(share[0]! / 1e6).toBeCloseTo(8 / z, 5)
    expect(share[2]! / 1e6).toBeCloseTo(1 / z, 5)
    expect(share[3]! / 1e6).toBeCloseTo(27 / z, 5)
    // Exponent 0: uniform over the seen items.
    const flat = negativeTable(counts, 0)
    expect(flat.filter((i) => i === 0).length / 1e6).toBeCloseTo(1 / 3, 5)
    expect(flat.includes(1)).toBe(false)
  })

  it('subsampling keeps item i with p = (sqrt(f/(tN)) + 1)·tN/f, capped at 1', () => {
    const counts = new Float64Array([1000, 10, 0])
    const N = 2000
    const t = 0.01
    const keep = keepThresholds(counts, N, t)
    const p = (f: number): number => Math.min(1, (Math.sqrt(f / (t * N)) + 1) * ((t * N) / f))
    expect(keep[0]! / 2 ** 32).toBeCloseTo(p(1000), 12)
    expect(keep[1]! / 2 ** 32).toBe(1)
    expect(keep[2]! / 2 ** 32).toBe(1)
  })
})

describe('trainSgns on planted clusters', () => {
  // 30,000 interactions, 600 users, 1,000 items in 20 clusters.
  const h = syntheticHistories(30_000, { nUsers: 600, nItems: 1000, clusters: 20, seed: 1 })
  const seqs = buildSequences(h, h.nUsers, h.nItems, ALL)
  const params: SgnsParams = { ...SGNS_DEFAULTS, dim: 32, epochs: 5, threads: 1 }

  it('puts the nearest items of an item in its cluster, and similar users share their dominant cluster', async () => {
    const progress: SgnsProgress[] = []
    const r = await trainSgns(seqs, h.nItems, params, (p) => progress.push(p))
    // Measured: 0.9992 of the 10 nearest items share the cluster (chance: 49/999 ≈ 0.05).
    expect(neighbourAgreement(r.vectors, params.dim, h.clusterOf, 10)).toBeGreaterThan(0.95)
    // Users: measured 0.935 (SIF) / 0.933 (mean) of nearest users share the dominant cluster;
    // half of the users split 0.6/0.3 between two clusters, so a neighbour may match the other one.
    for (const method of ['sif', 'mean'] as const) {
      const u = userVectors(r.vectors, params.dim, seqs, method, 0.001, h.nUsers)
      expect(neighbourAgreement(u, params.dim, h.dominantOf, 1), method).toBeGreaterThan(0.85)
    }
    // The loss falls; one progress report per epoch end carries that epoch's loss.
    expect(r.lossPerEpoch).toHaveLength(5)
    expect(r.lossPerEpoch[4]!).toBeLessThan(r.lossPerEpoch[0]!)
    const ends = progress.filter((p) => p.fraction === 1)
    expect(ends.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5])
    expect(ends.map((p) => p.loss)).toEqual(r.lossPerEpoch)
    for (let k = 1; k < progress.length; k++) expect(progress[k]!.epoch).toBeGreaterThanOrEqual(progress[k - 1]!.epoch)
    // Subsampling at t = 1e-3 drops a little: effective words ≤ 5 epochs × 30,000.
    expect(r.effectiveWords).toBeLessThanOrEqual(5 * seqs.totalItems)
    expect(r.effectiveWords).toBeGreaterThan(0.8 * 5 * seqs.totalItems)
    expect(r.wordsPerSec).toBeGreaterThan(0)
  })

  it('threads = 2 (Hogwild workers) trains to the same quality', async () => {
    const one = await trainSgns(seqs, h.nItems, params)
    const two = await trainSgns(seqs, h.nItems, { ...params, threads: 2 })
    const q1 = neighbourAgreement(one.vectors, params.dim, h.clusterOf, 10)
    const q2 = neighbourAgreement(two.vectors, params.dim, h.clusterOf, 10)
    // Measured: 0.9992 (1 thread), 0.997–0.999 (2 threads).
    expect(q2).toBeGreaterThan(q1 - 0.03)
    expect(two.lossPerEpoch).toHaveLength(5)
    expect(Math.abs(two.lossPerEpoch[4]! - one.lossPerEpoch[4]!)).toBeLessThan(0.1 * one.lossPerEpoch[4]!)
    expect(Math.abs(two.effectiveWords - one.effectiveWords)).toBeLessThan(0.01 * one.effectiveWords)
  })

  it.each([1, 2])('stops when its signal is aborted (%s thread(s))', async (threads) => {
    const controller = new AbortController()
    const reason = new Error('cancelled')
    const run = trainSgns(seqs, h.nItems, { ...params, epochs: 50, threads }, (p) => {
      if (p.epoch >= 2) controller.abort(reason)
    }, { signal: controller.signal })
    await expect(run).rejects.toBe(reason)
  })

  it('gives items outside the sequences a zero vector', async () => {
    const cut = buildSequences(h, h.nUsers, h.nItems, { ...ALL, minItemCount: 40 })
    const dropped = Array.from(cut.counts.keys()).filter((i) => cut.counts[i] === 0)
    expect(dropped.length).toBeGreaterThan(0)
    const r = await trainSgns(cut, h.nItems, { ...params, epochs: 1 })
    for (const i of dropped) expect(r.vectors.subarray(i * params.dim, (i + 1) * params.dim).every((x) => x === 0)).toBe(true)
  })
})

describe('every hyper-parameter changes the result (default kernel)', () => {
  const h = syntheticHistories(3000, { nUsers: 100, nItems: 100, clusters: 5, seed: 2 })
  const seqs = buildSequences(h, h.nUsers, h.nItems, ALL)
  const base: SgnsParams = { dim: 8, window: 3, negatives: 3, nsExponent: 0.75, subsample: 0.001, epochs: 2, learningRate: 0.025, minLearningRate: 0.0001, seed: 1, threads: 1 }
  let reference: Float32Array | null = null

  it.each(CHANGES)('%s = %s', async (name, value) => {
    reference ??= (await trainSgns(seqs, h.nItems, base)).vectors
    const changed = await trainSgns(seqs, h.nItems, { ...base, [name]: value })
    expect(changed.vectors.every((x) => Number.isFinite(x))).toBe(true)
    expect(same(changed.vectors, reference)).toBe(false)
  })
})
