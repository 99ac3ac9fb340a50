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
 * Kernels: the whole loop — subsampling, window and negative draws, the
 * pair updates, α and the loss — runs in WebAssembly SIMD (./simd.ts, f32x4)
 * where available, one call per chunk of ~4,000 words; else in the JS loop
 * below (`sequence`: the reference; the SIMD one makes the same random draws
 * in the same order and differs only in float rounding). Every table lives in
 * one arena, for SIMD a shared WebAssembly.Memory (≤ 4 GiB; larger falls back
 * to JS). Measured on a 2-core box (AMD EPYC, Node 20), effective words/s at
 * the defaults (./bench.ts): 1 thread 500–740k on 1,000 items, 280–360k on
 * 50,000 (there the random syn1neg rows of the negatives come from memory:
 * ~30 rows a word); the JS kernel is ~5× slower.
 *
 * Threads: 1 (the default) trains in the calling thread, yielding to the
 * event loop every ~50 ms, bit-identical for a given seed and kernel. T > 1
 * (0 = one per core) trains in the calling thread and T − 1 worker_threads
 * over the shared arena, updating the tables without locks like word2vec.c
 * (Hogwild): fast, NOT reproducible. The threads take chunks of sequences in
 * order from a shared counter (so none waits for a slow starter), each with
 * its own RNG (seeded from seed and its index); α follows the chunk's place
 * in the run (word2vec.c's shared word count), so with one thread the run is
 * the same however it is sliced. Loss and progress are per-thread counters
 * (own cache lines) the caller polls. 2 threads: 405–640k words/s on 50,000
 * items, 480–640k on 1,000 (all rows shared: the lines bounce between the
 * cores). The spread is mostly the two vCPUs' placement: each thread reads
 * syn1neg rows the other has just written, and a line crosses between them
 * in ~50 ns or ~230 ns depending on whether they share a cache.
 * An AbortSignal (options) stops a run between slices.
 *
 * Defaults (SGNS_DEFAULTS) are word2vec.c's / gensim's: dim 100, window 5,
 * negatives 5, exponent 0.75, subsample 1e-3, α 0.025 → 1e-4 (5 epochs).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { Random } from '../lib/random'
import { type WasmMemory, type WasmModule, wasmApi } from '../train/sparse/wasm-api'
import type { Sequences } from './sequences'
import { B_RAW, BLOCK_BYTES, LOSS_NEG_AT, LOSS_POS_AT, SIG_AT, STATS_EFFECTIVE, STATS_EPOCH_STRIDE, STATS_HEAD, STATS_RAW, sgnsSimdModule, sgnsSimdUnavailableReason, TABLES_END, writeThreadBlock } from './simd'

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

export interface SgnsOptions {
  /** Force a kernel (tests, benchmarks); default: SIMD where available. */
  kernel?: SgnsKernel
  /** Stops the run (checked between slices of ~50 ms; workers are terminated): trainSgns rejects with its reason. */
  signal?: AbortSignal
}

export type SgnsSequences = Pick<Sequences, 'offsets' | 'items' | 'counts' | 'totalItems'>

/** Progress callbacks at most this often (plus one at each epoch end). */
const PROGRESS_MS = 100
/** The calling thread yields to the event loop this often (threads = 1). */
const SLICE_MS = 50
/** Raw words per work() call inside a slice. */
const SLICE_WORDS = 8192
/**
 * Raw words per chunk, the unit a thread takes from the shared counter and the
 * SIMD kernel trains per call: the call costs ~0.1 µs; small chunks keep the
 * threads' ends close together (~5 ms).
 */
const CHUNK_WORDS = 4096

export async function trainSgns(seqs: SgnsSequences, nItems: number, params: SgnsParams, onProgress?: (p: SgnsProgress) => void, options: SgnsOptions = {}): Promise<SgnsResult> {
  const p = checkParams(params)
  const { dim, epochs } = p
  const nSeq = seqs.offsets.length - 1
  if (seqs.counts.length !== nItems) throw new Error(`trainSgns: counts has ${seqs.counts.length} entries for ${nItems} items`)
  const threads = p.threads === 0 ? availableParallelism() : p.threads
  const signal = options.signal
  signal?.throwIfAborted()

  // Chunks of whole sequences of ~CHUNK_WORDS raw words, dealt to the threads in order (epoch by
  // epoch) from a shared counter.
  const words = seqs.offsets[nSeq]! - seqs.offsets[0]!
  const chunks = [0]
  let longest = 1
  for (let q = 0; q < nSeq; q++) {
    longest = Math.max(longest, seqs.offsets[q + 1]! - seqs.offsets[q]!)
    if (seqs.offsets[q + 1]! - seqs.offsets[chunks[chunks.length - 1]!]! >= CHUNK_WORDS) chunks.push(q + 1)
  }
  if (chunks[chunks.length - 1] !== nSeq) chunks.push(nSeq)

  // The arena: every table in one buffer (a shared WebAssembly.Memory for the SIMD kernel), rows
  // padded to a multiple of 4 floats. Each thread's block, counters and scratch (e, the target
  // list, the subsampled sequence) fill whole cache lines plus a spare one, so threads never
  // write to the same line there.
  const stride = Math.ceil(dim / 4) * 4
  const rowBytes = stride * 4
  const statsStride = program.statsStride(epochs)
  const line = (bytes: number): number => Math.ceil(bytes / 64) * 64
  const tableLength = negativeTableLength(seqs.counts)
  let end = TABLES_END
  const place = (bytes: number): number => {
    const at = end
    end = line(end + bytes)
    return at
  }
  const counterAt = place(64)
  const slots = Array.from({ length: threads }, () => {
    const blockAt = place(BLOCK_BYTES)
    const statsAt = place(statsStride * 8)
    const neuAt = place(rowBytes)
    const targetsAt = place((p.negatives + 1) * 4)
    const senAt = place(longest * 4)
    place(64)
    return { blockAt, statsAt, neuAt, targetsAt, senAt }
  })
  const chunksAt = place(chunks.length * 4)
  const syn0At = place(nItems * rowBytes)
  const syn1At = place(nItems * rowBytes)
  const tableAt = place(tableLength * 4)
  const keepAt = p.subsample > 0 ? place(nItems * 8) : 0
  const offsetsAt = place((nSeq + 1) * 4)
  const itemsAt = place(Math.max(seqs.items.length, 1) * 4)
  const pages = Math.ceil(end / 65536)
  let module: WasmModule | null = null
  if (options.kernel !== 'js') {
    module = pages <= 65536 ? sgnsSimdModule() : null
    if (options.kernel === 'wasm-simd' && !module) throw new Error(`trainSgns: ${pages > 65536 ? 'the tables exceed 4 GiB' : sgnsSimdUnavailableReason()}`)
  }
  const memory: WasmMemory | null = module ? new (wasmApi().Memory)({ initial: pages, maximum: pages, shared: true }) : null
  const arena = memory ? memory.buffer : threads > 1 ? new SharedArrayBuffer(end) : new ArrayBuffer(end)
  program.writeTables(arena)

  // syn0 uniform(−0.5/dim, 0.5/dim) from the seed (row by row, pads 0); syn1neg 0.
  const syn0 = new Float32Array(arena, syn0At, nItems * stride)
  const syn1 = new Float32Array(arena, syn1At, nItems * stride)
  const rng = new Random(p.seed)
  for (let i = 0; i < nItems; i++) for (let f = 0; f < dim; f++) syn0[i * stride + f] = (rng.float() - 0.5) / dim
  fillNegativeTable(seqs.counts, p.nsExponent, new Int32Array(arena, tableAt, tableLength))
  if (keepAt) keepThresholds(seqs.counts, seqs.totalItems, p.subsample, new Float64Array(arena, keepAt, nItems))
  new Int32Array(arena, offsetsAt, nSeq + 1).set(seqs.offsets)
  new Int32Array(arena, itemsAt, seqs.items.length).set(seqs.items)
  new Int32Array(arena, chunksAt, chunks.length).set(chunks)

  const envs: SgnsEnv[] = slots.map((slot, k) => {
    const env: SgnsEnv = {
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
      tableAt,
      tableLength,
      keepAt,
      offsetsAt,
      itemsAt,
      nSeq,
      nWords: seqs.items.length,
      ...slot,
      longest,
      counterAt,
      chunksAt,
      nChunks: chunks.length - 1,
      index: k,
      seed: threads === 1 ? p.seed : threadSeed(p.seed, k),
    }
    if (module) {
      writeThreadBlock(arena, slot.blockAt, {
        rng: env.seed | 0,
        window: p.window,
        negatives: p.negatives,
        rowBytes,
        syn0: syn0At,
        syn1: syn1At,
        table: tableAt,
        tableLength,
        keep: keepAt,
        offsets: offsetsAt,
        items: itemsAt,
        sen: slot.senAt,
        neu: slot.neuAt,
        targets: slot.targetsAt,
        stats: slot.statsAt,
        lr0: p.learningRate,
        lrMin: p.minLearningRate,
        totalRaw: epochs * words,
      })
    }
    return env
  })
  const stats = envs.map((env) => new Float64Array(arena, env.statsAt, statsStride))

  const t0 = performance.now()
  let lastReport = t0
  let reportedEpochs = 0
  const lossPerEpoch: number[] = []
  const totals = (): { raw: number; effective: number; epochsDone: number } => {
    let raw = 0
    let effective = 0
    for (let k = 0; k < threads; k++) {
      raw += stats[k]![program.S_RAW]!
      effective += stats[k]![program.S_EFFECTIVE]!
    }
    // An epoch is done when the threads have trained all its words.
    let epochsDone = 0
    while (epochsDone < epochs && stats.reduce((sum, st) => sum + st[program.STATS_HEAD + program.EPOCH_STRIDE * epochsDone + 2]!, 0) >= words) epochsDone++
    return { raw, effective, epochsDone }
  }
  const epochLoss = (e: number): number => {
    let sum = 0
    let pairs = 0
    for (let k = 0; k < threads; k++) {
      sum += stats[k]![program.STATS_HEAD + program.EPOCH_STRIDE * e]!
      pairs += stats[k]![program.STATS_HEAD + program.EPOCH_STRIDE * e + 1]!
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

  // T − 1 workers; the calling thread trains too, in slices between which it yields to the event
  // loop (progress, worker messages, the abort signal).
  const workers = threads > 1 ? startWorkers(envs.slice(1)) : null
  try {
    const s = program.createState(envs[0]!)
    for (;;) {
      const sliceEnd = performance.now() + SLICE_MS
      let finished = false
      while (!finished && performance.now() < sliceEnd) finished = program.work(s, SLICE_WORDS)
      report(false)
      if (finished) break
      await new Promise<void>((resolve) => setImmediate(resolve))
      signal?.throwIfAborted()
      workers?.throwIfFailed()
    }
    if (workers) await workers.done(() => report(false), signal)
  } finally {
    workers?.terminate()
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

/** A thread's RNG seed: the run's seed mixed with the index (splitmix-style). */
function threadSeed(seed: number, k: number): number {
  let x = (seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** Entries of the negative table: max(1e6, 20·vocabulary), capped at 1e8 (1 when the vocabulary is empty). */
export function negativeTableLength(counts: Float64Array): number {
  let vocab = 0
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) vocab++
  return vocab === 0 ? 1 : Math.min(1e8, Math.max(1e6, 20 * vocab))
}

/** Unigram^power table: item i fills a run ∝ count_i^power (items with count 0: none). */
export function negativeTable(counts: Float64Array, power: number): Int32Array {
  return fillNegativeTable(counts, power, new Int32Array(negativeTableLength(counts)))
}

export function fillNegativeTable(counts: Float64Array, power: number, table: Int32Array): Int32Array {
  let z = 0
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) z += Math.pow(counts[i]!, power)
  if (z === 0) return table.fill(0)
  const size = table.length
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
  return table.fill(last, from, size)
}

/** word2vec's keep probability as a uint32 threshold (keep when a uint32 draw < threshold). */
export function keepThresholds(counts: Float64Array, total: number, t: number, keep: Float64Array<ArrayBufferLike> = new Float64Array(counts.length)): Float64Array<ArrayBufferLike> {
  const tn = t * total
  for (let i = 0; i < counts.length; i++) {
    const f = counts[i]!
    const p = f > 0 ? (Math.sqrt(f / tn) + 1) * (tn / f) : 1
    keep[i] = Math.min(p, 1) * 4294967296
  }
  return keep
}

interface Workers {
  /** Resolves when every worker has finished (polling meanwhile); rejects on a worker's error or the signal. */
  done(poll: () => void, signal: AbortSignal | undefined): Promise<void>
  throwIfFailed(): void
  terminate(): void
}

function startWorkers(envs: SgnsEnv[]): Workers {
  let failure: unknown = null
  const workers = envs.map((env) => new Worker(WORKER_SOURCE, { eval: true, workerData: env }))
  const finished = workers.map(
    (w, k) =>
      new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve())
        w.once('error', reject)
        w.once('exit', (code) => reject(new Error(`item2vec worker ${envs[k]!.index} exited (code ${code}) before finishing`)))
      }),
  )
  const all = Promise.all(finished)
  all.catch((e: unknown) => {
    failure ??= e
  })
  return {
    async done(poll, signal) {
      signal?.throwIfAborted() // an abort that came before the listener below would not fire again
      const timer = setInterval(poll, PROGRESS_MS / 2)
      let onAbort: (() => void) | null = null
      try {
        await Promise.race([
          all,
          new Promise<never>((_, reject) => {
            onAbort = () => reject(signal!.reason)
            signal?.addEventListener('abort', onAbort, { once: true })
          }),
        ])
      } finally {
        clearInterval(timer)
        if (onAbort) signal?.removeEventListener('abort', onAbort)
      }
    },
    throwIfFailed() {
      if (failure !== null) throw failure
    },
    terminate() {
      for (const w of workers) void w.terminate()
    },
  }
}

// ------------------------------------------------------------ the kernel

/** What one training thread needs: the arena (shared for T > 1) and byte offsets into it. */
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
  /** Every table (byte offsets below); the WebAssembly memory's buffer for the SIMD kernel. */
  arena: ArrayBufferLike
  memory: WasmMemory | null
  /** The SIMD training kernel (./simd.ts), or null for the JS one. */
  module: WasmModule | null
  syn0At: number
  syn1At: number
  tableAt: number
  tableLength: number
  /** 0 = no subsampling. */
  keepAt: number
  offsetsAt: number
  nSeq: number
  itemsAt: number
  nWords: number
  /** This thread's block for the SIMD kernel (./simd.ts: B_*). */
  blockAt: number
  /** This thread's counters: STATS_HEAD of them, then (loss sum, pairs) per epoch. */
  statsAt: number
  /** This thread's scratch: e (one row), the target list, the subsampled sequence (`longest` items). */
  neuAt: number
  targetsAt: number
  senAt: number
  longest: number
  /** The shared counter of chunks taken (an Int32; chunk g = epoch g / nChunks, chunk g mod nChunks of it). */
  counterAt: number
  /** nChunks + 1 sequence indices: chunk j is the sequences [chunks[j], chunks[j + 1]). */
  chunksAt: number
  nChunks: number
  index: number
  seed: number
}

/** A thread's private state (the tables are views of the arena). */
export interface SgnsThreadState {
  env: SgnsEnv
  syn0: Float32Array
  syn1: Float32Array
  table: Int32Array
  keep: Float64Array | null
  offsets: Int32Array
  items: Int32Array
  stats: Float64Array
  sigmoid: Float64Array
  lossPos: Float64Array
  lossNeg: Float64Array
  /** The current sequence after subsampling. */
  sen: Int32Array
  /** word2vec's neu1e: the input row's accumulated update (JS kernel). */
  neu1e: Float64Array
  /** Targets of a pair (JS kernel): the centre's syn1neg row offset, then the negatives'. */
  targets: Int32Array
  /** The SIMD kernel's train() (its RNG state and α position live in the thread's block), or null. */
  train: ((block: number, from: number, to: number, epoch: number) => void) | null
  counter: Int32Array
  chunks: Int32Array
  /** Raw words per epoch, and the offset of the first. */
  words: number
  base: number
  /** JS kernel: the RNG state, and the run's raw words before the current sequence (for α). */
  rng: number
  raw: number
  totalRaw: number
  /** SIMD kernel: the block's f64 view, to set the α position per chunk. */
  block: Float64Array | null
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
  const STATS_HEAD = 4
  /** Per epoch: loss sum, pairs, raw words. */
  const EPOCH_STRIDE = 3
  /** Byte offsets of the tables in the arena (./simd.ts: SIG_AT, LOSS_POS_AT, LOSS_NEG_AT). */
  const SIG = 0
  const LOSS_POS = 8192
  const LOSS_NEG = 16384
  /** The α position in a thread's block (./simd.ts: B_RAW). */
  const B_RAW = 80
  const BLOCK_BYTES = 128

  const prog = {
    S_RAW,
    S_EFFECTIVE,
    STATS_HEAD,
    EPOCH_STRIDE,
    B_RAW,
    BLOCK_BYTES,
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

    /** Doubles of a thread's counters. */
    statsStride(epochs: number): number {
      return STATS_HEAD + EPOCH_STRIDE * epochs
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
      const offsets = new Int32Array(env.arena, env.offsetsAt, env.nSeq + 1)
      let train: SgnsThreadState['train'] = null
      if (env.module && env.memory) {
        const wasm = (globalThis as unknown as { WebAssembly: ProgramWasm }).WebAssembly
        train = new wasm.Instance(env.module, { env: { memory: env.memory } }).exports.train as SgnsThreadState['train']
      }
      const words = offsets[env.nSeq]! - offsets[0]!
      return {
        env,
        syn0: new Float32Array(env.arena, env.syn0At, env.nItems * env.stride),
        syn1: new Float32Array(env.arena, env.syn1At, env.nItems * env.stride),
        table: new Int32Array(env.arena, env.tableAt, env.tableLength),
        keep: env.keepAt ? new Float64Array(env.arena, env.keepAt, env.nItems) : null,
        offsets,
        items: new Int32Array(env.arena, env.itemsAt, env.nWords),
        stats: new Float64Array(env.arena, env.statsAt, prog.statsStride(env.epochs)),
        sigmoid: t.sigmoid,
        lossPos: t.lossPos,
        lossNeg: t.lossNeg,
        sen: new Int32Array(env.arena, env.senAt, env.longest),
        neu1e: new Float64Array(env.dim),
        targets: new Int32Array(env.negatives + 1),
        train,
        counter: new Int32Array(env.arena, env.counterAt, 1),
        chunks: new Int32Array(env.arena, env.chunksAt, env.nChunks + 1),
        words,
        base: offsets[0]!,
        rng: env.seed | 0,
        raw: 0,
        totalRaw: env.epochs * words,
        block: train ? new Float64Array(env.arena, env.blockAt, BLOCK_BYTES / 8) : null,
      }
    },

    /**
     * Takes chunks from the shared counter and trains them, until about
     * `budget` raw words are done; true when no chunk is left. α follows the
     * chunk's place in the run (word2vec.c's shared word count), so with one
     * thread the run is the same however it is sliced.
     */
    work(s: SgnsThreadState, budget: number): boolean {
      const env = s.env
      const offsets = s.offsets
      const total = env.epochs * env.nChunks
      let done = 0
      while (done < budget) {
        const g = Atomics.add(s.counter, 0, 1)
        if (g >= total) return true
        const epoch = Math.floor(g / env.nChunks)
        const from = s.chunks[g - epoch * env.nChunks]!
        const to = s.chunks[g - epoch * env.nChunks + 1]!
        const raw = epoch * s.words + offsets[from]! - s.base
        if (s.train) {
          s.block![B_RAW / 8] = raw
          s.train(env.blockAt, from, to, epoch)
        } else {
          s.raw = raw
          for (let q = from; q < to; q++) prog.sequence(s, q, epoch)
        }
        done += offsets[to]! - offsets[from]!
      }
      return false
    },

    /**
     * One sequence, one pass, with the JS kernel: subsample, then every
     * (centre, context) pair. Returns its raw length. This is the reference
     * the SIMD kernel (./simd.ts train) follows draw for draw.
     */
    sequence(s: SgnsThreadState, q: number, epoch: number): number {
      const env = s.env
      const dim = env.dim
      const stride = env.stride
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
      const sigmoid = s.sigmoid
      const lossPos = s.lossPos
      const lossNeg = s.lossNeg
      const items = s.items
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
          const l1 = sen[c]! * stride
          pairs++
          // Targets: the centre (label 1), then the negatives (a draw equal to the centre is skipped).
          targets[0] = word * stride
          let n = 1
          for (let d = 0; d < negatives; d++) {
            st = (st + 0x6d2b79f5) | 0
            t = Math.imul(st ^ (st >>> 15), st | 1)
            t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
            r = (t ^ (t >>> 14)) >>> 0
            const target = table[(r * tableScale) | 0]!
            if (target !== word) targets[n++] = target * stride
          }
          // The pair update: h = syn0[context]; per target o: g, e += g·o, o += g·h; then h += e.
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
      const e = STATS_HEAD + EPOCH_STRIDE * epoch
      stats[S_RAW] = stats[S_RAW]! + (end - start)
      stats[S_EFFECTIVE] = stats[S_EFFECTIVE]! + L
      stats[e] = stats[e]! + loss
      stats[e + 1] = stats[e + 1]! + pairs
      stats[e + 2] = stats[e + 2]! + (end - start)
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
if (
  program.SIG !== SIG_AT || program.LOSS_POS !== LOSS_POS_AT || program.LOSS_NEG !== LOSS_NEG_AT || program.S_RAW !== STATS_RAW || program.S_EFFECTIVE !== STATS_EFFECTIVE || program.STATS_HEAD !== STATS_HEAD ||
  program.EPOCH_STRIDE !== STATS_EPOCH_STRIDE ||
  program.B_RAW !== B_RAW ||
  program.BLOCK_BYTES !== BLOCK_BYTES
) {
  throw new Error('item2vec: table or counter offsets disagree with ./simd.ts')
}

const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const prog = (${sgnsThreadProgram.toString()})();
prog.workerMain(workerData, () => parentPort.postMessage('done'));
`
