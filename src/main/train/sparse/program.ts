/**
 * What every thread of the sparse engine runs — the calling thread as thread
 * 0 and each worker_thread as 1 … T−1 — in one self-contained function: the
 * workers get it as source text (`sparseThreadProgram.toString()`, started with
 * `new Worker(code, { eval: true })`), which works the same from TypeScript
 * under vitest/tsx and from the built bundle. So: NO imports and no references
 * to anything outside the function body, only globals (Math, Atomics, typed
 * arrays, WebAssembly); and no named functions or classes, only methods of
 * one object (see `prog` below).
 *
 * A step, reproducible for a given thread count:
 *   1. forward  thread k runs fwdbwd on its slice [k·E/T, (k+1)·E/T) of the
 *               batch, summing gradients privately into compact per-row slots.
 *   — barrier —
 *   2. update   thread k owns the rows with id mod T = k: for each of them it
 *               sums the threads' gradients in thread order (merge), then
 *               applies the optimizer (dense semantics: to every row it owns,
 *               with a zero gradient where no thread touched it).
 * Thread 0 (the caller) then reduces the partial losses and updates the head.
 * Synchronisation is Atomics wait/notify on the control buffer (spin first,
 * then sleep): a command counter, a generation barrier and a done counter.
 */

import type { WasmApi, WasmMemory, WasmModule } from './wasm-api'

/** The kernel set: the SIMD module's exports, or their JS equivalents below. Pointers are byte offsets. */
export interface SparseKernels {
  fwdbwd(bl: number, br: number, by: number, begin: number, end: number, tl: number, tr: number, rec: number, nv: number, thr: number, gen: number, w: number, b: number, inv: number, regression: number): void
  /**
   * Thread k's optimizer work for one table (side 0 left, 1 right): the rows r with
   * r mod T = k that any thread touched, each once, as (row, gradient) pairs at `upd`,
   * plus (destination, source) pairs at `mrg` summing the other threads' gradients
   * of the row into the first one's, in thread order; with `dense`, every other row
   * of the shard paired with the zero gradient. Counts go to out (nu) and out + 4 (nm).
   * `blocks` holds the T threads' block pointers.
   */
  collect(side: number, k: number, T: number, gen: number, blocks: number, rb: number, upd: number, mrg: number, dense: number, nrows: number, zero: number, out: number): void
  merge(list: number, n: number, nv: number): void
  adam(list: number, n: number, base: number, rec: number, nv: number, c1: number, c2: number, b1: number, b2: number, eps: number): void
  adagrad(list: number, n: number, base: number, rec: number, nv: number, lr: number, eps: number): void
  sgd(list: number, n: number, base: number, rec: number, nv: number, lr: number): void
}

/** Structural copy of ./layout.ts's ArenaLayout (no imports here, see above). */
interface Layout {
  dim: number
  P: number
  nv: number
  slots: number
  rec: number
  threads: number
  left: { base: number; rows: number }
  right: { base: number; rows: number }
  batch: { left: number; right: number; label: number; capacity: number }
  zero: number
  blocks: number
  thread: { block: number; stampL: number; slotL: number; rowsL: number; gradsL: number; stampR: number; slotR: number; rowsR: number; gradsR: number; update: number; merge: number }[]
}

export interface ThreadEnv {
  memory: WasmMemory
  control: SharedArrayBuffer
  layout: Layout
  /** The SIMD kernels, or null for the JS kernels. */
  module: WasmModule | null
  index: number
  optimizer: 'sgd' | 'adagrad' | 'adam'
  dense: boolean
  regression: boolean
  beta1: number
  beta2: number
  epsilon: number
  /**
   * Polls of a control cell before sleeping on it: a futex wake costs tens of µs
   * against ~1 ms a step, so threads spin first — unless there are more threads
   * than cores, where spinning only takes the CPU from the thread being waited for.
   */
  spin: number
}

/** A thread's state: its views of the arena and the control buffer, and its kernels. */
export interface SparseThread {
  env: ThreadEnv
  layout: Layout
  index: number
  i32: Int32Array
  f64: Float64Array
  ctl: Int32Array
  cf: Float64Array
  kernels: SparseKernels
  /** 0 sgd, 1 adagrad, 2 adam. */
  optimizer: number
}

export function sparseThreadProgram() {
  // Control buffer: Int32 cells …
  const CMD = 0 // bumped by thread 0 to start an operation
  const OP = 1
  const BCOUNT = 2 // barrier arrivals
  const BGEN = 3 // barrier generation
  const DONE = 4 // workers finished with the operation
  const ERROR = 5 // 1 once a thread failed (message at ERR_TEXT)
  const ERRLOCK = 6
  const SIZE = 7 // examples in the batch
  const GEN = 8 // stamp generation of this forward pass
  // … and Float64 cells (index in a Float64Array over the same buffer).
  const W = 8
  const B = 9
  const INV = 10 // 1 / batch size
  const C1 = 11 // adam: lr/(1−β1^t); adagrad, sgd: lr
  const C2 = 12 // adam: 1/sqrt(1−β2^t)
  const ERR_TEXT = 256 // bytes
  const ERR_MAX = 1024
  const CONTROL_BYTES = ERR_TEXT + ERR_MAX

  const OP_FORWARD = 1
  const OP_STEP = 2
  const OP_EXIT = 3

  /** Sleep slices while waiting, to notice a failed thread. */
  const WAIT_SLICE_MS = 50

  /** Thrown by a thread that stops because another one failed (not the failure itself). */
  const ABORTED = 'sparse engine: another thread failed'

  // Everything is a method of this object: a transpiler may wrap named functions
  // in helpers (esbuild's keepNames: __name(f, "f")) that don't exist in a worker,
  // but it leaves object methods alone.
  const prog = {
    /** The JS kernels: the readable reference of ./simd.ts (same arguments, same memory). */
    jsKernels(buffer: ArrayBufferLike): SparseKernels {
      const i32 = new Int32Array(buffer)
      const f32 = new Float32Array(buffer)
      const f64 = new Float64Array(buffer)
      return {
        fwdbwd(bl, br, by, begin, end, tl, tr, rec, nv, thr, gen, w, b, inv, regression) {
          const P = nv * 4
          const t = thr >>> 2
          const stampL = i32[t]! >>> 2, slotL = i32[t + 1]! >>> 2, rowsL = i32[t + 2]! >>> 2, gradsL = i32[t + 3]! >>> 2
          const stampR = i32[t + 4]! >>> 2, slotR = i32[t + 5]! >>> 2, rowsR = i32[t + 6]! >>> 2, gradsR = i32[t + 7]! >>> 2
          const recF = rec >>> 2, tlF = tl >>> 2, trF = tr >>> 2
          let nl = i32[t + 8]!, nr = i32[t + 9]!
          let loss = 0, correct = 0, gw = 0, gb = 0
          for (let e = begin; e < end; e++) {
            const i = i32[(bl >>> 2) + e]!, j = i32[(br >>> 2) + e]!, y = f32[(by >>> 2) + e]!
            let gu: number, gv: number
            if (i32[stampL + i] === gen) gu = gradsL + i32[slotL + i]! * P
            else {
              i32[stampL + i] = gen
              i32[slotL + i] = nl
              i32[rowsL + nl] = i
              gu = gradsL + nl * P
              f32.fill(0, gu, gu + P)
              nl++
            }
            if (i32[stampR + j] === gen) gv = gradsR + i32[slotR + j]! * P
            else {
              i32[stampR + j] = gen
              i32[slotR + j] = nr
              i32[rowsR + nr] = j
              gv = gradsR + nr * P
              f32.fill(0, gv, gv + P)
              nr++
            }
            const u = tlF + i * recF, v = trF + j * recF
            let uu = 0, vv = 0, uv = 0
            for (let k = 0; k < P; k++) {
              const x = f32[u + k]!, z = f32[v + k]!
              uu += x * x
              vv += z * z
              uv += x * z
            }
            const su = 1 / Math.sqrt(Math.max(uu, 1e-12)), sv = 1 / Math.sqrt(Math.max(vv, 1e-12))
            const c = uv * su * sv
            let g: number
            if (regression) {
              const d = c - y
              loss += d * d
              g = 2 * d * inv
              if (c > 0 === y > 0) correct++
            } else {
              const z = w * c + b
              const ex = Math.exp(-Math.abs(z))
              loss += Math.max(z, 0) + Math.log(1 + ex) - y * z
              const gz = ((z >= 0 ? 1 : ex) / (1 + ex) - y) * inv
              gw += gz * c
              gb += gz
              if (z > 0 === (y === 1)) correct++
              g = gz * w
            }
            const a = g * su * sv
            const bu = uu >= 1e-12 ? g * c * su * su : 0
            const bv = vv >= 1e-12 ? g * c * sv * sv : 0
            for (let k = 0; k < P; k++) {
              const x = f32[u + k]!, z = f32[v + k]!
              f32[gu + k] = f32[gu + k]! + a * z - bu * x
              f32[gv + k] = f32[gv + k]! + a * x - bv * z
            }
          }
          i32[t + 8] = nl
          i32[t + 9] = nr
          const o = (thr >>> 3) + 8
          f64[o] = loss
          f64[o + 1] = correct
          f64[o + 2] = gw
          f64[o + 3] = gb
          f64[o + 4] = 1 // prod and scale: this kernel took its logs one by one
          f64[o + 5] = 0
        },
        collect(side, k, T, gen, blocks, rb, upd, mrg, dense, nrows, zero, out) {
          // Each thread's arrays for this side (int32 indices; gradients as byte pointers).
          const stamp: number[] = [], slot: number[] = [], rows: number[] = [], grads: number[] = [], count: number[] = []
          for (let kk = 0; kk < T; kk++) {
            const blk = i32[(blocks >>> 2) + kk]!
            const f = (blk + 16 * side) >>> 2
            stamp.push(i32[f]! >>> 2)
            slot.push(i32[f + 1]! >>> 2)
            rows.push(i32[f + 2]! >>> 2)
            grads.push(i32[f + 3]!)
            count.push(i32[((blk + 32) >>> 2) + side]!)
          }
          const u = upd >>> 2, mm = mrg >>> 2
          // Row r belongs to thread r mod T (a mask when T is a power of two: integer % is slow).
          const mask = (T & (T - 1)) === 0 ? T - 1 : -1
          let nu = 0, nm = 0
          for (let kk = 0; kk < T; kk++) {
            const list = rows[kk]!, n = count[kk]!
            for (let q = 0; q < n; q++) {
              const r = i32[list + q]!
              if ((mask >= 0 ? r & mask : r % T) !== k) continue
              // A row an earlier thread also touched was taken from that thread's list.
              let seen = false
              for (let k2 = 0; k2 < kk && !seen; k2++) seen = i32[stamp[k2]! + r] === gen
              if (seen) continue
              const dst = grads[kk]! + q * rb
              for (let k2 = kk + 1; k2 < T; k2++) {
                if (i32[stamp[k2]! + r] !== gen) continue
                i32[mm + 2 * nm] = dst
                i32[mm + 2 * nm + 1] = grads[k2]! + i32[slot[k2]! + r]! * rb
                nm++
              }
              i32[u + 2 * nu] = r
              i32[u + 2 * nu + 1] = dst
              nu++
            }
          }
          if (dense) {
            for (let r = k; r < nrows; r += T) {
              let touched = false
              for (let k2 = 0; k2 < T && !touched; k2++) touched = i32[stamp[k2]! + r] === gen
              if (touched) continue
              i32[u + 2 * nu] = r
              i32[u + 2 * nu + 1] = zero
              nu++
            }
          }
          i32[out >>> 2] = nu
          i32[(out >>> 2) + 1] = nm
        },
        merge(list, n, nv) {
          const P = nv * 4, l = list >>> 2
          for (let q = 0; q < n; q++) {
            const d = i32[l + 2 * q]! >>> 2, s = i32[l + 2 * q + 1]! >>> 2
            for (let k = 0; k < P; k++) f32[d + k] = f32[d + k]! + f32[s + k]!
          }
        },
        adam(list, n, base, rec, nv, c1, c2, b1, b2, eps) {
          const P = nv * 4, l = list >>> 2, recF = rec >>> 2, baseF = base >>> 2
          for (let q = 0; q < n; q++) {
            const p = baseF + i32[l + 2 * q]! * recF, g = i32[l + 2 * q + 1]! >>> 2
            for (let k = 0; k < P; k++) {
              const gg = f32[g + k]!
              const m = (f32[p + P + k] = b1 * f32[p + P + k]! + (1 - b1) * gg)
              const v = (f32[p + 2 * P + k] = b2 * f32[p + 2 * P + k]! + (1 - b2) * gg * gg)
              f32[p + k] = f32[p + k]! - (c1 * m) / (c2 * Math.sqrt(v) + eps)
            }
          }
        },
        adagrad(list, n, base, rec, nv, lr, eps) {
          const P = nv * 4, l = list >>> 2, recF = rec >>> 2, baseF = base >>> 2
          for (let q = 0; q < n; q++) {
            const p = baseF + i32[l + 2 * q]! * recF, g = i32[l + 2 * q + 1]! >>> 2
            for (let k = 0; k < P; k++) {
              const gg = f32[g + k]!
              const a = (f32[p + P + k] = f32[p + P + k]! + gg * gg)
              f32[p + k] = f32[p + k]! - lr * (gg / Math.sqrt(a + eps))
            }
          }
        },
        sgd(list, n, base, rec, nv, lr) {
          const P = nv * 4, l = list >>> 2, recF = rec >>> 2, baseF = base >>> 2
          for (let q = 0; q < n; q++) {
            const p = baseF + i32[l + 2 * q]! * recF, g = i32[l + 2 * q + 1]! >>> 2
            for (let k = 0; k < P; k++) f32[p + k] = f32[p + k]! - lr * f32[g + k]!
          }
        },
      }
    },

    simdKernels(module: WasmModule, memory: WasmMemory): SparseKernels {
      const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
      const instance = new wasm.Instance(module, { env: { memory } })
      return instance.exports as unknown as SparseKernels
    },

    createThread(env: ThreadEnv): SparseThread {
      const buffer = env.memory.buffer
      return {
        env,
        layout: env.layout,
        index: env.index,
        i32: new Int32Array(buffer),
        f64: new Float64Array(buffer),
        ctl: new Int32Array(env.control),
        cf: new Float64Array(env.control),
        kernels: env.module ? prog.simdKernels(env.module, env.memory) : prog.jsKernels(buffer),
        optimizer: env.optimizer === 'adam' ? 2 : env.optimizer === 'adagrad' ? 1 : 0,
      }
    },

    /** Blocks while ctl[at] === value: spins, then sleeps in slices, checking for a failed thread. */
    waitWhile(s: SparseThread, at: number, value: number): void {
      const ctl = s.ctl
      for (let n = 0; n < s.env.spin; n++) if (Atomics.load(ctl, at) !== value) return
      while (Atomics.load(ctl, at) === value) {
        if (Atomics.load(ctl, ERROR) !== 0) throw new Error(ABORTED)
        Atomics.wait(ctl, at, value, WAIT_SLICE_MS)
      }
    },

    barrier(s: SparseThread): void {
      const T = s.layout.threads
      if (T === 1) return
      const ctl = s.ctl
      const gen = Atomics.load(ctl, BGEN)
      if (Atomics.add(ctl, BCOUNT, 1) === T - 1) {
        Atomics.store(ctl, BCOUNT, 0)
        Atomics.add(ctl, BGEN, 1)
        Atomics.notify(ctl, BGEN)
      } else prog.waitWhile(s, BGEN, gen)
    },

    forward(s: SparseThread): void {
      const { layout: L, ctl, cf, i32 } = s
      const E = Atomics.load(ctl, SIZE)
      const T = L.threads, k = s.index
      const begin = Math.floor((E * k) / T), end = Math.floor((E * (k + 1)) / T)
      const block = L.thread[k]!.block
      i32[(block + 32) >>> 2] = 0
      i32[(block + 36) >>> 2] = 0
      s.kernels.fwdbwd(L.batch.left, L.batch.right, L.batch.label, begin, end, L.left.base, L.right.base, L.rec, L.nv, block, Atomics.load(ctl, GEN), cf[W]!, cf[B]!, cf[INV]!, s.env.regression ? 1 : 0)
    },

    /** The optimizer on this thread's rows of one table (side 0 left, 1 right). */
    update(s: SparseThread, side: 0 | 1): void {
      const { layout: L, i32, ctl, cf } = s
      const me = L.thread[s.index]!
      const table = side === 0 ? L.left : L.right
      const K = s.kernels
      // Dense semantics: the rows nobody touched step with g = 0 too (only Adam moves:
      // sgd and adagrad leave a row with a zero gradient unchanged).
      const dense = s.env.dense && s.optimizer === 2 ? 1 : 0
      const out = me.block + 44
      K.collect(side, s.index, L.threads, Atomics.load(ctl, GEN), L.blocks, 4 * L.P, me.update, me.merge, dense, table.rows, L.zero, out)
      const nu = i32[out >>> 2]!, nm = i32[(out >>> 2) + 1]!
      if (nm > 0) K.merge(me.merge, nm, L.nv)
      if (s.optimizer === 2) K.adam(me.update, nu, table.base, L.rec, L.nv, cf[C1]!, cf[C2]!, s.env.beta1, s.env.beta2, s.env.epsilon)
      else if (s.optimizer === 1) K.adagrad(me.update, nu, table.base, L.rec, L.nv, cf[C1]!, s.env.epsilon)
      else K.sgd(me.update, nu, table.base, L.rec, L.nv, cf[C1]!)
    },

    run(s: SparseThread, op: number): void {
      prog.forward(s)
      if (op !== OP_STEP) return
      prog.barrier(s)
      prog.update(s, 0)
      prog.update(s, 1)
    },

    /** Records the first failure (message for thread 0) and wakes every waiter. */
    fail(s: SparseThread, e: unknown): void {
      const ctl = s.ctl
      if (!(e instanceof Error && e.message === ABORTED) && Atomics.compareExchange(ctl, ERRLOCK, 0, 1) === 0) {
        const text = new TextEncoder().encode(`thread ${s.index}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`.slice(0, ERR_MAX / 4))
        const bytes = new Uint8Array(s.env.control, ERR_TEXT, ERR_MAX)
        bytes.fill(0)
        bytes.set(text.subarray(0, ERR_MAX - 1))
      }
      Atomics.store(ctl, ERROR, 1)
      Atomics.notify(ctl, BGEN)
      Atomics.notify(ctl, DONE)
    },

    errorText(control: SharedArrayBuffer): string {
      const bytes = new Uint8Array(control, ERR_TEXT, ERR_MAX)
      const end = bytes.indexOf(0)
      return new TextDecoder().decode(bytes.slice(0, end < 0 ? ERR_MAX : end)) || 'a worker thread failed'
    },

    /** Thread 0: starts `op` on every thread, does its own share, waits for the others. Throws if any failed. */
    runAll(s: SparseThread, op: number): void {
      const ctl = s.ctl, T = s.layout.threads
      if (T > 1) {
        Atomics.store(ctl, DONE, 0)
        Atomics.store(ctl, OP, op)
        Atomics.add(ctl, CMD, 1)
        Atomics.notify(ctl, CMD)
      }
      try {
        prog.run(s, op)
      } catch (e) {
        prog.fail(s, e)
      }
      if (T > 1) {
        // Wait for every worker to report, even after a failure, so none is still writing.
        const deadline = Date.now() + 10 * 60_000
        for (let n = 0; Atomics.load(ctl, DONE) < T - 1; n++) {
          if (n < s.env.spin) continue
          const d = Atomics.load(ctl, DONE)
          if (d >= T - 1) break
          if (Date.now() > deadline) {
            Atomics.store(ctl, ERROR, 1)
            throw new Error('sparse engine: a worker thread stopped answering')
          }
          Atomics.wait(ctl, DONE, d, WAIT_SLICE_MS)
        }
      }
      if (Atomics.load(ctl, ERROR) !== 0) throw new Error(`sparse engine: ${prog.errorText(s.env.control)}`)
    },

    /** A worker's life: wait for a command, run it, report done; until OP_EXIT. */
    workerMain(env: ThreadEnv, ready: () => void): void {
      const s = prog.createThread(env)
      const ctl = s.ctl
      ready()
      let seen = 0
      for (;;) {
        for (let n = 0; n < env.spin && Atomics.load(ctl, CMD) === seen; n++);
        while (Atomics.load(ctl, CMD) === seen) Atomics.wait(ctl, CMD, seen)
        seen = Atomics.load(ctl, CMD)
        const op = Atomics.load(ctl, OP)
        if (op === OP_EXIT) return
        if (Atomics.load(ctl, ERROR) === 0) {
          try {
            prog.run(s, op)
          } catch (e) {
            prog.fail(s, e)
          }
        }
        Atomics.add(ctl, DONE, 1)
        Atomics.notify(ctl, DONE)
      }
    },

    /** Thread 0: tells the workers to return. */
    stopWorkers(control: SharedArrayBuffer): void {
      const ctl = new Int32Array(control)
      Atomics.store(ctl, OP, OP_EXIT)
      Atomics.add(ctl, CMD, 1)
      Atomics.notify(ctl, CMD)
    },
  }

  return {
    ctlIndex: { SIZE, GEN, ERROR },
    f64Index: { W, B, INV, C1, C2 },
    CONTROL_BYTES,
    OP_FORWARD,
    OP_STEP,
    jsKernels: prog.jsKernels,
    createThread: prog.createThread,
    runAll: prog.runAll,
    workerMain: prog.workerMain,
    stopWorkers: prog.stopWorkers,
  }
}

export type SparseThreadProgram = ReturnType<typeof sparseThreadProgram>
