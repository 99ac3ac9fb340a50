import { describe, expect, it } from 'vitest'
import { expectClose } from '../../../test/helpers/tmp'
import { Random } from '../lib/random'
import { TsneForces } from './forces'
import { exactKnn } from './knn'
import { knnPurity, plantedClusters } from './synthetic'
import { conditionalAffinities, jointAffinities, tsne, type TsneParams } from './tsne'

describe('t-SNE input similarities', () => {
  const n = 500
  const { data } = plantedClusters({ n, dim: 20, clusters: 5, spread: 0.8, skew: 0.5, seed: 11 })
  const perplexity = 20
  const knn = exactKnn(data, n, 20, 3 * perplexity)
  const cond = conditionalAffinities(knn, perplexity)

  it('p_{j|i} rows sum to 1 and reach the target perplexity 2^H = e^H(nats)', () => {
    for (let i = 0; i < n; i++) {
      let sum = 0
      let h = 0
      for (let t = 0; t < knn.k; t++) {
        const p = cond.p[i * knn.k + t]!
        sum += p
        if (p > 0) h -= p * Math.log(p)
      }
      expectClose(sum, 1, 1e-12)
      // |H − log perplexity| < 1e-5 nats ⇒ perplexity within a factor e^±1e-5.
      expectClose(Math.exp(h), perplexity, perplexity * 2e-5)
      expectClose(cond.perplexity[i]!, perplexity, perplexity * 2e-5)
    }
  })

  it('p_{j|i} falls with distance: exp(−β·d²)', () => {
    const i = 42
    const k = knn.k
    for (let t = 1; t < k; t++) {
      // p_t / p_0 = exp(−β (d_t² − d_0²))
      const ratio = cond.p[i * k + t]! / cond.p[i * k]!
      expectClose(ratio, Math.exp(-cond.beta[i]! * (knn.sqDistances[i * k + t]! - knn.sqDistances[i * k]!)), 1e-9)
    }
  })

  it('p_ij = (p_{j|i} + p_{i|j}) / 2n: symmetric, sums to 1', () => {
    const P = jointAffinities(knn, cond.p)
    const at = (i: number, j: number) => {
      for (let q = P.rowStart[i]!; q < P.rowStart[i + 1]!; q++) if (P.cols[q] === j) return P.vals[q]!
      return 0
    }
    const condAt = (i: number, j: number) => {
      for (let t = 0; t < knn.k; t++) if (knn.indices[i * knn.k + t] === j) return cond.p[i * knn.k + t]!
      return 0
    }
    let total = 0
    for (let i = 0; i < n; i++) {
      for (let q = P.rowStart[i]!; q < P.rowStart[i + 1]!; q++) {
        const j = P.cols[q]!
        total += P.vals[q]!
        expect(j).not.toBe(i)
        expectClose(at(j, i), P.vals[q]!, 1e-15)
        expectClose(P.vals[q]!, (condAt(i, j) + condAt(j, i)) / (2 * n), 1e-15)
      }
    }
    expectClose(total, 1, 1e-9)
  })
})

describe('t-SNE forces (Barnes–Hut, θ = 0.5)', () => {
  // Exact: Aᵢ = Σⱼ p_ij w_ij (yᵢ − yⱼ), Rᵢ = Σⱼ w_ij² (yᵢ − yⱼ), Z = Σ_{i≠j} w_ij, w = 1/(1 + |yᵢ − yⱼ|²).
  function exact(y: Float64Array, n: number, dims: number) {
    const R = new Float64Array(n * dims)
    let z = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue
        let d2 = 0
        for (let d = 0; d < dims; d++) d2 += (y[i * dims + d]! - y[j * dims + d]!) ** 2
        const w = 1 / (1 + d2)
        z += w
        for (let d = 0; d < dims; d++) R[i * dims + d]! += w * w * (y[i * dims + d]! - y[j * dims + d]!)
      }
    }
    return { R, z }
  }

  it.each([2, 3] as const)('%i-D: Z within 2 %, repulsion within 5 % of the exact sums; attraction exact (to rounding)', async (dims) => {
    const n = 1500
    const rng = new Random(dims)
    // A clustered layout: 6 blobs of different sizes, as t-SNE makes them.
    const y = new Float64Array(n * dims)
    for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) y[i * dims + d] = 8 * ((i % 6) - 2.5) * (d === 0 ? 1 : 0.5) + rng.normal() * (1 + (i % 3))
    // A random symmetric P: pairs (i, i + o) for 5 offsets o, stored in both rows.
    const rowsOf: { j: number; p: number }[][] = Array.from({ length: n }, () => [])
    for (let i = 0; i < n; i++) {
      for (const o of [1, 2, 17, 333, 700]) {
        const j = (i + o) % n
        const p = rng.float() / (10 * n)
        rowsOf[i]!.push({ j, p })
        rowsOf[j]!.push({ j: i, p })
      }
    }
    const rowStart = Int32Array.from({ length: n + 1 }, (_, i) => 10 * i)
    const cols = Int32Array.from(rowsOf.flatMap((r) => r.map((e) => e.j)))
    const vals = Float64Array.from(rowsOf.flatMap((r) => r.map((e) => e.p)))
    const forces = new TsneForces({ rowStart, cols, vals }, n, dims, { threads: 1 })
    await forces.start()
    forces.y.set(y)
    const z = forces.evaluate()
    await forces.dispose()
    const ex = exact(y, n, dims)
    expect(Math.abs(z - ex.z) / ex.z).toBeLessThan(0.02)
    let err = 0
    let norm = 0
    for (let t = 0; t < n * dims; t++) {
      err += (forces.repel[t]! - ex.R[t]!) ** 2
      norm += ex.R[t]! ** 2
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(0.05)
    for (const i of [0, 77, n - 1]) {
      for (let d = 0; d < dims; d++) {
        let a = 0
        for (let q = rowStart[i]!; q < rowStart[i + 1]!; q++) {
          const j = cols[q]!
          let d2 = 0
          for (let e = 0; e < dims; e++) d2 += (y[i * dims + e]! - y[j * dims + e]!) ** 2
          a += (vals[q]! / (1 + d2)) * (y[i * dims + d]! - y[j * dims + d]!)
        }
        expectClose(forces.attract[i * dims + d]!, a, 1e-12 * Math.abs(a) + 1e-18)
      }
    }
  })
})

describe('t-SNE force field', () => {
  const noP = (n: number) => ({ rowStart: new Int32Array(n + 1), cols: new Int32Array(0), vals: new Float64Array(0) })

  it('identical points: every pair has w = 1, so Z = n(n − 1) and no force', async () => {
    // 100 copies of one point, more than a group holds: one leaf, summed exactly.
    const n = 100
    const forces = new TsneForces(noP(n), n, 2, { threads: 1 })
    await forces.start()
    forces.y.fill(3)
    expect(forces.evaluate()).toBe(n * (n - 1))
    for (const f of forces.repel) expect(f).toBe(0)
    await forces.dispose()
  })

  it('renumbering the points renumbers their forces and nothing else', async () => {
    const n = 3000
    const rng = new Random(9)
    const y = Float64Array.from({ length: 2 * n }, () => 10 * rng.normal())
    // P: a ring, each point paired with its two neighbours (symmetric).
    const rowStart = Int32Array.from({ length: n + 1 }, (_, i) => 2 * i)
    const cols = Int32Array.from({ length: 2 * n }, (_, q) => (Math.floor(q / 2) + (q % 2 === 0 ? n - 1 : 1)) % n)
    const vals = new Float64Array(2 * n).fill(1 / (2 * n))
    const forces = new TsneForces({ rowStart, cols, vals }, n, 2, { threads: 1 })
    await forces.start()
    forces.y.set(y)
    const z = forces.evaluate()
    const before = { a: forces.attract.slice(), r: forces.repel.slice() }
    const perm = Int32Array.from(rng.shuffle(Array.from({ length: n }, (_, i) => i)))
    forces.relabel(perm)
    for (let i = 0; i < n; i++) expect(forces.y[2 * perm[i]!]).toBe(y[2 * i])
    expectClose(forces.evaluate(), z, 1e-9 * z)
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < 2; d++) {
        expectClose(forces.attract[2 * perm[i]! + d]!, before.a[2 * i + d]!, 1e-12)
        expectClose(forces.repel[2 * perm[i]! + d]!, before.r[2 * i + d]!, 1e-9)
      }
    }
    await forces.dispose()
  })
})

describe('t-SNE maps', () => {
  const n = 1000
  // spread 1.3: the 50-d input's own 10-NN purity is 0.962.
  const { data, labels } = plantedClusters({ n, dim: 50, clusters: 10, spread: 1.3, skew: 0, seed: 7 })
  const base: Partial<TsneParams> = { iterations: 500, perplexity: 30, seed: 1 }

  it.each([2, 3] as const)('keeps 10 planted clusters in 50-d apart in %i-D (10-NN purity ≥ 0.9)', async (dims) => {
    // Measured: 0.994 in 2-D, 0.993 in 3-D.
    const r = await tsne(data, n, 50, { ...base, dims })
    expect(knnPurity(r.coords, n, dims, labels)).toBeGreaterThanOrEqual(0.9)
    expect(r.knn).toBe('exact')
    for (const v of r.coords) expect(Math.abs(v)).toBeLessThanOrEqual(1)
  })

  it('is deterministic for a seed, and the same on 1 or 2 threads', async () => {
    const a = await tsne(data, n, 50, { ...base, iterations: 200, threads: 1 })
    const b = await tsne(data, n, 50, { ...base, iterations: 200, threads: 1 })
    const c = await tsne(data, n, 50, { ...base, iterations: 200, threads: 2 })
    expect(c.threads).toBe(2)
    expect(Array.from(b.coords)).toEqual(Array.from(a.coords))
    expect(Array.from(c.coords)).toEqual(Array.from(a.coords))
  })

  let reference: ReturnType<typeof tsne> | undefined
  it.each<[string, Partial<TsneParams>]>([
    ['seed', { seed: 2 }],
    ['perplexity', { perplexity: 15 }],
    ['iterations', { iterations: 150 }],
    ['metric', { metric: 'euclidean' }],
    ['theta', { theta: 0.3 }],
    ['learning rate', { learningRate: 500 }],
    ['early exaggeration', { earlyExaggeration: 4 }],
  ])('changing the %s changes the map', async (_, change) => {
    reference ??= tsne(data, n, 50, { ...base, iterations: 200 })
    const a = await reference
    const b = await tsne(data, n, 50, { ...base, iterations: 200, ...change })
    expect(Array.from(b.coords)).not.toEqual(Array.from(a.coords))
  })

  it('posts the PCA start first, then every iteration’s layout on request', async () => {
    const seen: { phase: string; iteration: number; layout: boolean }[] = []
    let last: Float32Array | null = null
    const r = await tsne(data.subarray(0, 200 * 50), 200, 50, { iterations: 60 }, (p) => {
      seen.push({ phase: p.phase, iteration: p.iteration, layout: p.layout !== null })
      if (p.iteration === 60) last = p.layout!()
    })
    expect(seen[0]).toEqual({ phase: 'Initial layout (PCA)', iteration: 0, layout: true })
    expect(seen.filter((s) => s.phase === 'Optimising').map((s) => s.iteration)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    expect(Array.from(last!)).toEqual(Array.from(r.coords))
  })
})
