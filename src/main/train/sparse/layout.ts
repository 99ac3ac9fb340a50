/**
 * Where everything lives in the sparse engine's arena: one shared
 * WebAssembly.Memory that the JS views, the SIMD kernels and every worker
 * thread see at the same addresses.
 *
 *   tables   one record per row: [θ | slot 1 | slot 2], each P floats, where
 *            P = dim rounded up to a multiple of 4 (the pad stays zero, so the
 *            f32x4 kernels need no tail loop). Slots: none (sgd), a (adagrad),
 *            m, v (adam). A row's weights and optimizer state are contiguous,
 *            and a record starts on a 64-byte cache line.
 *   batch    left, right (int32) and label (float32) of up to `capacity` examples.
 *   zero     P zero floats: the gradient of untouched rows in dense semantics.
 *   blocks   the threads' block pointers.
 *   per thread: a 128-byte block (pointers the kernels read, counts and f64
 *            partial sums they write), then for each table: stamp and slot per
 *            row (row → compact gradient slot, valid when stamp = generation),
 *            the rows it touched, their compact gradients; and the update and
 *            merge lists of its optimizer phase.
 *
 * Pages are only reserved by the allocation; the OS commits them when written,
 * so sizing each thread's gradient area for its worst case costs address space,
 * not memory.
 */

/** Largest batch the engine accepts (the form's 65,536 positives × (1 + 50 negatives)). */
export const BATCH_CAPACITY = 65536 * 51

export const WASM_PAGE = 65536
/** wasm32's limit: 65,536 pages of 64 KiB. */
export const MAX_PAGES = 65536

/** Byte offsets in a thread block (the WAT kernels use the same numbers). */
export const BLOCK = {
  stampL: 0,
  slotL: 4,
  rowsL: 8,
  gradsL: 12,
  stampR: 16,
  slotR: 20,
  rowsR: 24,
  gradsR: 28,
  nL: 32,
  nR: 36,
  /** Where the SIMD kernels leave the OR of their touch-ahead loads (unused). */
  touch: 40,
  /** collect's counts: update pairs, merge pairs. */
  nu: 44,
  nm: 48,
  loss: 64,
  correct: 72,
  gw: 80,
  gb: 88,
  /** Π(1 + e) of the classification loss, divided by 2^512 `scale` times. */
  prod: 96,
  scale: 104,
  bytes: 128,
} as const

export interface TableRegion {
  base: number
  rows: number
}

export interface ThreadRegion {
  block: number
  stampL: number
  slotL: number
  rowsL: number
  gradsL: number
  stampR: number
  slotR: number
  rowsR: number
  gradsR: number
  /** Pairs (row, gradient pointer) for the optimizer. */
  update: number
  /** Pairs (destination, source) of gradients to sum. */
  merge: number
}

export interface ArenaLayout {
  dim: number
  /** Padded row length in floats (multiple of 4). */
  P: number
  /** f32x4 vectors per row: P / 4. */
  nv: number
  /** Optimizer slots per row: 0 sgd, 1 adagrad (a), 2 adam (m, v). */
  slots: number
  /** Bytes per record: 4·P·(1 + slots) rounded up to a multiple of 64. */
  rec: number
  threads: number
  left: TableRegion
  right: TableRegion
  batch: { left: number; right: number; label: number; capacity: number }
  zero: number
  /** The T threads' block pointers (int32), for kernels that read other threads' state. */
  blocks: number
  thread: ThreadRegion[]
  bytes: number
  pages: number
}

export function slotsFor(optimizer: 'sgd' | 'adagrad' | 'adam'): number {
  return optimizer === 'adam' ? 2 : optimizer === 'adagrad' ? 1 : 0
}

export function computeLayout(p: { dim: number; nLeft: number; nRight: number; slots: number; threads: number; capacity?: number }): ArenaLayout {
  const P = Math.ceil(p.dim / 4) * 4
  // Records start on cache lines (64 bytes), so a row's θ is exactly ⌈4P/64⌉ lines.
  const rec = Math.ceil((4 * P * (1 + p.slots)) / 64) * 64
  const capacity = p.capacity ?? BATCH_CAPACITY
  const T = p.threads
  let at = 0
  const take = (bytes: number): number => {
    const start = at
    at += Math.ceil(bytes / 64) * 64
    return start
  }
  const left = { base: take(p.nLeft * rec), rows: p.nLeft }
  const right = { base: take(p.nRight * rec), rows: p.nRight }
  const batch = { left: take(4 * capacity), right: take(4 * capacity), label: take(4 * capacity), capacity }
  const zero = take(4 * P)
  const blocks = take(4 * p.threads)
  const perThread = Math.ceil(capacity / T)
  const maxRows = Math.max(p.nLeft, p.nRight)
  const shard = Math.ceil(maxRows / T)
  const thread: ThreadRegion[] = []
  for (let k = 0; k < T; k++) {
    const uL = Math.min(perThread, p.nLeft)
    const uR = Math.min(perThread, p.nRight)
    thread.push({
      block: take(BLOCK.bytes),
      stampL: take(4 * p.nLeft),
      slotL: take(4 * p.nLeft),
      rowsL: take(4 * uL),
      gradsL: take(4 * P * uL),
      stampR: take(4 * p.nRight),
      slotR: take(4 * p.nRight),
      rowsR: take(4 * uR),
      gradsR: take(4 * P * uR),
      update: take(8 * (shard + 1)),
      merge: take(8 * (shard * (T - 1) + 1)),
    })
  }
  const bytes = at
  return { dim: p.dim, P, nv: P / 4, slots: p.slots, rec, threads: T, left, right, batch, zero, blocks, thread, bytes, pages: Math.ceil(bytes / WASM_PAGE) }
}
