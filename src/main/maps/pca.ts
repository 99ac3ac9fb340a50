/**
 * PCA: the linear map of largest variance.
 *
 *   x̃ᵢ = xᵢ − μ  (rows L2-normalised first for the cosine metric, so the map
 *                 shows directions, as the cosine sees them), μ = mean row
 *   C  = X̃ᵀX̃ / (n − 1)                       the dim × dim covariance
 *   C vⱼ = λⱼ vⱼ, λ₁ ≥ λ₂ ≥ …                 top `dims` eigenpairs
 *   yᵢⱼ = x̃ᵢ · vⱼ                             the coordinates
 *
 * The eigenvectors come from block subspace iteration on C with a
 * Rayleigh–Ritz step each round (block of dims + 4 vectors; the b × b Ritz
 * problem by cyclic Jacobi), stopped when every wanted residual
 * |C vⱼ − λⱼ vⱼ| ≤ 1e-10·λ₁, or after 1,000 rounds — then the vectors of a
 * (near-)degenerate spectrum are an arbitrary but deterministic basis of it.
 * When dim ≤ block size one round is exact. Cost: n·dim²/2 for C (~50 ms at
 * 37,020 × 50), dim²·b per round; no n-sized work inside the iteration.
 *
 * Sign: each vⱼ is flipped so that its largest-|·| loading is positive
 * (scikit-learn's svd_flip convention), so the same data gives the same map.
 * Components beyond the rank of the data (or beyond dim) are zero columns.
 */
import { mulberry32 } from '../lib/random'
import { normalizeRows } from '../recommend/neighbours'

export interface PcaParams {
  dims: number
  /** L2-normalise rows before centring (cosine metric). */
  normalise: boolean
  maxRounds: number
  tolerance: number
}

export const PCA_DEFAULTS: PcaParams = { dims: 2, normalise: false, maxRounds: 1000, tolerance: 1e-10 }

export interface PcaResult {
  /** n × dims, row-major (not display-normalised). */
  coords: Float64Array
  /** dims × dim, row j = vⱼ. */
  components: Float64Array
  /** λⱼ, the variance along vⱼ. */
  variances: Float64Array
  /** λⱼ / trace(C). */
  explained: Float64Array
  rounds: number
}

export function pca(data: Float32Array, n: number, dim: number, params: Partial<PcaParams> = {}): PcaResult {
  const p = { ...PCA_DEFAULTS, ...params }
  const dims = p.dims
  if (n < 1) throw new Error('PCA needs at least one row')
  const x = p.normalise ? normalizeRows(n, dim, data).data : data

  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += x[i * dim + d]!
  for (let d = 0; d < dim; d++) mean[d]! /= n
  const cov = covariance(x, n, dim, mean)
  let trace = 0
  for (let d = 0; d < dim; d++) trace += cov[d * dim + d]!

  const wanted = Math.min(dims, dim)
  const { vectors, values, rounds } = topEigen(cov, dim, wanted, p.maxRounds, p.tolerance)

  const components = new Float64Array(dims * dim)
  const variances = new Float64Array(dims)
  const explained = new Float64Array(dims)
  for (let j = 0; j < wanted; j++) {
    let best = 0
    for (let d = 1; d < dim; d++) if (Math.abs(vectors[d * wanted + j]!) > Math.abs(vectors[best * wanted + j]!)) best = d
    const sign = vectors[best * wanted + j]! < 0 ? -1 : 1
    for (let d = 0; d < dim; d++) components[j * dim + d] = sign * vectors[d * wanted + j]!
    variances[j] = Math.max(0, values[j]!)
    explained[j] = trace > 0 ? variances[j]! / trace : 0
  }

  const coords = new Float64Array(n * dims)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < wanted; j++) {
      let s = 0
      for (let d = 0; d < dim; d++) s += (x[i * dim + d]! - mean[d]!) * components[j * dim + d]!
      coords[i * dims + j] = s
    }
  }
  return { coords, components, variances, explained, rounds }
}

/** C = X̃ᵀX̃ / (n − 1) (or / 1 for one row), dim × dim, symmetric. */
function covariance(x: Float32Array, n: number, dim: number, mean: Float64Array): Float64Array {
  const c = new Float64Array(dim * dim)
  const row = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    const o = i * dim
    for (let d = 0; d < dim; d++) row[d] = x[o + d]! - mean[d]!
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!
      if (ra === 0) continue
      const base = a * dim
      for (let b = a; b < dim; b++) c[base + b]! += ra * row[b]!
    }
  }
  const inv = 1 / Math.max(n - 1, 1)
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = c[a * dim + b]! * inv
      c[a * dim + b] = v
      c[b * dim + a] = v
    }
  }
  return c
}

/**
 * Top `wanted` eigenpairs of the symmetric m × m matrix `a`: vectors as an
 * m × wanted column block (row-major), values descending.
 */
export function topEigen(a: Float64Array, m: number, wanted: number, maxRounds: number, tolerance: number): { vectors: Float64Array; values: Float64Array; rounds: number } {
  const b = Math.min(m, wanted + 4)
  // A fixed, deterministic start (PCA has no seed): uniform in [-0.5, 0.5).
  const rand = mulberry32(0x9e3779b9)
  let q = new Float64Array(m * b)
  for (let t = 0; t < q.length; t++) q[t] = rand() - 0.5
  orthonormalise(q, m, b)
  let z = new Float64Array(m * b)
  let values = new Float64Array(b)
  let rounds = 0
  for (; rounds < maxRounds; ) {
    rounds++
    multiply(a, q, z, m, b)
    // Rayleigh–Ritz: T = QᵀAQ = W Λ Wᵀ; Q ← QW, Z ← ZW (= AQ still).
    const t = new Float64Array(b * b)
    for (let r = 0; r < b; r++) {
      for (let c = 0; c < b; c++) {
        let s = 0
        for (let k = 0; k < m; k++) s += q[k * b + r]! * z[k * b + c]!
        t[r * b + c] = s
      }
    }
    for (let r = 0; r < b; r++) for (let c = r + 1; c < b; c++) t[r * b + c] = t[c * b + r] = 0.5 * (t[r * b + c]! + t[c * b + r]!)
    const eig = jacobiEigen(t, b)
    values = eig.values
    q = rotate(q, eig.vectors, m, b)
    z = rotate(z, eig.vectors, m, b)
    if (b === m) break
    let worst = 0
    for (let j = 0; j < wanted; j++) {
      let s = 0
      for (let k = 0; k < m; k++) {
        const r = z[k * b + j]! - values[j]! * q[k * b + j]!
        s += r * r
      }
      worst = Math.max(worst, Math.sqrt(s))
    }
    if (worst <= tolerance * Math.max(Math.abs(values[0]!), Number.MIN_VALUE)) break
    q.set(z)
    orthonormalise(q, m, b)
  }
  const vectors = new Float64Array(m * wanted)
  for (let k = 0; k < m; k++) for (let j = 0; j < wanted; j++) vectors[k * wanted + j] = q[k * b + j]!
  return { vectors, values: values.slice(0, wanted), rounds }
}

/** out (m × b) = A (m × m) · Q (m × b). */
function multiply(a: Float64Array, q: Float64Array, out: Float64Array, m: number, b: number): void {
  out.fill(0)
  for (let r = 0; r < m; r++) {
    for (let k = 0; k < m; k++) {
      const v = a[r * m + k]!
      if (v === 0) continue
      for (let c = 0; c < b; c++) out[r * b + c]! += v * q[k * b + c]!
    }
  }
}

/** Q (m × b) · W (b × b). */
function rotate(q: Float64Array, w: Float64Array, m: number, b: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * b)
  for (let r = 0; r < m; r++) {
    for (let k = 0; k < b; k++) {
      const v = q[r * b + k]!
      for (let c = 0; c < b; c++) out[r * b + c]! += v * w[k * b + c]!
    }
  }
  return out
}

/** Modified Gram–Schmidt on the columns, twice (numerically orthonormal); a column that vanishes stays zero. */
function orthonormalise(q: Float64Array, m: number, b: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < b; c++) {
      for (let p = 0; p < c; p++) {
        let dot = 0
        for (let k = 0; k < m; k++) dot += q[k * b + c]! * q[k * b + p]!
        for (let k = 0; k < m; k++) q[k * b + c]! -= dot * q[k * b + p]!
      }
      let norm = 0
      for (let k = 0; k < m; k++) norm += q[k * b + c]! ** 2
      norm = Math.sqrt(norm)
      const inv = norm > 1e-150 ? 1 / norm : 0
      for (let k = 0; k < m; k++) q[k * b + c]! *= inv
    }
  }
}

/**
 * All eigenpairs of a small symmetric b × b matrix by cyclic Jacobi
 * rotations (until the off-diagonal mass is ~1e-30 of the total): values
 * descending, vectors as columns of a b × b row-major matrix.
 */
export function jacobiEigen(input: Float64Array, b: number): { values: Float64Array<ArrayBuffer>; vectors: Float64Array<ArrayBuffer> } {
  const a = input.slice()
  const v = new Float64Array(b * b)
  for (let i = 0; i < b; i++) v[i * b + i] = 1
  let total = 0
  for (let t = 0; t < b * b; t++) total += a[t]! * a[t]!
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let r = 0; r < b; r++) for (let c = r + 1; c < b; c++) off += a[r * b + c]! ** 2
    if (off <= 1e-30 * total || off === 0) break
    for (let p = 0; p < b; p++) {
      for (let r = p + 1; r < b; r++) {
        const apr = a[p * b + r]!
        if (apr === 0) continue
        const theta = (a[r * b + r]! - a[p * b + p]!) / (2 * apr)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < b; k++) {
          const akp = a[k * b + p]!
          const akr = a[k * b + r]!
          a[k * b + p] = c * akp - s * akr
          a[k * b + r] = s * akp + c * akr
        }
        for (let k = 0; k < b; k++) {
          const apk = a[p * b + k]!
          const ark = a[r * b + k]!
          a[p * b + k] = c * apk - s * ark
          a[r * b + k] = s * apk + c * ark
        }
        for (let k = 0; k < b; k++) {
          const vkp = v[k * b + p]!
          const vkr = v[k * b + r]!
          v[k * b + p] = c * vkp - s * vkr
          v[k * b + r] = s * vkp + c * vkr
        }
      }
    }
  }
  const order = Array.from({ length: b }, (_, i) => i).sort((i, j) => a[j * b + j]! - a[i * b + i]! || i - j)
  const values = new Float64Array(b)
  const vectors = new Float64Array(b * b)
  order.forEach((src, dst) => {
    values[dst] = a[src * b + src]!
    for (let k = 0; k < b; k++) vectors[k * b + dst] = v[k * b + src]!
  })
  return { values, vectors }
}
