/**
 * Our kernels for the pure-JS `cpu` and the `wasm` backends.
 *
 * `UnsortedSegmentSum`, a plain scatter-add,
 *
 *   out[s, k] = Σ_{i : ids[i] = s} x[i, k]      out: numSegments × inner
 *
 * in O(rows × inner) plus zeroing the output. The gradient of `tf.gather`
 * (what embedding lookups use) calls this kernel with x = the upstream
 * gradient (batch × dim) and ids = the gathered row numbers, so it runs once
 * per table per step.
 *
 * Why (DESIGN.md, "Known traps"): the stock `cpu` kernel does batch-sized work
 * for every one of the numSegments rows (O(table × batch); at tutorial scale
 * one step never finished), and `wasm` has no such kernel at all
 * ("Kernel 'UnsortedSegmentSum' not registered").
 *
 * Semantics follow TensorFlow: x's leading dimensions are the shape of ids,
 * the rest is the inner block; negative ids are dropped; an id ≥ numSegments
 * is an error.
 *
 * `GatherV2` on wasm, axis 0 (embedding lookups): a row copy in JS on the wasm
 * heap. The stock wasm kernel spends ~45 ns per element (about 7 ms per
 * 3,072 × 50 lookup, a third of a tutorial-scale step); this takes ~0.3 ms.
 * Other axes and batchDims go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'

type NumericArray = Float32Array | Int32Array | Uint8Array

/** The part of tfjs-backend-cpu's MathBackendCPU this kernel uses. */
interface CpuBackend {
  readSync(dataId: tf.DataId): unknown
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: NumericArray): tf.TensorInfo
}

/** out += scatter of x's rows onto the rows named by ids (out is not cleared here). */
export function scatterAdd(x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, out: NumericArray): void {
  const n = ids.length
  for (let i = 0; i < n; i++) {
    const s = ids[i]!
    if (s < 0) continue
    const src = i * inner
    const dst = s * inner
    for (let k = 0; k < inner; k++) out[dst + k] = out[dst + k]! + x[src + k]!
  }
}

interface Shapes {
  outShape: number[]
  inner: number
}

function checkInputs(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: number, ids: ArrayLike<number>): Shapes {
  const idRank = segmentIds.shape.length
  for (let d = 0; d < idRank; d++) {
    if (x.shape[d] !== segmentIds.shape[d]) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(', ')}] is not a prefix of x shape [${x.shape.join(', ')}]`)
    }
  }
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! >= numSegments) throw new RangeError(`UnsortedSegmentSum: segment id ${ids[i]} at ${i} is not below numSegments ${numSegments}`)
  }
  const innerShape = x.shape.slice(idRank)
  return { outShape: [numSegments, ...innerShape], inner: tf.util.sizeFromShape(innerShape) }
}

function attrsOf(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }) {
  const { x, segmentIds } = args.inputs
  if (!x || !segmentIds) throw new Error('UnsortedSegmentSum: missing x or segmentIds')
  const numSegments = Number(args.attrs?.numSegments)
  return { x, segmentIds, numSegments }
}

/** cpu backend: inputs are JS typed arrays; the output array is handed to the backend as is. */
const cpuKernel: tf.KernelFunc = (args) => {
  const backend = args.backend as CpuBackend
  const { x, segmentIds, numSegments } = attrsOf(args)
  const ids = backend.readSync(segmentIds.dataId) as Int32Array
  const { outShape, inner } = checkInputs(x, segmentIds, numSegments, ids)
  const values = backend.readSync(x.dataId) as NumericArray
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner)
  scatterAdd(values, ids, inner, out)
  return backend.makeTensorInfo(outShape, x.dtype, out)
}

/** wasm backend: read the inputs and write the output in place on the wasm heap (no copies). */
const wasmKernel: tf.KernelFunc = (args) => {
  const backend = args.backend as BackendWasm
  const { x, segmentIds, numSegments } = attrsOf(args)
  const ids0 = backend.typedArrayFromHeap(segmentIds) as Int32Array
  const { outShape, inner } = checkInputs(x, segmentIds, numSegments, ids0)
  const out = backend.makeOutput(outShape, x.dtype)
  // Views are taken after the allocation: malloc may grow (and so detach) the heap.
  const outValues = backend.typedArrayFromHeap(out) as NumericArray
  outValues.fill(0)
  scatterAdd(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(segmentIds), inner, outValues)
  return out
}

/** The stock wasm GatherV2, for the cases ours leaves to it. */
let stockWasmGather: tf.KernelConfig | undefined

const wasmGather: tf.KernelFunc = (args) => {
  const { x, indices } = args.inputs
  if (!x || !indices) throw new Error('GatherV2: missing x or indices')
  const axis = tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0]
  const batchDims = Number(args.attrs?.batchDims ?? 0)
  if (axis !== 0 || batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) {
    if (!stockWasmGather) throw new Error('GatherV2: the stock wasm kernel is missing')
    return stockWasmGather.kernelFunc(args)
  }
  const backend = args.backend as BackendWasm
  const rows = x.shape[0]!
  const inner = tf.util.sizeFromShape(x.shape.slice(1))
  const ids0 = backend.typedArrayFromHeap(indices)
  for (let i = 0; i < ids0.length; i++) {
    const id = ids0[i]!
    if (!(id >= 0 && id < rows)) throw new RangeError(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`)
  }
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype)
  // Views after the allocation (it may grow the heap).
  const src = backend.typedArrayFromHeap(x)
  const ids = backend.typedArrayFromHeap(indices)
  const dst = backend.typedArrayFromHeap(out)
  for (let i = 0; i < ids.length; i++) {
    const from = ids[i]! * inner
    const to = i * inner
    for (let k = 0; k < inner; k++) dst[to + k] = src[from + k]!
  }
  return out
}

const SEGMENT_SUM: Record<'cpu' | 'wasm', tf.KernelFunc> = { cpu: cpuKernel, wasm: wasmKernel }

function kernelOf(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined
}

/** Register `config` in place of whatever is there (tf.registerKernel refuses to overwrite quietly). */
function replaceKernel(config: tf.KernelConfig): void {
  if (kernelOf(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName)
  tf.registerKernel(config)
}

/**
 * Install our kernels for a backend (idempotent): UnsortedSegmentSum on cpu
 * and wasm (the stock cpu one is unregistered first), GatherV2 on wasm.
 * Other backends (tfjs-node's `tensorflow`) keep their own.
 */
export function installKernels(backendName: 'cpu' | 'wasm'): void {
  const segmentSum = SEGMENT_SUM[backendName]
  if (kernelOf(tf.UnsortedSegmentSum, backendName)?.kernelFunc !== segmentSum) {
    replaceKernel({ kernelName: tf.UnsortedSegmentSum, backendName, kernelFunc: segmentSum })
  }
  if (backendName === 'wasm') {
    const gather = kernelOf(tf.GatherV2, 'wasm')
    if (gather?.kernelFunc !== wasmGather) {
      stockWasmGather = gather
      // Keep the stock setupFunc (it binds the C++ Gather the fallback calls).
      replaceKernel({ ...gather, kernelName: tf.GatherV2, backendName: 'wasm', kernelFunc: wasmGather })
    }
  }
}

/** Whether our kernels are the ones registered for `backendName`. */
export function hasOurKernels(backendName: 'cpu' | 'wasm'): boolean {
  const segmentSum = kernelOf(tf.UnsortedSegmentSum, backendName)?.kernelFunc === SEGMENT_SUM[backendName]
  return backendName === 'wasm' ? segmentSum && kernelOf(tf.GatherV2, 'wasm')?.kernelFunc === wasmGather : segmentSum
}
