/**
 * The k-nearest-neighbour graph t-SNE and UMAP start from, by squared
 * euclidean distance (callers L2-normalise the rows first for the cosine
 * metric: |x̂ − ŷ|² = 2(1 − cos)).
 *
 *   n ≤ exactBelow (5,000): exact, brute force in JS — every pair once,
 *     O(n²·dim), ~1 s at 5,000 × 50, a bounded max-heap per row.
 *   beyond: usearch's HNSW (connectivity 16, expansion 64 when adding, its
 *     default when searching; recall 0.98 at k = 90 on 37,020 × 50 clustered
 *     data). Vectors are added on
 *     ONE thread: HNSW insertion on several threads is racy, so the graph — and
 *     every map made from it — would differ from run to run. Single-threaded it
 *     is deterministic (~3.4 s for 37,020 × 50 here). The queries are
 *     independent, so they run on every core — but an index only has search
 *     contexts for as many threads as it was filled with, so the index is
 *     saved to a temp file and loaded back first (~20 ms; a loaded index
 *     serves any thread count): 1.4 s instead of 3.3 s on 2 cores, same result.
 *     Native usearch `exactSearch` was measured too: ~127 s at that size, no.
 *
 * Self is excluded; neighbours are sorted by distance, ties by index; a row
 * with fewer than k neighbours found (never seen, possible in HNSW) is padded
 * with index −1, distance +∞.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Index, MetricKind, ScalarKind, type BatchMatches } from 'usearch'

/** usearch's default is 128: 64 halves the time to add 37,020 × 50 (5.1 → 2.6 s) for recall 0.986 → 0.981 at k = 90. */
const EXPANSION_ADD = 64

export interface KnnParams {
  /** Brute force below this many rows. */
  exactBelow: number
  /** HNSW graph degree. */
  connectivity: number
  /** Search threads; 0: one per core. */
  threads: number
}

export const KNN_DEFAULTS: KnnParams = { exactBelow: 5000, connectivity: 16, threads: 0 }

export interface KnnGraph {
  n: number
  k: number
  /** n × k neighbour indices, nearest first; −1 pads a short row. */
  indices: Int32Array
  /** n × k squared euclidean distances, ascending. */
  sqDistances: Float32Array
  method: 'exact' | 'hnsw'
}

export function nearestNeighbours(data: Float32Array, n: number, dim: number, k: number, params: Partial<KnnParams> = {}): KnnGraph {
  const p = { ...KNN_DEFAULTS, ...params }
  if (n < 2) throw new Error('nearest neighbours need at least 2 rows')
  if (data.length < n * dim) throw new Error(`data holds ${data.length} values, not ${n} × ${dim}`)
  const kk = Math.min(k, n - 1)
  return n <= p.exactBelow ? exactKnn(data, n, dim, kk) : hnswKnn(data, n, dim, kk, p.connectivity, p.threads === 0 ? availableParallelism() : p.threads)
}

export function exactKnn(data: Float32Array, n: number, dim: number, k: number): KnnGraph {
  // One bounded max-heap (by distance, then index) per row; each pair is computed once and offered to both rows.
  const hd = new Float64Array(n * k).fill(Infinity)
  const hi = new Int32Array(n * k).fill(-1)
  const size = new Int32Array(n)
  const offer = (row: number, j: number, d: number) => {
    const base = row * k
    let s = size[row]!
    if (s < k) {
      let c = s++
      size[row] = s
      while (c > 0) {
        const parent = (c - 1) >> 1
        if (!worse(d, j, hd[base + parent]!, hi[base + parent]!)) break
        hd[base + c] = hd[base + parent]!
        hi[base + c] = hi[base + parent]!
        c = parent
      }
      hd[base + c] = d
      hi[base + c] = j
      return
    }
    if (!worse(hd[base]!, hi[base]!, d, j)) return
    // Replace the root (the worst kept) and sift down.
    let c = 0
    for (;;) {
      const l = 2 * c + 1
      if (l >= k) break
      const r = l + 1
      let m = l
      if (r < k && worse(hd[base + r]!, hi[base + r]!, hd[base + l]!, hi[base + l]!)) m = r
      if (!worse(hd[base + m]!, hi[base + m]!, d, j)) break
      hd[base + c] = hd[base + m]!
      hi[base + c] = hi[base + m]!
      c = m
    }
    hd[base + c] = d
    hi[base + c] = j
  }
  for (let i = 0; i < n; i++) {
    const oi = i * dim
    for (let j = i + 1; j < n; j++) {
      const oj = j * dim
      let s = 0
      for (let d = 0; d < dim; d++) {
        const t = data[oi + d]! - data[oj + d]!
        s += t * t
      }
      offer(i, j, s)
      offer(j, i, s)
    }
  }
  const indices = new Int32Array(n * k)
  const sqDistances = new Float32Array(n * k)
  const order = Array.from({ length: k }, (_, t) => t)
  for (let i = 0; i < n; i++) {
    const base = i * k
    order.sort((a, b) => hd[base + a]! - hd[base + b]! || hi[base + a]! - hi[base + b]!)
    for (let t = 0; t < k; t++) {
      indices[base + t] = hi[base + order[t]!]!
      sqDistances[base + t] = hd[base + order[t]!]!
    }
  }
  return { n, k, indices, sqDistances, method: 'exact' }
}

/** (d1, j1) ranks after (d2, j2): farther, or as far with a larger index. */
function worse(d1: number, j1: number, d2: number, j2: number): boolean {
  return d1 > d2 || (d1 === d2 && j1 > j2)
}

function hnswKnn(data: Float32Array, n: number, dim: number, k: number, connectivity: number, threads: number): KnnGraph {
  const config = { dimensions: dim, metric: MetricKind.L2sq, quantization: ScalarKind.F32, connectivity, expansion_add: EXPANSION_ADD, expansion_search: 0, multi: false }
  let index = new Index(config)
  const keys = new BigUint64Array(n)
  for (let i = 0; i < n; i++) keys[i] = BigInt(i)
  const vectors = data.length === n * dim ? data : data.subarray(0, n * dim)
  index.add(keys, vectors, 1)
  if (threads > 1) {
    const dir = mkdtempSync(join(tmpdir(), 'ew-knn-'))
    try {
      index.save(join(dir, 'index.usearch'))
      index = new Index(config)
      index.load(join(dir, 'index.usearch'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  // k + 1: the row itself is (almost always) its own first match.
  const wanted = Math.min(k + 1, n)
  // A matrix of queries gives BatchMatches (the overloads type a Float32Array as one vector).
  const found = index.search(vectors, wanted, threads) as unknown as BatchMatches
  const indices = new Int32Array(n * k).fill(-1)
  const sqDistances = new Float32Array(n * k).fill(Infinity)
  // Keys are < 2^32: read the low words of the little-endian u64s rather than convert n·k BigInts.
  const keys32 = new Uint32Array(found.keys.buffer, found.keys.byteOffset, 2 * found.keys.length)
  const counts32 = new Uint32Array(found.counts.buffer, found.counts.byteOffset, 2 * found.counts.length)
  for (let i = 0; i < n; i++) {
    const count = counts32[2 * i]!
    let t = 0
    for (let m = 0; m < count && t < k; m++) {
      const j = keys32[2 * (i * wanted + m)]!
      if (j === i) continue
      indices[i * k + t] = j
      sqDistances[i * k + t] = Math.max(0, found.distances[i * wanted + m]!)
      t++
    }
  }
  return { n, k, indices, sqDistances, method: 'hnsw' }
}
