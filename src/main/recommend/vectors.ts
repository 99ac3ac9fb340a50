/**
 * A run's embedding table laid out for brute-force search. Rows are copied
 * once into WebAssembly shared memory, each padded to `stride` floats (a
 * multiple of 4, the pad zero), with the query row in front:
 *
 *   [ query: stride | rows × stride | dots: rows ]   (float32)
 *
 * `computeDots()` writes q·xᵢ for every row i into `dots` with an f32x4 SIMD
 * kernel (two accumulators per row; the JS loop below where SIMD is missing).
 * Cosine and euclidean both come from these dot products and the row norms
 * kept beside the table in float64:
 *
 *   cos(q, xᵢ) = q̂·xᵢ / ‖xᵢ‖        ‖q − xᵢ‖² = ‖q‖² + ‖xᵢ‖² − 2 q·xᵢ
 *
 * so one table serves both metrics and normalising the rows costs nothing
 * extra per query (one multiply per row). At 37,020 × 50 a pass takes about
 * 0.3 ms; at 1,000,000 × 64 about 10 ms (memory-bound).
 *
 * The memory is a SharedArrayBuffer, so a worker thread can read the rows
 * without a copy (the ANN index is built from it, see ./ann.ts).
 */
import { assembleWat } from '../train/sparse/wat'
import { wasmApi, type WasmModule } from '../train/sparse/wasm-api'

const DOTS_WAT = String.raw`
(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; out[i] = Σ_v data[i·nv + v] · q[v] over f32x4 vectors v < nv, for rows i < rows.
  (func $dots (export "dots") (param $data i32) (param $rows i32) (param $nv i32) (param $q i32) (param $out i32)
    (local $p i32) (local $qp i32) (local $rowEnd i32) (local $rb i32) (local $a v128) (local $b v128)
    local.get $rows
    i32.eqz
    if
      return
    end
    local.get $data
    local.set $p
    local.get $nv
    i32.const 4
    i32.shl
    local.set $rb
    loop $row
      f32.const 0
      f32x4.splat
      local.tee $a
      local.set $b
      local.get $q
      local.set $qp
      local.get $p
      local.get $rb
      i32.add
      local.set $rowEnd
      block $pairsDone
        loop $pairs
          local.get $p
          i32.const 32
          i32.add
          local.get $rowEnd
          i32.gt_u
          br_if $pairsDone
          local.get $a
          local.get $p
          v128.load
          local.get $qp
          v128.load
          f32x4.mul
          f32x4.add
          local.set $a
          local.get $b
          local.get $p
          v128.load offset=16
          local.get $qp
          v128.load offset=16
          f32x4.mul
          f32x4.add
          local.set $b
          local.get $p
          i32.const 32
          i32.add
          local.set $p
          local.get $qp
          i32.const 32
          i32.add
          local.set $qp
          br $pairs
        end
      end
      local.get $p
      local.get $rowEnd
      i32.lt_u
      if
        local.get $a
        local.get $p
        v128.load
        local.get $qp
        v128.load
        f32x4.mul
        f32x4.add
        local.set $a
        local.get $rowEnd
        local.set $p
      end
      local.get $a
      local.get $b
      f32x4.add
      local.set $a
      local.get $out
      local.get $a
      f32x4.extract_lane 0
      local.get $a
      f32x4.extract_lane 1
      f32.add
      local.get $a
      f32x4.extract_lane 2
      local.get $a
      f32x4.extract_lane 3
      f32.add
      f32.add
      f32.store
      local.get $out
      i32.const 4
      i32.add
      local.set $out
      local.get $rows
      i32.const 1
      i32.sub
      local.tee $rows
      br_if $row
    end
  )
)`

type DotsFn = (data: number, rows: number, nv: number, q: number, out: number) => void

let compiled: WasmModule | null | undefined
/** The SIMD kernel module, or null where WebAssembly SIMD is unavailable. */
function dotsModule(): WasmModule | null {
  if (compiled !== undefined) return compiled
  try {
    const bytes = assembleWat(DOTS_WAT)
    compiled = wasmApi().validate(bytes) ? new (wasmApi().Module)(bytes) : null
  } catch {
    compiled = null
  }
  return compiled
}

const PAGE = 65536
const MAX_PAGES = 65536

export interface VectorTableOptions {
  /** Use the WebAssembly SIMD kernel when available (default); false forces the JS loop. */
  simd?: boolean
}

export class VectorTable {
  /** Floats per stored row: dim rounded up to a multiple of 4. */
  readonly stride: number
  /** The shared memory holding query, rows and dots. */
  readonly buffer: SharedArrayBuffer
  /** rows × stride, row-major, pad zero. */
  readonly data: Float32Array
  /** Byte offset of `data` in `buffer`. */
  readonly dataOffset: number
  /** The query row (stride floats, pad zero) `computeDots` reads. */
  readonly query: Float32Array
  /** q·xᵢ for every row, written by `computeDots`. */
  readonly dots: Float32Array
  /** ‖xᵢ‖² and 1 / ‖xᵢ‖ (0 for a zero row). */
  readonly sqNorm: Float64Array
  readonly invNorm: Float64Array
  /** 'simd' or 'js': which kernel `computeDots` runs. */
  readonly kernel: 'simd' | 'js'
  private readonly dotsFn: () => void

  constructor(
    readonly rows: number,
    readonly dim: number,
    source: Float32Array,
    options: VectorTableOptions = {},
  ) {
    if (source.length < rows * dim) throw new RangeError(`a ${rows} × ${dim} table needs ${rows * dim} floats, got ${source.length}`)
    const stride = (this.stride = Math.max(4, Math.ceil(dim / 4) * 4))
    const queryBytes = stride * 4
    const dataOffset = (this.dataOffset = Math.ceil(queryBytes / 64) * 64)
    const outOffset = dataOffset + rows * stride * 4
    const bytes = outOffset + rows * 4
    const pages = Math.max(1, Math.ceil(bytes / PAGE))
    if (pages > MAX_PAGES) throw new RangeError(`a ${rows} × ${dim} table is larger than 4 GB`)
    const mod = options.simd === false ? null : dotsModule()
    const api = wasmApi()
    const memory = mod ? new api.Memory({ initial: pages, maximum: pages, shared: true }) : null
    this.buffer = (memory ? memory.buffer : new SharedArrayBuffer(pages * PAGE)) as SharedArrayBuffer
    this.query = new Float32Array(this.buffer, 0, stride)
    this.data = new Float32Array(this.buffer, dataOffset, rows * stride)
    this.dots = new Float32Array(this.buffer, outOffset, rows)
    this.sqNorm = new Float64Array(rows)
    this.invNorm = new Float64Array(rows)
    const { data, sqNorm, invNorm } = this
    for (let i = 0; i < rows; i++) {
      let ss = 0
      for (let d = 0; d < dim; d++) {
        const x = source[i * dim + d]!
        data[i * stride + d] = x
        ss += x * x
      }
      sqNorm[i] = ss
      invNorm[i] = ss > 0 ? 1 / Math.sqrt(ss) : 0
    }
    if (mod && memory) {
      const dots = new api.Instance(mod, { env: { memory } }).exports.dots as DotsFn
      const nv = stride / 4
      this.kernel = 'simd'
      this.dotsFn = () => dots(dataOffset, rows, nv, 0, outOffset)
    } else {
      this.kernel = 'js'
      this.dotsFn = () => jsDots(this.data, this.rows, this.stride, this.query, this.dots)
    }
  }

  /** dots[i] = query · row i, for every row. */
  computeDots(): void {
    this.dotsFn()
  }

  /** Row i (dim floats, a view). */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.stride, i * this.stride + this.dim)
  }

  /** Bytes held (shared memory and norms). */
  get bytes(): number {
    return this.buffer.byteLength + this.rows * 16
  }
}

/** The JS reference of the SIMD kernel (and its fallback). */
function jsDots(data: Float32Array, rows: number, stride: number, q: Float32Array, out: Float32Array): void {
  for (let i = 0, o = 0; i < rows; i++, o += stride) {
    let s0 = 0
    let s1 = 0
    let d = 0
    for (; d + 1 < stride; d += 2) {
      s0 += q[d]! * data[o + d]!
      s1 += q[d + 1]! * data[o + d + 1]!
    }
    out[i] = s0 + s1
  }
}
