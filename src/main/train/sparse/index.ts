/**
 * The sparse CPU engine: the product's fast trainer for the entity-pair
 * model. Hand-written forward/backward and optimizers over flat float32
 * tables rather than a tensor library, because that IS the feature — a
 * general framework updates every row of every table every step (tf.train.adam
 * costs ~22 ms a step at tutorial scale before any real work) while a batch
 * touches ~6,000 of the ~79,000 rows; see DESIGN.md "Known traps".
 *
 * The math (the contract in ../engine.ts), per example (i, j, y), batch of B:
 *   û = u/sqrt(max(|u|², 1e-12)), v̂ likewise, c = û·v̂
 *   classification: z = w·c + b, loss = softplus(z) − y·z,  ∂loss/∂z = σ(z) − y
 *   regression:     loss = (c − y)²,                       ∂loss/∂c = 2(c − y)
 *   ∂c/∂u = (v̂ − c·û)/|u| (the projection term vanishes where the 1e-12 floor
 *   is active), ∂c/∂v symmetric; ∂/∂w = ∂loss/∂z·c, ∂/∂b = ∂loss/∂z; mean over B.
 * Optimizers, exactly as tfjs computes them (engine.ts has the names):
 *   sgd      θ ← θ − lr·g
 *   adagrad  a ← a + g²; θ ← θ − lr·g/sqrt(a + ε); a starts at 0.1, ε = 1e-7
 *   adam     m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 *            θ ← θ − lr·m̂/(sqrt(v̂) + ε), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t);
 *            β1 = 0.9, β2 = 0.999, ε = 1e-7; β^t kept as a float32 running
 *            product like tfjs' accBeta.
 *   'lazy' (default): only rows in the batch move, t is the global step.
 *   'dense': every row moves every step with g = 0 where untouched (only Adam
 *   differs), for the agreement test against tfjs.
 *
 * Defaults: threads 0 = one per core (os.availableParallelism()); 1 = all in
 * the calling thread. With T > 1 the calling thread works as thread 0 beside
 * T − 1 worker_threads over one shared WebAssembly.Memory; a step splits the
 * batch, each thread sums its gradients privately, then each updates the rows
 * with id mod T = its index, summing the threads' gradients in thread order —
 * so a run is bit-identical for a given T and equal to T = 1 up to float
 * summation order (./program.ts). Kernels: WebAssembly SIMD (./simd.ts) where
 * available, else the JS kernels in ./program.ts (the reference).
 *
 * Throughput at tutorial scale (./bench.ts; 2-core AMD EPYC VM, Node 20,
 * lazy, batches pre-generated, 2026-12): Adam ≈ 2.6–3.1 M examples/s on 1
 * thread; on 2 threads 3.2–5.1 M — the spread is where the host puts the two
 * vCPUs: when they share a cache a row written by one thread reaches the
 * other in ~50 ns, when they don't it takes ~230 ns and 2 threads are only
 * 1.0–1.1× one (every other row a thread reads was last written by the other
 * core). Adagrad ≈ 3.6 M / 3.7–4.8 M. Plain JS kernels: Adam ≈ 0.44 M / 1.0 M.
 * Tried and dropped (no faster on that host, slower on 1 thread): each thread
 * owning its rows outright and exchanging only gathered copies of the batch's
 * rows between phases (gather → dot products → scatter → optimizer). The rows
 * are random, so memory latency dominates: the kernels touch the next rows
 * ahead to keep many cache misses in flight.
 */
import { availableParallelism, cpus } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { EngineInfo } from '../../../shared/train'
import type { Batch, EngineOptions, EngineState, PairEngine, PairTables, StepResult } from '../engine'
import { type ArenaLayout, computeLayout, MAX_PAGES, slotsFor } from './layout'
import { type SparseThread, type ThreadEnv, sparseThreadProgram } from './program'
import { simdKernelsModule, simdUnavailableReason } from './simd'
import { type WasmMemory, wasmApi } from './wasm-api'

export type SparseBackend = 'wasm-simd' | 'js'

export interface SparseInternalOptions {
  /** Force the JS kernels (tests, benchmarks); default: SIMD where available. */
  backend?: SparseBackend
}

const BETA1 = 0.9
const BETA2 = 0.999
const EPSILON = 1e-7
const ADAGRAD_INITIAL = 0.1
/** Polls before a thread sleeps on a control cell (~50 µs), when each thread has a core. */
const SPIN = 20000

const program = sparseThreadProgram()

/** The worker's source: the same program, started on the data the engine passes. */
const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const program = (${sparseThreadProgram.toString()})();
program.workerMain(workerData, () => parentPort.postMessage('ready'));
`

let liveWorkers = 0
/** Worker threads of sparse engines that have not exited yet (tests: dispose stops them). */
export function liveSparseWorkers(): number {
  return liveWorkers
}

export function sparseEngineAvailable(): { available: true; backend: string; reason: string } {
  const simd = simdUnavailableReason()
  const cores = availableParallelism()
  return simd === null
    ? { available: true, backend: 'wasm-simd', reason: `Hand-written WebAssembly SIMD kernels, up to ${cores} threads, lazy per-row optimizer updates.` }
    : { available: true, backend: 'js', reason: `Plain JS kernels (${simd}), up to ${cores} threads.` }
}

export async function createSparseEngine(options: EngineOptions, internal: SparseInternalOptions = {}): Promise<PairEngine> {
  const engine = new SparseEngine(options, internal)
  try {
    await engine.start()
  } catch (e) {
    await engine.dispose()
    throw e
  }
  return engine
}

const fround = Math.fround

class SparseEngine implements PairEngine {
  readonly info: EngineInfo
  private readonly model: EngineOptions['model']
  private readonly layout: ArenaLayout
  private readonly memory: WasmMemory
  private readonly control: SharedArrayBuffer
  private readonly self: SparseThread
  private readonly env: Omit<ThreadEnv, 'index'>
  private workers: Worker[] = []
  private readonly f32: Float32Array
  private readonly i32: Int32Array
  private readonly f64: Float64Array
  private readonly ctl: Int32Array
  private readonly cf: Float64Array
  private readonly threads: number
  /** [w, b] and the head's optimizer slots (adam: m_w, m_b, v_w, v_b; adagrad: a_w, a_b). */
  private readonly head = new Float32Array(2)
  private readonly headSlots: Float32Array
  private t = 0
  /** tfjs' accBeta1/accBeta2: β^t as a float32 running product. */
  private acc1 = fround(BETA1)
  private acc2 = fround(BETA2)
  private gen = 0
  private broken: Error | null = null
  private disposed = false

  constructor(options: EngineOptions, internal: SparseInternalOptions) {
    const m = options.model
    this.model = m
    if (!Number.isInteger(m.dim) || m.dim < 1) throw new Error(`sparse engine: bad dim ${m.dim}`)
    checkLength('init.left', options.init.left, m.nLeft * m.dim)
    checkLength('init.right', options.init.right, m.nRight * m.dim)
    checkLength('init.head', options.init.head, 2)
    const requested = options.threads ?? 0
    if (!Number.isInteger(requested) || requested < 0) throw new Error(`sparse engine: bad thread count ${requested}`)
    this.threads = requested === 0 ? availableParallelism() : requested
    const module = internal.backend === 'js' ? null : simdKernelsModule()
    if (internal.backend === 'wasm-simd' && !module) throw new Error(`sparse engine: ${simdUnavailableReason() ?? 'SIMD unavailable'}`)
    this.layout = computeLayout({ dim: m.dim, nLeft: m.nLeft, nRight: m.nRight, slots: slotsFor(m.optimizer), threads: this.threads })
    if (this.layout.pages > MAX_PAGES) {
      throw new Error(`sparse engine: the tables and their optimizer state need ${(this.layout.bytes / 2 ** 30).toFixed(1)} GiB, over the 4 GiB a WebAssembly memory can hold; use fewer rows, a smaller dim or the tfjs engine`)
    }
    this.memory = new (wasmApi().Memory)({ initial: this.layout.pages, maximum: this.layout.pages, shared: true })
    this.control = new SharedArrayBuffer(program.CONTROL_BYTES)
    this.f32 = new Float32Array(this.memory.buffer)
    this.i32 = new Int32Array(this.memory.buffer)
    this.f64 = new Float64Array(this.memory.buffer)
    this.ctl = new Int32Array(this.control)
    this.cf = new Float64Array(this.control)
    this.headSlots = new Float32Array(2 * this.layout.slots)
    this.env = {
      memory: this.memory,
      control: this.control,
      layout: this.layout,
      module,
      optimizer: m.optimizer,
      dense: options.semantics === 'dense',
      regression: m.variant === 'regression',
      beta1: BETA1,
      beta2: BETA2,
      epsilon: EPSILON,
      spin: this.threads <= availableParallelism() ? SPIN : 0,
    }
    this.writeThreadBlocks()
    this.setTables(options.init)
    this.resetSlots()
    this.self = program.createThread({ ...this.env, index: 0 })
    this.info = {
      engine: 'sparse',
      backend: module ? 'wasm-simd' : 'js',
      device: cpus()[0]?.model.trim() ?? 'CPU',
      threads: this.threads,
      versions: { node: process.versions.node, v8: process.versions.v8 },
    }
  }

  /** Starts the T − 1 worker threads and waits until each has its kernels ready. */
  async start(): Promise<void> {
    const ready: Promise<void>[] = []
    for (let k = 1; k < this.threads; k++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...this.env, index: k } satisfies ThreadEnv })
      liveWorkers++
      worker.unref()
      this.workers.push(worker)
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve())
          worker.once('error', (e) => {
            this.broken ??= e
            reject(e)
          })
          worker.once('exit', (code) => {
            liveWorkers--
            if (!this.disposed) {
              this.broken ??= new Error(`sparse engine: worker thread ${k} exited (code ${code})`)
              reject(this.broken)
            }
          })
        }),
      )
    }
    await Promise.all(ready)
  }

  async step(batch: Batch): Promise<StepResult> {
    const E = this.loadBatch(batch)
    const m = this.model
    const lr = fround(m.learningRate)
    const cf = this.cf
    if (m.optimizer === 'adam') {
      // tfjs: lr·(m/(1 − β1^t)) / (sqrt(v/(1 − β2^t)) + ε) with β^t as float32 products.
      cf[program.f64Index.C1] = lr / fround(1 - this.acc1)
      cf[program.f64Index.C2] = 1 / Math.sqrt(fround(1 - this.acc2))
    } else cf[program.f64Index.C1] = lr
    this.run(program.OP_STEP)
    const r = this.reduce(E)
    if (m.variant === 'classification') this.updateHead(r.gw, r.gb, lr)
    this.t++
    this.acc1 = fround(this.acc1 * fround(BETA1))
    this.acc2 = fround(this.acc2 * fround(BETA2))
    return { loss: r.loss, accuracy: r.accuracy }
  }

  async lossAndGradients(batch: Batch): Promise<{ loss: number; grads: PairTables }> {
    const E = this.loadBatch(batch)
    this.run(program.OP_FORWARD)
    const r = this.reduce(E)
    const L = this.layout
    const dim = L.dim
    const left = new Float32Array(this.model.nLeft * dim)
    const right = new Float32Array(this.model.nRight * dim)
    for (const R of L.thread) {
      for (const [out, rowsAt, gradsAt, count] of [
        [left, R.rowsL, R.gradsL, R.block + 32],
        [right, R.rowsR, R.gradsR, R.block + 36],
      ] as const) {
        const n = this.i32[count >>> 2]!
        for (let q = 0; q < n; q++) {
          const row = this.i32[(rowsAt >>> 2) + q]!
          const g = (gradsAt >>> 2) + q * L.P
          for (let k = 0; k < dim; k++) out[row * dim + k]! += this.f32[g + k]!
        }
      }
    }
    const head = this.model.variant === 'classification' ? new Float32Array([r.gw, r.gb]) : new Float32Array(2)
    return { loss: r.loss, grads: { left, right, head } }
  }

  async weights(): Promise<PairTables> {
    this.check()
    return { left: this.readTable('left', 0), right: this.readTable('right', 0), head: this.head.slice() }
  }

  async saveState(): Promise<EngineState> {
    this.check()
    const slots: Record<string, Float32Array> = {}
    const names = this.slotNames()
    names.forEach((name, s) => {
      slots[`left.${name}`] = this.readTable('left', s + 1)
      slots[`right.${name}`] = this.readTable('right', s + 1)
      slots[`head.${name}`] = this.headSlots.slice(2 * s, 2 * s + 2)
    })
    return { tables: await this.weights(), slots, step: this.t }
  }

  async loadState(state: EngineState): Promise<void> {
    this.check()
    const m = this.model
    checkLength('tables.left', state.tables.left, m.nLeft * m.dim)
    checkLength('tables.right', state.tables.right, m.nRight * m.dim)
    checkLength('tables.head', state.tables.head, 2)
    const names = this.slotNames()
    for (const name of names) {
      checkLength(`slots.left.${name}`, state.slots[`left.${name}`], m.nLeft * m.dim)
      checkLength(`slots.right.${name}`, state.slots[`right.${name}`], m.nRight * m.dim)
      checkLength(`slots.head.${name}`, state.slots[`head.${name}`], 2)
    }
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`sparse engine: bad step ${state.step}`)
    this.setTables(state.tables)
    names.forEach((name, s) => {
      this.writeTable('left', s + 1, state.slots[`left.${name}`]!)
      this.writeTable('right', s + 1, state.slots[`right.${name}`]!)
      this.headSlots.set(state.slots[`head.${name}`]!, 2 * s)
    })
    this.t = state.step
    this.acc1 = fround(BETA1)
    this.acc2 = fround(BETA2)
    for (let i = 0; i < state.step; i++) {
      this.acc1 = fround(this.acc1 * fround(BETA1))
      this.acc2 = fround(this.acc2 * fround(BETA2))
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    if (this.workers.length === 0) return
    program.stopWorkers(this.control)
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.workers = []
  }

  // ------------------------------------------------------------ helpers

  private check(): void {
    if (this.disposed) throw new Error('sparse engine: used after dispose()')
    if (this.broken) throw this.broken
  }

  private run(op: number): void {
    try {
      program.runAll(this.self, op)
    } catch (e) {
      this.broken = e as Error
      throw e
    }
  }

  /** Copies the batch into the arena and starts a new stamp generation; returns its size. */
  private loadBatch(batch: Batch): number {
    this.check()
    const E = batch.size
    const L = this.layout
    if (!Number.isInteger(E) || E < 1) throw new Error(`sparse engine: empty or bad batch size ${E}`)
    if (E > L.batch.capacity) throw new Error(`sparse engine: batch of ${E} over the capacity of ${L.batch.capacity}`)
    if (batch.left.length < E || batch.right.length < E || batch.label.length < E) throw new Error('sparse engine: batch arrays shorter than its size')
    const { nLeft, nRight } = this.model
    const bl = batch.left, br = batch.right
    for (let e = 0; e < E; e++) {
      const i = bl[e]!, j = br[e]!
      if (!(i >= 0 && i < nLeft && j >= 0 && j < nRight)) throw new Error(`sparse engine: example ${e} has pair (${i}, ${j}) outside ${nLeft} × ${nRight}`)
    }
    this.i32.set(bl.subarray(0, E), L.batch.left >>> 2)
    this.i32.set(br.subarray(0, E), L.batch.right >>> 2)
    this.f32.set(batch.label.subarray(0, E), L.batch.label >>> 2)
    this.gen = (this.gen % 0x7ffffffe) + 1
    Atomics.store(this.ctl, program.ctlIndex.SIZE, E)
    Atomics.store(this.ctl, program.ctlIndex.GEN, this.gen)
    this.cf[program.f64Index.W] = this.head[0]!
    this.cf[program.f64Index.B] = this.head[1]!
    this.cf[program.f64Index.INV] = 1 / E
    return E
  }

  /** Sums the threads' partial results in thread order. */
  private reduce(E: number): { loss: number; accuracy: number; gw: number; gb: number } {
    let loss = 0, correct = 0, gw = 0, gb = 0
    for (const R of this.layout.thread) {
      const o = R.block >>> 3
      loss += this.f64[o + 8]! + Math.log(this.f64[o + 12]!) + this.f64[o + 13]! * 512 * Math.LN2
      correct += this.f64[o + 9]!
      gw += this.f64[o + 10]!
      gb += this.f64[o + 11]!
    }
    return { loss: loss / E, accuracy: correct / E, gw, gb }
  }

  /** The head [w, b]: two parameters, updated here with the same optimizer. */
  private updateHead(gw: number, gb: number, lr: number): void {
    const h = this.head, s = this.headSlots
    const g = [fround(gw), fround(gb)]
    for (let k = 0; k < 2; k++) {
      const gk = g[k]!
      if (this.model.optimizer === 'adam') {
        s[k] = fround(BETA1) * s[k]! + fround(1 - BETA1) * gk
        s[2 + k] = fround(BETA2) * s[2 + k]! + fround(1 - BETA2) * gk * gk
        h[k] = h[k]! - lr * ((s[k]! / fround(1 - this.acc1)) / (Math.sqrt(s[2 + k]! / fround(1 - this.acc2)) + EPSILON))
      } else if (this.model.optimizer === 'adagrad') {
        s[k] = s[k]! + gk * gk
        h[k] = h[k]! - lr * (gk / Math.sqrt(s[k]! + EPSILON))
      } else h[k] = h[k]! - lr * gk
    }
  }

  private slotNames(): string[] {
    return this.model.optimizer === 'adam' ? ['m', 'v'] : this.model.optimizer === 'adagrad' ? ['a'] : []
  }

  private writeThreadBlocks(): void {
    this.layout.thread.forEach((R, k) => (this.i32[(this.layout.blocks >>> 2) + k] = R.block | 0))
    for (const R of this.layout.thread) {
      const b = R.block >>> 2
      const fields = [R.stampL, R.slotL, R.rowsL, R.gradsL, R.stampR, R.slotR, R.rowsR, R.gradsR]
      fields.forEach((v, k) => (this.i32[b + k] = v | 0))
    }
  }

  private setTables(t: PairTables): void {
    this.writeTable('left', 0, t.left)
    this.writeTable('right', 0, t.right)
    this.head.set(t.head.subarray(0, 2))
  }

  /** Optimizer slots at their initial values: adagrad's accumulator 0.1, the rest 0. */
  private resetSlots(): void {
    const L = this.layout
    const init = this.model.optimizer === 'adagrad' ? ADAGRAD_INITIAL : 0
    for (const table of [L.left, L.right]) {
      for (let r = 0; r < table.rows; r++) {
        const p = (table.base + r * L.rec) >>> 2
        for (let s = 1; s <= L.slots; s++) this.f32.fill(init, p + s * L.P, p + s * L.P + L.dim)
      }
    }
    this.headSlots.fill(0)
    if (this.model.optimizer === 'adagrad') this.headSlots.fill(ADAGRAD_INITIAL)
  }

  /** Part `part` (0 = θ, 1.. = slots) of every record of a table, as a dense n × dim array. */
  private readTable(side: 'left' | 'right', part: number): Float32Array {
    const L = this.layout
    const table = L[side]
    const out = new Float32Array(table.rows * L.dim)
    for (let r = 0; r < table.rows; r++) {
      const p = ((table.base + r * L.rec) >>> 2) + part * L.P
      out.set(this.f32.subarray(p, p + L.dim), r * L.dim)
    }
    return out
  }

  private writeTable(side: 'left' | 'right', part: number, data: Float32Array): void {
    const L = this.layout
    const table = L[side]
    for (let r = 0; r < table.rows; r++) {
      const p = ((table.base + r * L.rec) >>> 2) + part * L.P
      this.f32.set(data.subarray(r * L.dim, (r + 1) * L.dim), p)
    }
  }
}

function checkLength(what: string, a: Float32Array | undefined, n: number): void {
  if (!(a instanceof Float32Array)) throw new Error(`sparse engine: ${what} missing`)
  if (a.length !== n) throw new Error(`sparse engine: ${what} has ${a.length} values, expected ${n}`)
}
