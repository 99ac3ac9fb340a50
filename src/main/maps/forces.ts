/**
 * t-SNE's two forces on every point, on T threads (./tsne.ts has the math):
 *   attraction  Aᵢ = Σⱼ p_ij w_ij (yᵢ − yⱼ)        over the sparse symmetric P
 *   repulsion   Rᵢ = Σⱼ w_ij² (yᵢ − yⱼ), Z = Σ w   Barnes–Hut (./bhtree.ts)
 *
 * Attraction visits each pair once (i < j: w_ij computed once, added to i
 * and subtracted from j — half the work of a pass over every row of P). The
 * pairs are cut into SHARDS = 8 runs of rows with equal pair counts, each
 * summing into its own buffer; the buffers are added in shard order.
 * Repulsion: the calling thread builds the tree (shared memory), then it and
 * T − 1 worker_threads each take a contiguous share of the groups (by points)
 * and every T-th shard of pairs. Each point's repulsion is computed by one
 * thread in a fixed order, Z is summed per group and then over groups in
 * order, and the shard buffers are added in order — so the forces are
 * bit-identical for any T.
 *
 * The workers run the kernels as source text (`fn.toString()`, started with
 * `new Worker(code, { eval: true })`, as the sparse engine does), which works
 * the same under tsx/vitest and from the bundle: the kernels take everything
 * as arguments and reference nothing outside their bodies. tsx's esbuild
 * keeps function names with a `__name` helper, defined as the identity in
 * the worker's preamble. Synchronisation: Atomics wait/notify on a control
 * array (a generation counter to start, a done counter to finish).
 *
 * Defaults: threads 0 = one per core (os.availableParallelism(), at most 8);
 * below 4,000 points everything runs on the calling thread; θ = 0.5; far
 * cells act through a group's first-order expansion when the group's
 * half-diagonal is below 0.35 × their distance (./bhtree.ts).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { buildTree, createTree, groupRepulsion2d, groupRepulsion3d, type BhTree } from './bhtree'

export interface ForceParams {
  /** 0: one per core. */
  threads: number
  /** Fewer points than this run on the calling thread only. */
  parallelFrom: number
  theta: number
  /** Group half-diagonal / distance below which far cells act through the group's expansion; 0: never. */
  expansion: number
}

export const FORCE_DEFAULTS: ForceParams = { threads: 0, parallelFrom: 4000, theta: 0.5, expansion: 0.35 }

/** Runs of pair rows with their own accumulation buffer (fixed, so the sums do not depend on T). */
export const SHARDS = 8

export interface SparseRows {
  rowStart: Int32Array
  cols: Int32Array
  vals: Float64Array
}

// Control cells (Int32): generation, done counter, stop flag, error flag, then 2 per thread: group from/to. The thread code below spells these offsets as literals: it runs as source text, where module
// constants (renamed or inlined by a bundler) do not exist.
const GEN = 0
const DONE = 1
const STOP = 2
const FAILED = 3
const SPLIT = 4

/**
 * Attraction of the pairs (i, j > i) of rows [from, to) (pairs in CSR by
 * i): w = p_ij / (1 + |yᵢ − yⱼ|²), acc_i += w (yᵢ − yⱼ), acc_j −= w (yᵢ − yⱼ),
 * into acc[offset …], zeroed first from row `from` on (no pair of these rows
 * touches an earlier one).
 */
export function attraction(from: number, to: number, n: number, dims: number, y: Float64Array, rowStart: Int32Array, cols: Int32Array, vals: Float64Array, acc: Float64Array, offset: number): void {
  acc.fill(0, offset + from * dims, offset + n * dims)
  if (dims === 2) {
    // Two pairs per round with their own sums: shorter dependency chains (~20 % faster here).
    for (let i = from; i < to; i++) {
      const yx = y[2 * i]!
      const yy = y[2 * i + 1]!
      let fx = 0
      let fy = 0
      let hx = 0
      let hy = 0
      const e = rowStart[i + 1]!
      let q = rowStart[i]!
      for (; q + 1 < e; q += 2) {
        const j = cols[q]!
        const k = cols[q + 1]!
        const dx = yx - y[2 * j]!
        const dy = yy - y[2 * j + 1]!
        const ex = yx - y[2 * k]!
        const ey = yy - y[2 * k + 1]!
        const pw = vals[q]! / (1 + dx * dx + dy * dy)
        const pv = vals[q + 1]! / (1 + ex * ex + ey * ey)
        const gx = pw * dx
        const gy = pw * dy
        const ux = pv * ex
        const uy = pv * ey
        fx += gx
        fy += gy
        hx += ux
        hy += uy
        acc[offset + 2 * j]! -= gx
        acc[offset + 2 * j + 1]! -= gy
        acc[offset + 2 * k]! -= ux
        acc[offset + 2 * k + 1]! -= uy
      }
      if (q < e) {
        const j = cols[q]!
        const dx = yx - y[2 * j]!
        const dy = yy - y[2 * j + 1]!
        const pw = vals[q]! / (1 + dx * dx + dy * dy)
        fx += pw * dx
        fy += pw * dy
        acc[offset + 2 * j]! -= pw * dx
        acc[offset + 2 * j + 1]! -= pw * dy
      }
      acc[offset + 2 * i]! += fx + hx
      acc[offset + 2 * i + 1]! += fy + hy
    }
    return
  }
  for (let i = from; i < to; i++) {
    const yx = y[3 * i]!
    const yy = y[3 * i + 1]!
    const yz = y[3 * i + 2]!
    let fx = 0
    let fy = 0
    let fz = 0
    const e = rowStart[i + 1]!
    for (let q = rowStart[i]!; q < e; q++) {
      const j = cols[q]!
      const dx = yx - y[3 * j]!
      const dy = yy - y[3 * j + 1]!
      const dz = yz - y[3 * j + 2]!
      const pw = vals[q]! / (1 + dx * dx + dy * dy + dz * dz)
      const gx = pw * dx
      const gy = pw * dy
      const gz = pw * dz
      fx += gx
      fy += gy
      fz += gz
      acc[offset + 3 * j]! -= gx
      acc[offset + 3 * j + 1]! -= gy
      acc[offset + 3 * j + 2]! -= gz
    }
    acc[offset + 3 * i]! += fx
    acc[offset + 3 * i + 1]! += fy
    acc[offset + 3 * i + 2]! += fz
  }
}

/** P's pairs i < j in CSR by i (P is symmetric: p_ij = p_ji), with SHARDS runs of rows of about equal pair counts. */
function upperPairs(P: SparseRows, n: number, i32: (len: number) => Int32Array, f64: (len: number) => Float64Array): Pairs {
  const rowStart = i32(n + 1)
  for (let i = 0; i < n; i++) {
    let m = 0
    for (let q = P.rowStart[i]!; q < P.rowStart[i + 1]!; q++) if (P.cols[q]! > i) m++
    rowStart[i + 1] = rowStart[i]! + m
  }
  const cols = i32(rowStart[n]!)
  const vals = f64(rowStart[n]!)
  for (let i = 0; i < n; i++) {
    let at = rowStart[i]!
    for (let q = P.rowStart[i]!; q < P.rowStart[i + 1]!; q++) {
      if (P.cols[q]! <= i) continue
      cols[at] = P.cols[q]!
      vals[at++] = P.vals[q]!
    }
  }
  const shardRows = i32(SHARDS + 1)
  cutShards(rowStart, n, shardRows)
  return { rowStart, cols, vals, shardRows }
}

/** SHARDS runs of rows with about equal pair counts. */
function cutShards(rowStart: Int32Array, n: number, shardRows: Int32Array): void {
  let r = 0
  for (let s = 1; s < SHARDS; s++) {
    const target = (s * rowStart[n]!) / SHARDS
    while (r < n && rowStart[r]! < target) r++
    shardRows[s] = r
  }
  shardRows[0] = 0
  shardRows[SHARDS] = n
}

interface Pairs {
  rowStart: Int32Array
  cols: Int32Array
  vals: Float64Array
  /** SHARDS + 1 fences. */
  shardRows: Int32Array
}

/** Everything a thread reads or writes (all shared memory). */
interface Shared {
  dims: number
  n: number
  theta2: number
  /** Squared ratio group half-diagonal / distance below which a cell's pull is expanded about the group centre. */
  expand2: number
  threads: number
  control: Int32Array
  y: Float64Array
  pairs: Pairs
  /** SHARDS × n × dims attraction buffers. */
  acc: Float64Array
  tree: BhTree
  repel: Float64Array
  zGroup: Float64Array
}

interface Scratch {
  stack: Int32Array
  cx: Float64Array
  cy: Float64Array
  cz: Float64Array
  cm: Float64Array
  direct: Int32Array
}

function newScratch(capacity: number, dims: number): Scratch {
  return {
    stack: new Int32Array(8 * capacity),
    cx: new Float64Array(capacity),
    cy: new Float64Array(capacity),
    cz: new Float64Array(dims === 3 ? capacity : 0),
    cm: new Float64Array(capacity),
    direct: new Int32Array(2 * capacity),
  }
}

interface Kernels {
  rep2: typeof groupRepulsion2d
  rep3: typeof groupRepulsion3d
  attraction: typeof attraction
}

const KERNELS: Kernels = { rep2: groupRepulsion2d, rep3: groupRepulsion3d, attraction }

/** Thread k's share of one evaluation (the calling thread is k = 0). Self-contained: runs as source text. */
function work(s: Shared, k: number, sc: Scratch, K: Kernels): void {
  const c = s.control
  const g0 = c[4 + 2 * k]!
  const g1 = c[4 + 2 * k + 1]!
  const t = s.tree
  if (s.dims === 2) {
    K.rep2(g0, g1, s.theta2, t.groups, t.order, t.sorted, t.start, t.end, t.child, t.nChildren, t.com, t.mass, t.side2, t.lo, t.hi, sc.stack, sc.cx, sc.cy, sc.cm, sc.direct, s.repel, s.zGroup, s.expand2)
  } else {
    K.rep3(g0, g1, s.theta2, t.groups, t.order, t.sorted, t.start, t.end, t.child, t.nChildren, t.com, t.mass, t.side2, t.lo, t.hi, sc.stack, sc.cx, sc.cy, sc.cz, sc.cm, sc.direct, s.repel, s.zGroup, s.expand2)
  }
  const P = s.pairs
  // Shards are fixed (8); thread k takes every T-th one.
  for (let q = k; q < P.shardRows.length - 1; q += s.threads) {
    K.attraction(P.shardRows[q]!, P.shardRows[q + 1]!, s.n, s.dims, s.y, P.rowStart, P.cols, P.vals, s.acc, q * s.n * s.dims)
  }
}

/**
 * A worker thread's loop: wait for a new generation (cell 0), stop if asked
 * (cell 2), do its share, count itself done (cell 1). A failure sets cell 3
 * and wakes the caller before the error propagates. Self-contained.
 */
function workerLoop(s: Shared, k: number, sc: Scratch, K: Kernels, doWork: typeof work): void {
  const c = s.control
  let seen = 0
  for (;;) {
    while (Atomics.load(c, 0) === seen) Atomics.wait(c, 0, seen)
    seen = Atomics.load(c, 0)
    if (Atomics.load(c, 2) !== 0) return
    try {
      doWork(s, k, sc, K)
    } catch (e) {
      Atomics.store(c, 3, 1)
      Atomics.add(c, 1, 1)
      Atomics.notify(c, 1)
      throw e
    }
    Atomics.add(c, 1, 1)
    Atomics.notify(c, 1)
  }
}

/** The worker's source: the kernels and loops above as function expressions (names and bundler renames don't matter). */
const WORKER_SOURCE = `'use strict';
var __name = (f) => f;
const { workerData } = require('node:worker_threads');
const K = {
  rep2: (${groupRepulsion2d.toString()}),
  rep3: (${groupRepulsion3d.toString()}),
  attraction: (${attraction.toString()}),
};
const newScratch = (${newScratch.toString()});
const work = (${work.toString()});
const workerLoop = (${workerLoop.toString()});
const s = workerData.shared;
workerLoop(s, workerData.index, newScratch(s.tree.start.length, s.dims), K, work);
`

const shared: (bytes: number) => SharedArrayBuffer = (bytes) => new SharedArrayBuffer(bytes)

export class TsneForces {
  /** Positions: write them, then `evaluate()`. */
  readonly y: Float64Array
  readonly attract: Float64Array
  readonly repel: Float64Array
  readonly threads: number
  private readonly s: Shared
  private readonly scratch: Scratch
  private workers: Worker[] = []
  private failure: Error | null = null
  private disposed = false
  /** Milliseconds spent building trees, on this thread's share, waiting for the others (benchmarks). */
  readonly timings = { build: 0, work: 0, wait: 0, evaluations: 0 }

  constructor(
    P: SparseRows,
    private readonly n: number,
    private readonly dims: 2 | 3,
    params: Partial<ForceParams> = {},
  ) {
    const p = { ...FORCE_DEFAULTS, ...params }
    const cores = Math.min(8, availableParallelism())
    const wanted = p.threads === 0 ? cores : p.threads
    this.threads = params.threads === undefined && n < p.parallelFrom ? 1 : Math.max(1, wanted)
    const parallel = this.threads > 1
    const alloc = parallel ? shared : (bytes: number) => new ArrayBuffer(bytes)
    const f64 = (len: number) => new Float64Array(alloc(8 * len))
    const i32 = (len: number) => new Int32Array(alloc(4 * len))
    this.s = {
      dims,
      n,
      theta2: p.theta * p.theta,
      expand2: p.expansion * p.expansion,
      threads: this.threads,
      control: i32(SPLIT + 2 * this.threads),
      y: f64(n * dims),
      pairs: upperPairs(P, n, i32, f64),
      acc: f64(SHARDS * n * dims),
      tree: createTree(n, dims, alloc),
      repel: f64(n * dims),
      zGroup: f64(Math.max(1, n)),
    }
    this.y = this.s.y
    this.attract = new Float64Array(n * dims)
    this.repel = this.s.repel
    this.scratch = newScratch(this.s.tree.start.length, dims)
  }

  /** Starts the T − 1 worker threads. */
  async start(): Promise<void> {
    const ready: Promise<void>[] = []
    for (let k = 1; k < this.threads; k++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: this.s, index: k } })
      this.workers.push(w)
      ready.push(
        new Promise<void>((resolve) => {
          w.once('online', () => {
            // Online: from now on a forgotten force field must not keep the process alive.
            w.unref()
            resolve()
          })
          w.once('error', (e) => {
            this.failure ??= e
            resolve()
          })
          w.once('exit', (code) => {
            if (!this.disposed) this.failure ??= new Error(`t-SNE: force thread ${k} exited (code ${code})`)
            resolve()
          })
        }),
      )
    }
    await Promise.all(ready)
    if (this.failure) throw this.failure
  }

  /** Forces at the current positions; returns Z. */
  evaluate(): number {
    const { s, n, threads } = this
    const t = s.tree
    const t0 = performance.now()
    buildTree(t, s.y, n)
    const t1 = performance.now()
    // Split the groups by points, contiguously.
    const c = s.control
    let g = 0
    for (let k = 0; k < threads; k++) {
      const pointsEnd = Math.round(((k + 1) * n) / threads)
      const g0 = g
      while (g < t.groupCount && (k === threads - 1 || t.start[t.groups[g]!]! < pointsEnd)) g++
      c[SPLIT + 2 * k] = g0
      c[SPLIT + 2 * k + 1] = g
    }
    if (threads > 1) {
      Atomics.store(c, DONE, 0)
      Atomics.add(c, GEN, 1)
      Atomics.notify(c, GEN)
    }
    work(s, 0, this.scratch, KERNELS)
    const t2 = performance.now()
    if (threads > 1) {
      for (;;) {
        const done = Atomics.load(c, DONE)
        if (done === threads - 1) break
        Atomics.wait(c, DONE, done, 1000)
      }
      // The worker's 'error' event can only arrive once this thread returns to its event loop.
      if (Atomics.load(c, FAILED) !== 0) throw new Error('t-SNE: a force thread failed')
    }
    let z = 0
    for (let q = 0; q < t.groupCount; q++) z += s.zGroup[q]!
    // The shards' attraction, added in shard order.
    const N = n * this.dims
    const { attract } = this
    const { acc } = s
    attract.fill(0)
    for (let q = 0; q < SHARDS; q++) {
      const base = q * N
      for (let e = s.pairs.shardRows[q]! * this.dims; e < N; e++) attract[e]! += acc[base + e]!
    }
    const t3 = performance.now()
    this.timings.build += t1 - t0
    this.timings.work += t2 - t1
    this.timings.wait += t3 - t2
    this.timings.evaluations++
    return z
  }

  /** Calls f for each pair i < j of P (in the current numbering). */
  forEachPair(f: (i: number, j: number, p: number) => void): void {
    const P = this.s.pairs
    for (let i = 0; i < this.n; i++) for (let q = P.rowStart[i]!; q < P.rowStart[i + 1]!; q++) f(i, P.cols[q]!, P.vals[q]!)
  }

  /** Each point's position in the last tree's order (point order[p] is at position p). */
  treeOrder(): Int32Array {
    return this.s.tree.order
  }

  /**
   * Renumbers the points: point i becomes perm[i] (a permutation). Moves the
   * positions and rewrites the pairs (O(pairs)); the caller renumbers its own
   * per-point state. Points numbered in tree order keep each pair's two rows,
   * and the tree's gathers and scatters, close in memory.
   */
  relabel(perm: Int32Array): void {
    const { n, dims, s } = this
    const y = s.y
    const old = y.slice(0, n * dims)
    for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) y[perm[i]! * dims + d] = old[i * dims + d]!
    const P = s.pairs
    const m = P.rowStart[n]!
    const oldStart = P.rowStart.slice()
    const oldCols = P.cols.slice()
    const oldVals = P.vals.slice()
    const rowStart = P.rowStart
    rowStart.fill(0)
    for (let i = 0; i < n; i++) {
      for (let q = oldStart[i]!; q < oldStart[i + 1]!; q++) rowStart[Math.min(perm[i]!, perm[oldCols[q]!]!) + 1]!++
    }
    for (let i = 0; i < n; i++) rowStart[i + 1]! += rowStart[i]!
    const fill = rowStart.slice(0, n)
    for (let i = 0; i < n; i++) {
      for (let q = oldStart[i]!; q < oldStart[i + 1]!; q++) {
        const a = perm[i]!
        const b = perm[oldCols[q]!]!
        const at = fill[Math.min(a, b)]!++
        P.cols[at] = Math.max(a, b)
        P.vals[at] = oldVals[q]!
      }
    }
    if (rowStart[n] !== m) throw new Error('t-SNE: relabel lost pairs (not a permutation?)')
    cutShards(rowStart, n, P.shardRows)
  }

  async dispose(): Promise<void> {
    this.disposed = true
    const c = this.s.control
    Atomics.store(c, STOP, 1)
    Atomics.add(c, GEN, 1)
    Atomics.notify(c, GEN)
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.workers = []
  }
}

