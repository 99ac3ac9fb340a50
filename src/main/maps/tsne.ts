/**
 * Barnes–Hut t-SNE (van der Maaten 2014, "Accelerating t-SNE using
 * tree-based algorithms"), hand-written: no maintained JS library does
 * BH-t-SNE at tens of thousands of points (tsne-js and karpathy/tsnejs are
 * exact O(n²) per iteration, and unmaintained).
 *
 * Input similarities, over the k = min(3·perplexity, n − 1) nearest
 * neighbours (./knn.ts; squared euclidean distances, of L2-normalised rows
 * for the cosine metric):
 *   p_{j|i} = exp(−βᵢ dᵢⱼ²) / Σ_{l∈kNN(i)} exp(−βᵢ dᵢₗ²), βᵢ by safeguarded
 *             Newton (bisection when a step leaves the bracket) so that
 *             2^H(P_i) = perplexity (|H − log perplexity| < 1e-5 nats)
 *   p_ij    = (p_{j|i} + p_{i|j}) / 2n          (symmetric, Σ p_ij = 1)
 * Output similarities, Student-t with one degree of freedom:
 *   w_ij = 1 / (1 + |yᵢ − yⱼ|²),  q_ij = w_ij / Z,  Z = Σ_{k≠l} w_kl
 * Gradient of KL(P‖Q), written without the constant factor 4 (bhtsne's and
 * openTSNE's convention, which the learning-rate rule below assumes):
 *   ∂C/∂yᵢ ∝ α·Σⱼ p_ij w_ij (yᵢ − yⱼ)  −  Σⱼ w_ij² (yᵢ − yⱼ) / Z
 *            attraction, sparse P         repulsion, Barnes–Hut (./bhtree.ts)
 * both on every core (./forces.ts). Every 50 iterations the points are
 * renumbered in tree order so that neighbours sit close in memory (the
 * layout is the same up to rounding; callers see the original order).
 * Optimiser (bhtsne / scikit-learn): gains g ← g + 0.2 where the gradient's
 * sign differs from the last update's, else g·0.8 (floor 0.01);
 *   u ← μ·u − η·g·∇,  y ← y + u,  then y re-centred.
 *
 * Defaults: perplexity 30, 1,000 iterations, early exaggeration α = 12 for
 * the first 250 (a quarter of shorter runs) with momentum μ = 0.5, then α = 1
 * and μ = 0.8; learning rate η = max(n / 12, 200) (the "auto" rule of
 * Belkina et al. 2019 / openTSNE); θ = 0.5; initialisation: PCA of the same
 * rows scaled to std 1e-4 on its first axis (Kobak & Berens 2019), plus a
 * seeded N(0, 1e-6²) jitter (so duplicate rows part and the seed chooses
 * among equally good maps). 2-D: quadtree, 3-D: octree.
 *
 * Speed (2-core VM, 37,020 × 50, ./bench.ts): ~45–55 s for 1,000 iterations
 * — ~8 s for the neighbours and P, then ~38–45 ms an iteration — with the
 * PCA start on screen after ~0.2 s.
 */
import { Random } from '../lib/random'
import { normalizeRows } from '../recommend/neighbours'
import { TsneForces, type ForceParams } from './forces'
import { nearestNeighbours, type KnnGraph } from './knn'
import { normaliseLayout, report, type OnLayoutProgress } from './layout'
import { pca } from './pca'

export interface TsneParams {
  dims: 2 | 3
  metric: 'cosine' | 'euclidean'
  perplexity: number
  iterations: number
  seed: number
  theta: number
  earlyExaggeration: number
  /** Iterations with exaggeration (at most a quarter of the run). */
  exaggerationIterations: number
  /** null: max(n / 12, 200). */
  learningRate: number | null
  momentum: number
  finalMomentum: number
  /** Threads for the forces (./forces.ts); null: one per core from 4,000 points. */
  threads: ForceParams['threads'] | null
}

export const TSNE_DEFAULTS: TsneParams = {
  dims: 2,
  metric: 'cosine',
  perplexity: 30,
  iterations: 1000,
  seed: 42,
  theta: 0.5,
  earlyExaggeration: 12,
  exaggerationIterations: 250,
  learningRate: null,
  momentum: 0.5,
  finalMomentum: 0.8,
  threads: null,
}

/** Iterations between renumberings of the points in tree order (memory locality; the map is the same up to rounding). */
const RELABEL_EVERY = 50

export interface TsneResult {
  /** n × dims, display-normalised. */
  coords: Float32Array
  /** KL(P‖Q) at the end (Z by Barnes–Hut). */
  kl: number
  threads: number
  knn: KnnGraph['method']
}

export async function tsne(data: Float32Array, n: number, dim: number, params: Partial<TsneParams> = {}, onProgress?: OnLayoutProgress): Promise<TsneResult> {
  const p = { ...TSNE_DEFAULTS, ...params }
  const dims = p.dims
  const total = p.iterations
  if (n < 2) throw new Error('t-SNE needs at least 2 points')
  const rows = p.metric === 'cosine' ? normalizeRows(n, dim, data).data : data

  // Iteration 0: the initial layout, shown while the neighbours are found.
  const y0 = initialLayout(rows, n, dim, dims, p.seed)
  await report(onProgress, { phase: 'Initial layout (PCA)', iteration: 0, totalIterations: total, layout: () => normaliseLayout(y0, n, dims) })

  const { forces, knnMethod } = await forceField(rows, n, dim, p, onProgress)
  try {
    await forces.start()
    forces.y.set(y0)
    const opt = new TsneOptimiser(forces, n, dims, p)
    // Internally the points are renumbered in tree order now and then (see TsneForces.relabel); at[i] is where point i is.
    const at = Int32Array.from({ length: n }, (_, i) => i)
    const layout = () => {
      const out = new Float64Array(n * dims)
      for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) out[i * dims + d] = forces.y[at[i]! * dims + d]!
      return normaliseLayout(out, n, dims)
    }
    for (let it = 0; it < total; it++) {
      opt.step(it)
      if (it % RELABEL_EVERY === 0 && it + 1 < total) {
        const perm = new Int32Array(n)
        const order = forces.treeOrder()
        for (let q = 0; q < n; q++) perm[order[q]!] = q
        forces.relabel(perm)
        opt.relabel(perm)
        for (let i = 0; i < n; i++) at[i] = perm[at[i]!]!
      }
      await report(onProgress, { phase: 'Optimising', iteration: it + 1, totalIterations: total, layout })
    }
    return { coords: layout(), kl: opt.kl(), threads: forces.threads, knn: knnMethod }
  } finally {
    await forces.dispose()
  }
}

/** Neighbours → P → the force field, which keeps P as pairs: the kNN graph and the full P are garbage once this returns. */
async function forceField(rows: Float32Array, n: number, dim: number, p: TsneParams, onProgress: OnLayoutProgress | undefined): Promise<{ forces: TsneForces; knnMethod: KnnGraph['method'] }> {
  const total = p.iterations
  await report(onProgress, { phase: 'Nearest neighbours', iteration: 0, totalIterations: total, layout: null })
  const knn = nearestNeighbours(rows, n, dim, Math.min(n - 1, Math.floor(3 * p.perplexity)))
  await report(onProgress, { phase: 'Affinities', iteration: 0, totalIterations: total, layout: null })
  const P = jointAffinities(knn, conditionalAffinities(knn, p.perplexity).p)
  const forces = new TsneForces(P, n, p.dims, { theta: p.theta, ...(p.threads === null ? {} : { threads: p.threads }) })
  return { forces, knnMethod: knn.method }
}

/** PCA scaled to std 1e-4 on its first axis, plus a seeded N(0, 1e-6²) jitter. */
export function initialLayout(rows: Float32Array, n: number, dim: number, dims: number, seed: number): Float64Array {
  const y = pca(rows, n, dim, { dims }).coords
  let ss = 0
  for (let i = 0; i < n; i++) ss += y[i * dims]! ** 2
  const std = Math.sqrt(ss / n)
  const scale = std > 0 ? 1e-4 / std : 0
  const rng = new Random(seed)
  for (let t = 0; t < y.length; t++) y[t] = y[t]! * scale + 1e-6 * rng.normal()
  return y
}

// ---------------------------------------------------------------- input similarities

export interface ConditionalAffinities {
  /** n × k: p_{j|i} over row i's neighbours (knn order); each row sums to 1. */
  p: Float64Array
  beta: Float64Array
  /** 2^H(P_i) = e^H in nats: what the bisection achieved. */
  perplexity: Float64Array
}

/** p_{j|i} with βᵢ found by safeguarded Newton on the entropy (nats) against log(perplexity). */
export function conditionalAffinities(knn: KnnGraph, perplexity: number, tolerance = 1e-5, maxSteps = 200): ConditionalAffinities {
  const { n, k, indices, sqDistances } = knn
  const target = Math.log(perplexity)
  const p = new Float64Array(n * k)
  const betas = new Float64Array(n)
  const achieved = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * k
    let m = 0
    while (m < k && indices[o + m]! >= 0) m++
    if (m === 0) continue
    // Distances relative to the nearest keep exp() in range; the shift cancels in the normalisation.
    const d0 = sqDistances[o]!
    let beta = 1
    let lo = 0
    let hi = Infinity
    let h = 0
    for (let step = 0; step < maxSteps; step++) {
      let sum = 0
      let dsum = 0
      let d2sum = 0
      for (let t = 0; t < m; t++) {
        const d = sqDistances[o + t]! - d0
        const e = Math.exp(-beta * d)
        p[o + t] = e
        sum += e
        dsum += e * d
        d2sum += e * d * d
      }
      // H = −Σ p log p = log Σe + β·E[d];  dH/dβ = −β·Var[d]
      const mean = dsum / sum
      h = Math.log(sum) + beta * mean
      for (let t = 0; t < m; t++) p[o + t]! /= sum
      const diff = h - target
      if (Math.abs(diff) < tolerance) break
      // H falls as β grows: keep the bracket, then try Newton's step inside it, else bisect.
      if (diff > 0) lo = beta
      else hi = beta
      const slope = -beta * (d2sum / sum - mean * mean)
      const newton = slope < 0 ? beta - diff / slope : NaN
      if (newton > lo && newton < hi) beta = newton
      else if (hi === Infinity) beta *= 2
      else beta = (lo + hi) / 2
    }
    betas[i] = beta
    achieved[i] = Math.exp(h)
  }
  return { p, beta: betas, perplexity: achieved }
}

/** Sparse symmetric P in CSR form. */
export interface SparseP {
  n: number
  rowStart: Int32Array
  cols: Int32Array
  vals: Float64Array
}

/** p_ij = (p_{j|i} + p_{i|j}) / 2n as CSR (row i: its own neighbours first, then the rows that have i as a neighbour). */
export function jointAffinities(knn: KnnGraph, cond: Float64Array): SparseP {
  const { n, k, indices } = knn
  // Reverse lists: who has j among their neighbours.
  const revStart = new Int32Array(n + 1)
  for (let t = 0; t < n * k; t++) if (indices[t]! >= 0) revStart[indices[t]! + 1]!++
  for (let j = 0; j < n; j++) revStart[j + 1]! += revStart[j]!
  const revFrom = new Int32Array(revStart[n]!)
  const revVal = new Float64Array(revStart[n]!)
  const fill = revStart.slice(0, n)
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t]!
      if (j < 0) continue
      const at = fill[j]!++
      revFrom[at] = i
      revVal[at] = cond[i * k + t]!
    }
  }
  const rowStart = new Int32Array(n + 1)
  const cols = new Int32Array(2 * revStart[n]!)
  const vals = new Float64Array(2 * revStart[n]!)
  const slot = new Int32Array(n).fill(-1)
  const norm = 1 / (2 * n)
  let nnz = 0
  for (let i = 0; i < n; i++) {
    rowStart[i] = nnz
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t]!
      if (j < 0) continue
      slot[j] = nnz
      cols[nnz] = j
      vals[nnz++] = cond[i * k + t]!
    }
    for (let r = revStart[i]!; r < revStart[i + 1]!; r++) {
      const j = revFrom[r]!
      const s = slot[j]!
      if (s >= 0) vals[s]! += revVal[r]!
      else {
        cols[nnz] = j
        vals[nnz++] = revVal[r]!
      }
    }
    for (let q = rowStart[i]!; q < nnz; q++) {
      vals[q]! *= norm
      slot[cols[q]!] = -1
    }
  }
  rowStart[n] = nnz
  return { n, rowStart, cols: cols.slice(0, nnz), vals: vals.slice(0, nnz) }
}

// ---------------------------------------------------------------- optimisation

/** The gradient-descent state of one map: velocities and gains; the positions live in the force field's (shared) memory. */
export class TsneOptimiser {
  private readonly update: Float64Array
  private readonly gains: Float64Array
  private readonly learningRate: number
  private readonly exaggerationIterations: number

  constructor(
    private readonly forces: TsneForces,
    private readonly n: number,
    private readonly dims: 2 | 3,
    private readonly p: TsneParams,
  ) {
    this.update = new Float64Array(n * dims)
    this.gains = new Float64Array(n * dims).fill(1)
    this.learningRate = p.learningRate ?? Math.max(n / p.earlyExaggeration, 200)
    this.exaggerationIterations = Math.min(p.exaggerationIterations, Math.floor(p.iterations / 4))
  }

  /** Point i becomes perm[i] (with TsneForces.relabel). */
  relabel(perm: Int32Array): void {
    const { n, dims } = this
    for (const a of [this.update, this.gains]) {
      const old = a.slice()
      for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) a[perm[i]! * dims + d] = old[i * dims + d]!
    }
  }

  step(it: number): void {
    const { n, dims, update, gains } = this
    const { y, attract, repel } = this.forces
    const early = it < this.exaggerationIterations
    const exaggeration = early ? this.p.earlyExaggeration : 1
    const momentum = early ? this.p.momentum : this.p.finalMomentum
    const invZ = 1 / this.forces.evaluate()
    const eta = this.learningRate
    const mean = [0, 0, 0]
    for (let t = 0; t < n * dims; t++) {
      const grad = exaggeration * attract[t]! - repel[t]! * invZ
      const u = update[t]!
      const g = grad > 0 !== u > 0 ? gains[t]! + 0.2 : Math.max(gains[t]! * 0.8, 0.01)
      gains[t] = g
      const nu = momentum * u - eta * g * grad
      update[t] = nu
      y[t]! += nu
      mean[t % dims]! += y[t]!
    }
    for (let d = 0; d < dims; d++) mean[d]! /= n
    for (let t = 0; t < n * dims; t++) y[t]! -= mean[t % dims]!
  }

  /** KL(P‖Q) = Σ p_ij log(p_ij / q_ij) over the stored pairs (the rest have p = 0), Z by Barnes–Hut. */
  kl(): number {
    const { dims } = this
    const y = this.forces.y
    const z = this.forces.evaluate()
    let kl = 0
    // Each pair i < j once, counted for both p_ij and p_ji.
    this.forces.forEachPair((i, j, pij) => {
      let d2 = 0
      for (let d = 0; d < dims; d++) d2 += (y[i * dims + d]! - y[j * dims + d]!) ** 2
      if (pij > 0) kl += 2 * pij * Math.log(pij / Math.max(1 / (1 + d2) / z, 1e-300))
    })
    return kl
  }
}
