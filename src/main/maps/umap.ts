/**
 * UMAP (McInnes, Healy & Melville 2018), the fuzzy graph and the layout SGD
 * written over typed arrays after umap-learn's `fuzzy_simplicial_set` and
 * `optimize_layout_euclidean`; umap-js (PAIR's port) supplies the curve fit
 * (`findABParams`) and is the reference the tests hold the graph to.
 *
 * Why not umap-js's optimiser: measured at 37,020 × 50 on this 2-core
 * machine, with our neighbours through `setPrecomputedKNN`, its
 * `initializeFit` (string-keyed sparse matrices) took 25 s and each `step()`
 * (number[][] rows, every edge every epoch) 300–360 ms — 6 minutes for 1,000
 * epochs and a first layout after 34 s. This file does the same work in
 * ~0.4 s and 115–165 ms an epoch (the negative samples' random reads and
 * d²^b dominate), ~35 s for a whole 37,020-point map.
 *
 *   kNN(i) = i itself and its k − 1 nearest rows (k = nNeighbors, ./knn.ts),
 *     distances d: cosine 1 − cos (rows L2-normalised: |x̂ − ŷ|²/2),
 *     euclidean |x − y|
 *   ρᵢ = distance to the nearest other row; σᵢ by bisection so that
 *     Σ_{j≠i} exp(−max(dᵢⱼ − ρᵢ, 0)/σᵢ) = log₂ k   (σᵢ ≥ 1e-3 × mean distance)
 *   wᵢⱼ = exp(−max(dᵢⱼ − ρᵢ, 0)/σᵢ); fuzzy union W + Wᵀ − W∘Wᵀ
 *   edges below max w / epochs are dropped; edge (i, j) is sampled every
 *     max w / wᵢⱼ epochs, both ends pulled by
 *       ∇ = −2ab·d²^(b−1) / (1 + a·d²^b) · (yᵢ − yⱼ)     (clipped to ±4 per coordinate)
 *     and yᵢ pushed from 5 random points per sample by
 *       ∇ = 2γb / ((0.001 + d²)(1 + a·d²^b)) · (yᵢ − y_r) (γ = 1, clipped to ±4)
 *   step size α = 1 − (epoch − 1)/epochs (1 for the first two); a, b fitted to 1/(1 + a·x^2b) ≈ the
 *     curve that is 1 below minDist and exp(−(x − minDist)) above (spread 1).
 *
 * Defaults: nNeighbors 15, minDist 0.1, 5 negative samples; epochs =
 * `iterations` (1,000 by default), but at most 200 above 10,000 points —
 * umap-learn's own default there, as its layouts no longer change visibly.
 * Initialisation: PCA of the same rows scaled to max |coordinate| = 10 plus
 * N(0, 1e-4²) seeded noise (umap-learn's init="pca"); it is also the first
 * live layout, posted before the neighbours are searched. The negative
 * samples come from a seeded mulberry32 stream, so a seed repeats a map.
 */
import { findABParams } from 'umap-js/dist/umap'
import { mulberry32, Random } from '../lib/random'
import { normalizeRows } from '../recommend/neighbours'
import { nearestNeighbours, type KnnGraph } from './knn'
import { normaliseLayout, report, type OnLayoutProgress } from './layout'
import { pca } from './pca'

export interface UmapParams {
  dims: 2 | 3
  metric: 'cosine' | 'euclidean'
  nNeighbors: number
  minDist: number
  /** Epochs (capped at LARGE_EPOCHS above LARGE_N points). */
  iterations: number
  seed: number
  negativeSampleRate: number
}

export const UMAP_DEFAULTS: UmapParams = { dims: 2, metric: 'cosine', nNeighbors: 15, minDist: 0.1, iterations: 1000, seed: 42, negativeSampleRate: 5 }
export const LARGE_N = 10_000
export const LARGE_EPOCHS = 200

export interface UmapResult {
  /** n × dims, display-normalised. */
  coords: Float32Array
  epochs: number
  knn: KnnGraph['method']
}

export async function umap(data: Float32Array, n: number, dim: number, params: Partial<UmapParams> = {}, onProgress?: OnLayoutProgress): Promise<UmapResult> {
  const p = { ...UMAP_DEFAULTS, ...params }
  const dims = p.dims
  const epochs = umapEpochs(n, p.iterations)
  const k = Math.min(p.nNeighbors, n)
  if (n < 3) throw new Error('UMAP needs at least 3 points')
  const rows = p.metric === 'cosine' ? normalizeRows(n, dim, data).data : data

  const y = initialLayout(rows, n, dim, dims, p.seed)
  await report(onProgress, { phase: 'Initial layout (PCA)', iteration: 0, totalIterations: epochs, layout: () => normaliseLayout(y, n, dims) })

  await report(onProgress, { phase: 'Nearest neighbours', iteration: 0, totalIterations: epochs, layout: null })
  const knn = nearestNeighbours(rows, n, dim, k - 1)
  await report(onProgress, { phase: 'Fuzzy graph', iteration: 0, totalIterations: epochs, layout: null })
  const graph = fuzzyGraph(knn, p.metric)

  const opt = new UmapOptimiser(graph, y, n, dims, epochs, p)
  for (let e = 0; e < epochs; e++) {
    opt.epoch(e)
    await report(onProgress, { phase: 'Optimising', iteration: e + 1, totalIterations: epochs, layout: () => normaliseLayout(y, n, dims) })
  }
  return { coords: normaliseLayout(y, n, dims), epochs, knn: knn.method }
}

export function umapEpochs(n: number, iterations: number): number {
  return n > LARGE_N ? Math.min(iterations, LARGE_EPOCHS) : iterations
}

/** PCA scaled to max |coordinate| = 10, plus seeded N(0, 1e-4²) noise (umap-learn's "pca" init). */
export function initialLayout(rows: Float32Array, n: number, dim: number, dims: number, seed: number): Float64Array {
  const y = pca(rows, n, dim, { dims }).coords
  let max = 0
  for (const v of y) max = Math.max(max, Math.abs(v))
  const scale = max > 0 ? 10 / max : 0
  const rng = new Random(seed)
  for (let t = 0; t < y.length; t++) y[t] = y[t]! * scale + 1e-4 * rng.normal()
  return y
}

// ---------------------------------------------------------------- the fuzzy graph

/** Symmetric sparse weights, CSR with columns ascending in each row. */
export interface FuzzyGraph {
  n: number
  rowStart: Int32Array
  cols: Int32Array
  vals: Float64Array
}

const SMOOTH_K_TOLERANCE = 1e-5
const MIN_K_DIST_SCALE = 1e-3

/** The metric's distance from a squared euclidean distance (of normalised rows for cosine). */
function metricDistance(sq: number, metric: UmapParams['metric']): number {
  return metric === 'cosine' ? sq / 2 : Math.sqrt(sq)
}

/** umap-learn's fuzzy_simplicial_set over a kNN graph that excludes self (k = nNeighbors − 1 columns). */
export function fuzzyGraph(knn: KnnGraph, metric: UmapParams['metric']): FuzzyGraph {
  const { n, k, indices, sqDistances } = knn
  // log₂ of nNeighbors, which counts the point itself.
  const target = Math.log2(k + 1)
  let meanAll = 0
  for (let t = 0; t < n * k; t++) if (indices[t]! >= 0) meanAll += metricDistance(sqDistances[t]!, metric)
  // umap-learn averages over the k + 1 columns including the zero self-distance.
  meanAll /= n * (k + 1)
  const w = new Float64Array(n * k)
  const dist = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    let m = 0
    let sum = 0
    for (let t = 0; t < k; t++) {
      if (indices[i * k + t]! < 0) break
      dist[m] = metricDistance(sqDistances[i * k + t]!, metric)
      sum += dist[m++]!
    }
    // ρ: the first non-zero distance (local connectivity 1).
    let rho = 0
    for (let t = 0; t < m; t++) {
      if (dist[t]! > 0) {
        rho = dist[t]!
        break
      }
    }
    let lo = 0
    let hi = Infinity
    let mid = 1
    for (let it = 0; it < 64; it++) {
      let psum = 0
      for (let t = 0; t < m; t++) {
        const d = dist[t]! - rho
        psum += d > 0 ? Math.exp(-d / mid) : 1
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break
      if (psum > target) {
        hi = mid
        mid = (lo + hi) / 2
      } else {
        lo = mid
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2
      }
    }
    const meanI = sum / (k + 1)
    const sigma = Math.max(mid, MIN_K_DIST_SCALE * (rho > 0 ? meanI : meanAll))
    for (let t = 0; t < m; t++) {
      const d = dist[t]! - rho
      w[i * k + t] = d <= 0 ? 1 : Math.exp(-d / sigma)
    }
  }
  return fuzzyUnion(knn, w)
}

/** W + Wᵀ − W∘Wᵀ as CSR, columns ascending. */
function fuzzyUnion(knn: KnnGraph, w: Float64Array): FuzzyGraph {
  const { n, k, indices } = knn
  // Reverse lists: rows that have j among their neighbours.
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
      revVal[at] = w[i * k + t]!
    }
  }
  const fwd = new Float64Array(n).fill(-1)
  const bwd = new Float64Array(n).fill(-1)
  const rowStart = new Int32Array(n + 1)
  const cols: number[] = []
  const vals: number[] = []
  const touched: number[] = []
  for (let i = 0; i < n; i++) {
    rowStart[i] = cols.length
    touched.length = 0
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t]!
      if (j < 0 || j === i) continue
      if (fwd[j]! < 0 && bwd[j]! < 0) touched.push(j)
      fwd[j] = w[i * k + t]!
    }
    for (let r = revStart[i]!; r < revStart[i + 1]!; r++) {
      const j = revFrom[r]!
      if (j === i) continue
      if (fwd[j]! < 0 && bwd[j]! < 0) touched.push(j)
      bwd[j] = revVal[r]!
    }
    touched.sort((a, b) => a - b)
    for (const j of touched) {
      const a = Math.max(fwd[j]!, 0)
      const b = Math.max(bwd[j]!, 0)
      const v = a + b - a * b
      if (v > 0) {
        cols.push(j)
        vals.push(v)
      }
      fwd[j] = -1
      bwd[j] = -1
    }
  }
  rowStart[n] = cols.length
  return { n, rowStart, cols: Int32Array.from(cols), vals: Float64Array.from(vals) }
}

// ---------------------------------------------------------------- layout

/** The SGD state: one entry per directed edge (both directions of every graph edge). */
export class UmapOptimiser {
  private readonly head: Int32Array
  private readonly tail: Int32Array
  private readonly epochsPerSample: Float64Array
  private readonly nextSample: Float64Array
  private readonly epochsPerNegative: Float64Array
  private readonly nextNegative: Float64Array
  private readonly a: number
  private readonly b: number
  private readonly random: () => number

  constructor(
    graph: FuzzyGraph,
    private readonly y: Float64Array,
    private readonly n: number,
    private readonly dims: number,
    private readonly epochs: number,
    p: UmapParams,
  ) {
    let max = 0
    for (const v of graph.vals) max = Math.max(max, v)
    const head: number[] = []
    const tail: number[] = []
    const eps: number[] = []
    for (let i = 0; i < graph.n; i++) {
      for (let q = graph.rowStart[i]!; q < graph.rowStart[i + 1]!; q++) {
        const v = graph.vals[q]!
        // Edges too weak to be sampled even once in the run are dropped.
        if (v < max / epochs) continue
        head.push(i)
        tail.push(graph.cols[q]!)
        eps.push(max / v)
      }
    }
    this.head = Int32Array.from(head)
    this.tail = Int32Array.from(tail)
    this.epochsPerSample = Float64Array.from(eps)
    this.nextSample = Float64Array.from(eps)
    this.epochsPerNegative = this.epochsPerSample.map((e) => e / p.negativeSampleRate)
    this.nextNegative = this.epochsPerNegative.slice()
    const ab = findABParams(1, p.minDist)
    this.a = ab.a
    this.b = ab.b
    this.random = mulberry32(p.seed ^ 0x5bd1e995)
  }

  /** One epoch (0-based), umap-learn's optimize_layout_euclidean_single_epoch with γ = 1. */
  epoch(e: number): void {
    const { y, dims, a, b, n } = this
    const { head, tail, epochsPerSample, nextSample, epochsPerNegative, nextNegative } = this
    // umap-learn updates α after each epoch from the epoch just done: 1, 1, 1 − 1/N, 1 − 2/N, …
    const alpha = 1 - Math.max(e - 1, 0) / this.epochs
    const rand = this.random
    for (let s = 0; s < head.length; s++) {
      if (nextSample[s]! > e) continue
      const j = head[s]! * dims
      const k = tail[s]! * dims
      let d2 = 0
      for (let d = 0; d < dims; d++) d2 += (y[j + d]! - y[k + d]!) ** 2
      // d²^b as exp(b·ln d²): ~40 ns against Math.pow's ~60 here, and d²^(b−1) = d²^b / d².
      let pull = 0
      if (d2 > 0) {
        const pb = Math.exp(b * Math.log(d2))
        pull = (-2 * a * b * (pb / d2)) / (a * pb + 1)
      }
      for (let d = 0; d < dims; d++) {
        const g = clip(pull * (y[j + d]! - y[k + d]!)) * alpha
        y[j + d]! += g
        y[k + d]! -= g
      }
      nextSample[s]! += epochsPerSample[s]!
      const negatives = Math.floor((e - nextNegative[s]!) / epochsPerNegative[s]!)
      for (let q = 0; q < negatives; q++) {
        const r = Math.floor(rand() * n) * dims
        if (r === j) continue
        let e2 = 0
        for (let d = 0; d < dims; d++) e2 += (y[j + d]! - y[r + d]!) ** 2
        if (e2 <= 0) continue
        const push = (2 * b) / ((0.001 + e2) * (a * Math.exp(b * Math.log(e2)) + 1))
        for (let d = 0; d < dims; d++) y[j + d]! += clip(push * (y[j + d]! - y[r + d]!)) * alpha
      }
      nextNegative[s]! += negatives * epochsPerNegative[s]!
    }
  }
}

function clip(v: number): number {
  return v > 4 ? 4 : v < -4 ? -4 : v
}
