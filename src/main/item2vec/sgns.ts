/**
 * Skip-gram with negative sampling (SGNS), word2vec.c's math over item
 * sequences — the item2vec trainer (Barkan & Koenigstein 2016).
 *
 * Tables (one flat float32 table each, row i at i·stride, stride = dim
 * rounded up to a multiple of 4, the pad zero):
 *   syn0    input vectors, init uniform(−0.5/dim, 0.5/dim) from the seed — the
 *           item vectors returned; items absent from the sequences (not in
 *           the vocabulary) are returned as zero rows;
 *   syn1neg output ("context") vectors, init 0.
 * For each sequence, per epoch:
 *   subsample  item w is kept with p = (sqrt(f/(t·N)) + 1)·(t·N)/f, f its
 *              count, N = Σ counts, t = `subsample` (0 = keep all); the window
 *              runs over the kept items (word2vec.c and gensim do the same);
 *   window     per centre position, b uniform in [0, window): the context is
 *              the kept items within window − b on either side (word2vec's
 *              reduced window); window 0 = the whole sequence, no reduction;
 *   update     for each (centre w, context c), exactly word2vec.c's skip-gram
 *              loop — which gensim's sg=1 copies: the INPUT is the context
 *              item's syn0 row and the centre is the predicted target, i.e.
 *              h = syn0[c]; targets: w with label 1 and `negatives` items from
 *              the unigram^nsExponent table with label 0 (a draw equal to w is
 *              skipped, not redrawn); per target o:
 *                g = (label − σ(h·syn1neg[o]))·α
 *                e += g·syn1neg[o];  syn1neg[o] += g·h
 *              then syn0[c] += e.
 *   α          linear from learningRate to minLearningRate over
 *              epochs × (raw) words, recomputed per sequence (word2vec.c:
 *              every 10,000 words).
 * σ is word2vec.c's table: 1,000 bins over [−6, 6], σ of the bin's left
 * edge; beyond ±6, g = (label − 1)·α or label·α (the saturated values). The
 * loss, reported per epoch, is the mean over (centre, context) pairs of
 * −log σ(pos) − Σ log σ(−neg) over every pair trained (not sampled), read
 * from tables on the same bins; beyond ±6 it takes softplus(x) ≈ max(x, 0)
 * (error < log(1 + e^−6) ≈ 0.0025). It costs a lookup and an add.
 * The negative table has max(1e6, 20·vocabulary) entries, capped at 1e8
 * (word2vec.c's fixed 1e8 is 400 MB and slow to build for small data);
 * item i fills a run proportional to count^nsExponent, items with count 0
 * none. Sequences are not split (word2vec.c cuts sentences at 1,000 words,
 * gensim at 10,000). Random draws: mulberry32 inline (not word2vec's LCG).
 * "Effective words" = centre items trained after subsampling (gensim's count).
 *
 * Kernels: the pair update (the dot products and the two axpys) runs in
 * WebAssembly SIMD (./simd.ts, f32x4) where available — ~5–6× the JS loop —
 * else in the JS loop below (the reference; the SIMD one differs only in
 * float rounding of the dot product: same random draws). The tables then live
 * in one shared WebAssembly.Memory (≤ 4 GiB; larger falls back to JS).
 *
 * Threads: 1 (the default) trains in the calling thread, yielding to the
 * event loop every ~50 ms, bit-identical for a given seed and kernel. T > 1
 * (0 = one per core) starts T worker_threads over shared tables, each with a
 * contiguous share of the sequences (split by item count) and its own RNG
 * (seeded from seed and its index), updating the shared tables without locks
 * like word2vec.c (Hogwild): fast, NOT reproducible. Each thread decays α over
 * its own share. Loss and progress are per-thread counters the caller polls.
 *
 * Defaults (SGNS_DEFAULTS) are word2vec.c's / gensim's: dim 100, window 5,
 * negatives 5, exponent 0.75, subsample 1e-3, α 0.025 → 1e-4 (5 epochs).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { Random } from '../lib/random'
import { type WasmMemory, type WasmModule, wasmApi } from '../train/sparse/wasm-api'
import type { Sequences } from './sequences'
import { LOSS_NEG_AT, LOSS_POS_AT, SIG_AT, sgnsSimdModule, sgnsSimdUnavailableReason, TABLES_END } from './simd'

export interface SgnsParams {
  dim: number
  /** Context items on each side of the centre; 0 = the whole sequence. */
  window: number
  negatives: number
  nsExponent: number
  /** Subsampling threshold t; 0 = off. */
  subsample: number
  epochs: number
  learningRate: number
  minLearningRate: number
  seed: number
  /** 1 = deterministic in the calling thread; T > 1 = T Hogwild workers; 0 = one per core. */
  threads: number
}

export const SGNS_DEFAULTS: SgnsParams = {
  dim: 100,
  window: 5,
  negatives: 5,
  nsExponent: 0.75,
  subsample: 0.001,
  epochs: 5,
  learningRate: 0.025,
  minLearningRate: 0.0001,
  seed: 1,
  threads: 1,
}

export interface SgnsProgress {
  /** 1-based epoch being trained (or just finished). */
  epoch: number
  /** Fraction of that epoch done, 0–1 (1 at its end). */
  fraction: number
  /** Mean pair loss of the current epoch so far. */
  loss: number
  /** Effective words per second since the start. */
  wordsPerSec: number
}

export interface SgnsResult {
  /** nItems × dim, syn0 (zero rows for items not in the sequences). */
  vectors: Float32Array
  /** nItems × dim, syn1neg. */
  context: Float32Array
  wordsPerSec: number
  /** Centre items trained after subsampling, over all epochs. */
  effectiveWords: number
  lossPerEpoch: number[]
  /** The pair kernel that ran: WebAssembly SIMD (./simd.ts) where available, else JS. */
  kernel: SgnsKernel
}

export type SgnsKernel = 'wasm-simd' | 'js'

export interface SgnsInternalOptions {
  /** Force a kernel (tests, benchmarks); default: SIMD where available. */
  kernel?: SgnsKernel
}

export type SgnsSequences = Pick<Sequences, 'offsets' | 'items' | 'counts' | 'totalItems'>

/** Progress callbacks at most this often (plus one at each epoch end). */
const PROGRESS_MS = 100
/** The calling thread yields to the event loop this often (threads = 1). */
const SLICE_MS = 50

export async function trainSgns(seqs: SgnsSequences, nItems: number, params: SgnsParams, onProgress?: (p: SgnsProgress) => void, internal: SgnsInternalOptions = {}): Promise<SgnsResult> {
  const p = checkParams(params)
  const { dim, epochs } = p
  const nSeq = seqs.offsets.length - 1
  if (seqs.counts.length !== nItems) throw new Error(`trainSgns: counts has ${seqs.counts.length} entries for ${nItems} items`)
  const threads = p.threads === 0 ? availableParallelism() : p.threads
  const shared = threads > 1
  const alloc = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))

  // The arena: σ/loss tables, per-thread scratch (e and the target list), syn0, syn1neg;
  // rows padded to a multiple of 4 floats. In a shared WebAssembly.Memory for the SIMD kernel.
  const stride = Math.ceil(dim / 4) * 4
  const rowBytes = stride * 4
  // Per-thread scratch in whole cache lines, plus one spare: threads never write to the same line.
  const scratchBytes = Math.ceil((rowBytes + (p.negatives + 1) * 4) / 64) * 64 + 64
  const syn0At = Math.ceil((TABLES_END + threads * scratchBytes) / 64) * 64
  const syn1At = syn0At + nItems * rowBytes
  const arenaBytes = syn1At + nItems * rowBytes
  const pages = Math.ceil(arenaBytes / 65536)
  let module: WasmModule | null = null
  if (internal.kernel !== 'js') {
    module = pages <= 65536 ? sgnsSimdModule() : null
    if (internal.kernel === 'wasm-simd' && !module) throw new Error(`trainSgns: ${pages > 65536 ? 'the tables exceed 4 GiB' : sgnsSimdUnavailableReason()}`)
  }
  const memory: WasmMemory | null = module ? new (wasmApi().Memory)({ initial: pages, maximum: pages, shared: true }) : null
  const arena = memory ? memory.buffer : alloc(arenaBytes)
  program.writeTables(arena)

  // syn0 uniform(−0.5/dim, 0.5/dim) from the seed (row by row, pads 0); syn1neg 0.
  const syn0 = new Float32Array(arena, syn0At, nItems * stride)
  const syn1 = new Float32Array(arena, syn1At, nItems * stride)
  const rng = new Random(p.seed)
  for (let i = 0; i < nItems; i++) for (let f = 0; f < dim; f++) syn0[i * stride + f] = (rng.float() - 0.5) / dim
  const table = negativeTable(seqs.counts, p.nsExponent, alloc)
  const keep = p.subsample > 0 ? keepThresholds(seqs.counts, seqs.totalItems, p.subsample, alloc) : null
  const offsets = copyTo(seqs.offsets, alloc)
  const items = copyTo(seqs.items, alloc)

  // Contiguous shares of the sequences, split by item count.
  const words = seqs.offsets[nSeq]! - seqs.offsets[0]!
  const bounds = [0]
  for (let k = 1, s = 0; k < threads; k++) {
    const target = seqs.offsets[0]! + (words * k) / threads
    while (s < nSeq && seqs.offsets[s]! < target) s++
    bounds.push(s)
  }
  bounds.push(nSeq)
  const statsStride = program.statsStride(epochs)
  const stats = new Float64Array(alloc(threads * statsStride * 8))

  const envs: SgnsEnv[] = bounds.slice(0, threads).map((begin, k) => ({
    dim,
    stride,
    nItems,
    window: p.window,
    negatives: p.negatives,
    epochs,
    lr0: p.learningRate,
    lrMin: p.minLearningRate,
    arena,
    memory,
    module,
    syn0At,
    syn1At,
    scratchAt: TABLES_END + k * scratchBytes,
    table: table.buffer,
    keep: keep?.buffer ?? null,
    offsets: offsets.buffer,
    items: items.buffer,
    stats: stats.buffer,
    seqBegin: begin,
    seqEnd: bounds[k + 1]!,
    index: k,
    seed: threads === 1 ? p.seed : threadSeed(p.seed, k),
  }))

  const t0 = performance.now()
  let lastReport = t0
  let reportedEpochs = 0
  const lossPerEpoch: number[] = []
  const totals = (): { raw: number; effective: number; epochsDone: number } => {
    let raw = 0
    let effective = 0
    let epochsDone = epochs
    for (let k = 0; k < threads; k++) {
      const b = k * statsStride
      raw += stats[b + program.S_RAW]!
      effective += stats[b + program.S_EFFECTIVE]!
      if (envs[k]!.seqEnd > envs[k]!.seqBegin) epochsDone = Math.min(epochsDone, stats[b + program.S_EPOCHS]!)
    }
    return { raw, effective, epochsDone }
  }
  const epochLoss = (e: number): number => {
    let sum = 0
    let pairs = 0
    for (let k = 0; k < threads; k++) {
      sum += stats[k * statsStride + program.STATS_HEAD + 2 * e]!
      pairs += stats[k * statsStride + program.STATS_HEAD + 2 * e + 1]!
    }
    return pairs > 0 ? sum / pairs : 0
  }
  const report = (force: boolean): void => {
    const now = performance.now()
    const t = totals()
    const wordsPerSec = (1000 * t.effective) / Math.max(now - t0, 1e-3)
    while (reportedEpochs < t.epochsDone) {
      lossPerEpoch.push(epochLoss(reportedEpochs))
      reportedEpochs++
      onProgress?.({ epoch: reportedEpochs, fraction: 1, loss: lossPerEpoch[reportedEpochs - 1]!, wordsPerSec })
      lastReport = now
    }
    if (onProgress && (force || now - lastReport >= PROGRESS_MS) && reportedEpochs < epochs) {
      const inEpoch = t.raw / (words || 1) - reportedEpochs
      onProgress({ epoch: reportedEpochs + 1, fraction: Math.min(1, Math.max(0, inEpoch)), loss: epochLoss(reportedEpochs), wordsPerSec })
      lastReport = now
    }
  }

  if (threads === 1) {
    const s = program.createState(envs[0]!)
    for (;;) {
      const sliceEnd = performance.now() + SLICE_MS
      let finished = false
      while (!finished && performance.now() < sliceEnd) finished = program.work(s, 20_000)
      report(false)
      if (finished) break
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  } else {
    await runWorkers(envs, () => report(false))
  }
  report(false)
  const elapsed = (performance.now() - t0) / 1000
  const { effective } = totals()

  // Unpadded copies; items outside the vocabulary were never trained: zero rows, not noise.
  const vectors = new Float32Array(nItems * dim)
  const context = new Float32Array(nItems * dim)
  for (let i = 0; i < nItems; i++) {
    if (seqs.counts[i]! > 0) vectors.set(syn0.subarray(i * stride, i * stride + dim), i * dim)
    context.set(syn1.subarray(i * stride, i * stride + dim), i * dim)
  }
  return {
    vectors,
    context,
    wordsPerSec: effective / Math.max(elapsed, 1e-6),
    effectiveWords: effective,
    lossPerEpoch,
    kernel: module ? 'wasm-simd' : 'js',
  }
}

// ------------------------------------------------------------------ helpers

function checkParams(p: SgnsParams): SgnsParams {
  const int = (name: keyof SgnsParams, lo: number): void => {
    if (!Number.isInteger(p[name]) || p[name] < lo) throw new Error(`trainSgns: ${name} must be an integer ≥ ${lo}, got ${p[name]}`)
  }
  int('dim', 1)
  int('window', 0)
  int('negatives', 0)
  int('epochs', 1)
  int('threads', 0)
  if (!(p.nsExponent >= 0)) throw new Error(`trainSgns: bad nsExponent ${p.nsExponent}`)
  if (!(p.subsample >= 0)) throw new Error(`trainSgns: bad subsample ${p.subsample}`)
  if (!(p.learningRate > 0) || !(p.minLearningRate >= 0)) throw new Error('trainSgns: bad learning rates')
  return p
}

function copyTo(a: Int32Array, alloc: (bytes: number) => ArrayBuffer | SharedArrayBuffer): Int32Array {
  const out = new Int32Array(alloc(Math.max(a.length, 1) * 4))
  out.set(a)
  return out
}

/** A thread's RNG seed: the run's seed mixed with the index (splitmix-style). */
function threadSeed(seed: number, k: number): number {
  let x = (seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** Unigram^power table: item i fills a run ∝ count_i^power (items with count 0: none). */
export function negativeTable(counts: Float64Array, power: number, alloc: (bytes: number) => ArrayBuffer | SharedArrayBuffer = (b) => new ArrayBuffer(b)): Int32Array {
  let vocab = 0
  let z = 0
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! > 0) {
      vocab++
      z += Math.pow(counts[i]!, power)
    }
  }
  if (vocab === 0) return new Int32Array(alloc(4))
  const size = Math.min(1e8, Math.max(1e6, 20 * vocab))
  const table = new Int32Array(alloc(size * 4))
  let cum = 0
  let from = 0
  let last = 0
  for (let i = 0; i < counts.length; i++) {
    if (!(counts[i]! > 0)) continue
    cum += Math.pow(counts[i]!, power)
    const to = Math.min(size, Math.round((cum / z) * size))
    table.fill(i, from, to)
    from = Math.max(from, to)
    last = i
  }
  table.fill(last, from, size)
  return table
}

/** word2vec's keep probability as a uint32 threshold (keep when a uint32 draw < threshold). */
export function keepThresholds(counts: Float64Array, total: number, t: number, alloc: (bytes: number) => ArrayBuffer | SharedArrayBuffer = (b) => new ArrayBuffer(b)): Float64Array {
  const keep = new Float64Array(alloc(counts.length * 8))
  const tn = t * total
  for (let i = 0; i < counts.length; i++) {
    const f = counts[i]!
    const p = f > 0 ? (Math.sqrt(f / tn) + 1) * (tn / f) : 1
    keep[i] = Math.min(p, 1) * 4294967296
  }
  return keep
}

function runWorkers(envs: SgnsEnv[], poll: () => void): Promise<void> {
  const workers: Worker[] = []
  const timer = setInterval(poll, PROGRESS_MS / 2)
  const done = envs.map(
    (env) =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: env })
        workers.push(w)
        w.once('message', () => resolve())
        w.once('error', reject)
        w.once('exit', (code) => reject(new Error(`item2vec worker ${env.index} exited (code ${code}) before finishing`)))
      }),
  )
  return Promise.all(done).then(
    () => {
      clearInterval(timer)
      for (const w of workers) void w.terminate()
    },
    (e: unknown) => {
      clearInterval(timer)
      for (const w of workers) void w.terminate()
      throw e
    },
  )
}

// ------------------------------------------------------------ the kernel

/** What one training thread needs; buffers are shared (T > 1) or plain (T = 1). */
export interface SgnsEnv {
  dim: number
  /** Row stride in floats: dim rounded up to a multiple of 4. */
  stride: number
  nItems: number
  window: number
  negatives: number
  epochs: number
  lr0: number
  lrMin: number
  /** Tables, scratch, syn0 and syn1neg (byte offsets below); the WebAssembly memory's buffer for SIMD. */
  arena: ArrayBufferLike
  memory: WasmMemory | null
  /** The SIMD pair kernel, or null for the JS one. */
  module: WasmModule | null
  syn0At: number
  syn1At: number
  /** This thread's scratch: e (one row), then the target list. */
  scratchAt: number
  table: ArrayBufferLike
  keep: ArrayBufferLike | null
  offsets: ArrayBufferLike
  items: ArrayBufferLike
  /** Per thread: STATS_HEAD counters then (loss sum, pairs) per epoch. */
  stats: ArrayBufferLike
  seqBegin: number
  seqEnd: number
  index: number
  seed: number
}

/** A thread's private state (the tables are views of the shared buffers). */
export interface SgnsThreadState {
  env: SgnsEnv
  dim: number
  stride: number
  syn0: Float32Array
  syn1: Float32Array
  table: Int32Array
  keep: Float64Array | null
  offsets: Int32Array
  items: Int32Array
  stats: Float64Array
  base: number
  sigmoid: Float64Array
  lossPos: Float64Array
  lossNeg: Float64Array
  /** The current sequence after subsampling. */
  sen: Int32Array
  /** word2vec's neu1e: the input row's accumulated update (JS kernel). */
  neu1e: Float64Array
  /** Targets of a pair: the centre, then the negatives (JS: float offsets; SIMD: byte offsets, in the arena). */
  targets: Int32Array
  /** The SIMD kernel's pair(), or null. */
  pair: ((input: number, targets: number, n: number, nv: number, lr: number, neu: number) => number) | null
  rng: number
  epoch: number
  seq: number
  /** Raw words done by this thread over all epochs (for α). */
  raw: number
  totalRaw: number
}

/** Structural slice of the WebAssembly API the program needs (no imports inside it). */
interface ProgramWasm {
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> }
}

/**
 * The training thread, as one self-contained function: workers get it as
 * source text (`sgnsThreadProgram.toString()`, `new Worker(code, { eval: true })`),
 * which works the same under vitest/tsx and from the built bundle (the sparse
 * engine's pattern, ../train/sparse/program.ts). So: no imports, no references
 * outside the body, no named functions or classes — only methods of `prog`.
 */
export function sgnsThreadProgram() {
  const MAX_EXP = 6
  const EXP_TABLE_SIZE = 1000
  const S_RAW = 0
  const S_EFFECTIVE = 1
  const S_EPOCHS = 2
  const STATS_HEAD = 4
  /** Byte offsets of the tables in the arena (./simd.ts: SIG_AT, LOSS_POS_AT, LOSS_NEG_AT). */
  const SIG = 0
  const LOSS_POS = 8192
  const LOSS_NEG = 16384

  const prog = {
    S_RAW,
    S_EFFECTIVE,
    S_EPOCHS,
    STATS_HEAD,
    SIG,
    LOSS_POS,
    LOSS_NEG,

    /**
     * word2vec.c's tables: σ at the left edge of each of the bins over [−6, 6]
     * (as float32, like its expTable), and the losses −log σ(x) (positive) and
     * −log(1 − σ(x)) (negative) there.
     */
    tables(): { sigmoid: Float64Array; lossPos: Float64Array; lossNeg: Float64Array } {
      const sigmoid = new Float64Array(EXP_TABLE_SIZE + 1)
      const lossPos = new Float64Array(EXP_TABLE_SIZE + 1)
      const lossNeg = new Float64Array(EXP_TABLE_SIZE + 1)
      for (let i = 0; i <= EXP_TABLE_SIZE; i++) {
        const x = ((i / EXP_TABLE_SIZE) * 2 - 1) * MAX_EXP
        const e = Math.exp(x)
        sigmoid[i] = Math.fround(e / (e + 1))
        lossPos[i] = Math.log1p(Math.exp(-x))
        lossNeg[i] = Math.log1p(e)
      }
      return { sigmoid, lossPos, lossNeg }
    },

    /** Doubles per thread in the stats buffer: whole cache lines plus a spare one, so threads never write to the same line. */
    statsStride(epochs: number): number {
      return Math.ceil((STATS_HEAD + 2 * epochs) / 8) * 8 + 8
    },

    /** The tables into the arena, for the SIMD kernel. */
    writeTables(arena: ArrayBufferLike): void {
      const t = prog.tables()
      new Float32Array(arena, SIG, EXP_TABLE_SIZE + 1).set(t.sigmoid)
      new Float64Array(arena, LOSS_POS, EXP_TABLE_SIZE + 1).set(t.lossPos)
      new Float64Array(arena, LOSS_NEG, EXP_TABLE_SIZE + 1).set(t.lossNeg)
    },

    createState(env: SgnsEnv): SgnsThreadState {
      const t = prog.tables()
      const offsets = new Int32Array(env.offsets)
      let longest = 1
      for (let q = env.seqBegin; q < env.seqEnd; q++) longest = Math.max(longest, offsets[q + 1]! - offsets[q]!)
      const stats = new Float64Array(env.stats)
      const base = env.index * prog.statsStride(env.epochs)
      let pair: SgnsThreadState['pair'] = null
      if (env.module && env.memory) {
        const wasm = (globalThis as unknown as { WebAssembly: ProgramWasm }).WebAssembly
        pair = new wasm.Instance(env.module, { env: { memory: env.memory } }).exports.pair as SgnsThreadState['pair']
      }
      return {
        env,
        dim: env.dim,
        stride: env.stride,
        syn0: new Float32Array(env.arena, env.syn0At, env.nItems * env.stride),
        syn1: new Float32Array(env.arena, env.syn1At, env.nItems * env.stride),
        table: new Int32Array(env.table),
        keep: env.keep ? new Float64Array(env.keep) : null,
        offsets,
        items: new Int32Array(env.items),
        stats,
        base,
        sigmoid: t.sigmoid,
        lossPos: t.lossPos,
        lossNeg: t.lossNeg,
        sen: new Int32Array(longest),
        neu1e: new Float64Array(env.dim),
        targets: pair ? new Int32Array(env.arena, env.scratchAt + env.stride * 4, env.negatives + 1) : new Int32Array(env.negatives + 1),
        pair,
        rng: env.seed | 0,
        epoch: 0,
        seq: env.seqBegin,
        raw: 0,
        totalRaw: env.epochs * (offsets[env.seqEnd]! - offsets[env.seqBegin]!),
      }
    },

    /** Trains up to ~budget raw words; true when every epoch is done. */
    work(s: SgnsThreadState, budget: number): boolean {
      const env = s.env
      let done = 0
      while (s.epoch < env.epochs) {
        if (s.seq >= env.seqEnd) {
          s.epoch++
          s.seq = env.seqBegin
          s.stats[s.base + S_EPOCHS] = s.epoch
          continue
        }
        if (done >= budget) return false
        done += prog.sequence(s, s.seq)
        s.seq++
      }
      s.stats[s.base + S_EPOCHS] = s.epoch
      return true
    },

    /** One sequence, one pass: subsample, then every (centre, context) pair. Returns its raw length. */
    sequence(s: SgnsThreadState, q: number): number {
      const env = s.env
      const dim = s.dim
      const stride = s.stride
      const window = env.window
      const negatives = env.negatives
      const syn0 = s.syn0
      const syn1 = s.syn1
      const table = s.table
      const tableScale = table.length / 4294967296
      const keep = s.keep
      const sen = s.sen
      const neu1e = s.neu1e
      const targets = s.targets
      const pair = s.pair
      const sigmoid = s.sigmoid
      const lossPos = s.lossPos
      const lossNeg = s.lossNeg
      const items = s.items
      // Target addresses: SIMD wants byte offsets in the arena, JS float offsets in syn1.
      const rowUnit = pair ? stride * 4 : stride
      const syn1Base = pair ? env.syn1At : 0
      const syn0At = env.syn0At
      const targetsAt = env.scratchAt + stride * 4
      const neuAt = env.scratchAt
      const nv = stride >> 2
      const start = s.offsets[q]!
      const end = s.offsets[q + 1]!
      const lr = s.totalRaw > 0 ? env.lr0 - ((env.lr0 - env.lrMin) * s.raw) / s.totalRaw : env.lr0
      const binScale = EXP_TABLE_SIZE / MAX_EXP / 2
      let st = s.rng
      let r = 0
      let t = 0

      // Subsample (a uint32 draw per item, mulberry32 inline).
      let L = 0
      if (keep) {
        for (let k = start; k < end; k++) {
          const w = items[k]!
          st = (st + 0x6d2b79f5) | 0
          t = Math.imul(st ^ (st >>> 15), st | 1)
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
          r = (t ^ (t >>> 14)) >>> 0
          if (r < keep[w]!) sen[L++] = w
        }
      } else {
        for (let k = start; k < end; k++) sen[L++] = items[k]!
      }

      let loss = 0
      let pairs = 0
      for (let pos = 0; pos < L; pos++) {
        const word = sen[pos]!
        let lo = 0
        let hi = L - 1
        if (window > 0) {
          st = (st + 0x6d2b79f5) | 0
          t = Math.imul(st ^ (st >>> 15), st | 1)
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
          r = (t ^ (t >>> 14)) >>> 0
          const reach = window - Math.floor((r / 4294967296) * window)
          lo = pos - reach
          hi = pos + reach
          if (lo < 0) lo = 0
          if (hi > L - 1) hi = L - 1
        }
        for (let c = lo; c <= hi; c++) {
          if (c === pos) continue
          const context = sen[c]!
          pairs++
          // Targets: the centre (label 1), then the negatives (a draw equal to the centre is skipped).
          targets[0] = syn1Base + word * rowUnit
          let n = 1
          for (let d = 0; d < negatives; d++) {
            st = (st + 0x6d2b79f5) | 0
            t = Math.imul(st ^ (st >>> 15), st | 1)
            t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
            r = (t ^ (t >>> 14)) >>> 0
            const target = table[(r * tableScale) | 0]!
            if (target !== word) targets[n++] = syn1Base + target * rowUnit
          }
          if (pair) {
            loss += pair(syn0At + context * rowUnit, targetsAt, n, nv, lr, neuAt)
            continue
          }
          // The JS kernel (the reference for ./simd.ts).
          const l1 = context * stride
          for (let k = 0; k < dim; k++) neu1e[k] = 0
          for (let d = 0; d < n; d++) {
            const l2 = targets[d]!
            let f = 0
            for (let k = 0; k < dim; k++) f += syn0[l1 + k]! * syn1[l2 + k]!
            let g: number
            if (f > MAX_EXP) {
              g = d === 0 ? 0 : -lr
              if (d > 0) loss += f
            } else if (f < -MAX_EXP) {
              g = d === 0 ? lr : 0
              if (d === 0) loss -= f
            } else {
              const bin = ((f + MAX_EXP) * binScale) | 0
              g = ((d === 0 ? 1 : 0) - sigmoid[bin]!) * lr
              loss += d === 0 ? lossPos[bin]! : lossNeg[bin]!
            }
            if (g === 0) continue
            for (let k = 0; k < dim; k++) {
              const o = syn1[l2 + k]!
              neu1e[k] = neu1e[k]! + g * o
              syn1[l2 + k] = o + g * syn0[l1 + k]!
            }
          }
          for (let k = 0; k < dim; k++) syn0[l1 + k] = syn0[l1 + k]! + neu1e[k]!
        }
      }

      s.rng = st
      s.raw += end - start
      const stats = s.stats
      const b = s.base
      const e = b + STATS_HEAD + 2 * s.epoch
      stats[b + S_RAW] = stats[b + S_RAW]! + (end - start)
      stats[b + S_EFFECTIVE] = stats[b + S_EFFECTIVE]! + L
      stats[e] = stats[e]! + loss
      stats[e + 1] = stats[e + 1]! + pairs
      return end - start
    },

    /** A worker: train the whole share, then say so. */
    workerMain(env: SgnsEnv, finished: () => void): void {
      const s = prog.createState(env)
      while (!prog.work(s, 1 << 30));
      finished()
    },
  }
  return prog
}

const program = sgnsThreadProgram()
if (program.SIG !== SIG_AT || program.LOSS_POS !== LOSS_POS_AT || program.LOSS_NEG !== LOSS_NEG_AT) throw new Error('item2vec: table offsets disagree with ./simd.ts')

const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const prog = (${sgnsThreadProgram.toString()})();
prog.workerMain(workerData, () => parentPort.postMessage('done'));
`
