/**
 * Which TensorFlow.js backend this process trains on. The ladder, best first:
 *
 *   tensorflow-gpu  @tensorflow/tfjs-node-gpu with a CUDA device (tf backend 'tensorflow')
 *   tensorflow      @tensorflow/tfjs-node (native TensorFlow on the CPU; or the GPU build without a device)
 *   wasm            @tensorflow/tfjs-backend-wasm, SIMD, one thread under Node
 *   cpu             pure JavaScript, one thread
 *
 * tfjs-node(-gpu) are optional: their install downloads libtensorflow, so most
 * machines without internet do not have them. They are loaded with `require`
 * inside try/catch (a native addon; `require` behaves the same in the CommonJS
 * build, under tsx and under vitest). Loading either one registers the
 * 'tensorflow' backend and switches to it as a side effect, so they are loaded
 * at most once per process and only one of the two can ever be loaded.
 *
 * The backend is chosen once per process: 'auto' reuses the current choice;
 * an explicit different choice switches only while no engine is alive.
 * Our kernels (./kernels: UnsortedSegmentSum, and GatherV2 on wasm) are
 * installed for wasm and cpu before they are used.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join, sep } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm'
import { installKernels } from './kernels'

export type TfjsBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'
export type TfjsBackendChoice = 'auto' | TfjsBackendName

export const BACKEND_LADDER: readonly TfjsBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']

/** The backend in use, as shown with a run (EngineInfo). */
export interface ActiveBackend {
  backend: TfjsBackendName
  /** tf's own name for it (tf.getBackend()). */
  tfName: string
  device: string
  threads: number
  versions: Record<string, string>
}

export interface BackendReport {
  backend: string
  available: boolean
  device: string
  reason: string
}

const nodeRequire = createRequire(__filename)

const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu'
const CPU_PACKAGE = '@tensorflow/tfjs-node'
type NativePackage = typeof GPU_PACKAGE | typeof CPU_PACKAGE

let active: ActiveBackend | null = null
let liveEngines = 0
/** Selections run one after another (setBackend is async). */
let queue: Promise<unknown> = Promise.resolve()

/** The current selection, or null before the first engine. */
export function activeBackend(): ActiveBackend | null {
  return active
}

/**
 * Select (once) and return the backend for `choice`; throws when an explicit
 * choice is unavailable or would switch under a live engine. With `retain`,
 * the caller holds the backend (atomically with the selection) until it
 * calls releaseBackend().
 */
export function selectBackend(choice: TfjsBackendChoice = 'auto', options: { retain?: boolean } = {}): Promise<ActiveBackend> {
  const run = queue.then(async () => {
    const selected = await select(choice)
    if (options.retain) liveEngines++
    return selected
  })
  queue = run.catch(() => undefined)
  return run
}

/** Engines hold the backend from selectBackend(…, { retain: true }) until they release it here. */
export function releaseBackend(): void {
  liveEngines = Math.max(0, liveEngines - 1)
}

async function select(choice: TfjsBackendChoice): Promise<ActiveBackend> {
  if (active && (choice === 'auto' || choice === active.backend)) {
    // Someone may have switched behind our back (e.g. loading tfjs-node); switch back.
    if (tf.getBackend() !== active.tfName) await setBackendOrThrow(active.tfName)
    return active
  }
  if (active && liveEngines > 0) {
    throw new Error(`TensorFlow.js already trains on '${active.backend}' in this process; cannot switch to '${choice}' while an engine is alive`)
  }
  if (choice !== 'auto') {
    active = await activate(choice)
    return active
  }
  const failures: string[] = []
  for (const name of BACKEND_LADDER) {
    try {
      active = await activate(name)
      return active
    } catch (e) {
      failures.push(`${name}: ${message(e)}`)
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${failures.join('; ')})`)
}

async function activate(name: TfjsBackendName): Promise<ActiveBackend> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const native = loadNative(name === 'tensorflow-gpu' ? [GPU_PACKAGE, CPU_PACKAGE] : [CPU_PACKAGE, GPU_PACKAGE])
      if (!native.info) throw new Error(native.reason)
      const label: TfjsBackendName = native.info.gpu ? 'tensorflow-gpu' : 'tensorflow'
      if (name === 'tensorflow-gpu' && label !== name) {
        throw new Error(native.info.pkg === GPU_PACKAGE ? `${GPU_PACKAGE} is loaded but TensorFlow found no CUDA device` : `${GPU_PACKAGE} is not installed (${CPU_PACKAGE} is)`)
      }
      await setBackendOrThrow('tensorflow')
      return {
        backend: label,
        tfName: 'tensorflow',
        device: native.info.gpu ? native.info.gpuName : cpuModel(),
        threads: cpus().length,
        versions: { ...coreVersions(), [native.info.pkg]: native.info.version, ...(native.info.tfVersion ? { tensorflow: native.info.tfVersion } : {}) },
      }
    }
    case 'wasm': {
      if (!(await wasmSimd())) throw new Error('this runtime has no WebAssembly SIMD')
      initWasmPaths()
      installKernels('wasm')
      await setBackendOrThrow('wasm')
      return { backend: 'wasm', tfName: 'wasm', device: cpuModel(), threads: getThreadsCount(), versions: { ...coreVersions(), 'tfjs-backend-wasm': version_wasm } }
    }
    case 'cpu': {
      installKernels('cpu')
      await setBackendOrThrow('cpu')
      // The cpu backend prints "install tfjs-node" on its first write under Node: we chose it knowingly.
      ;(tf.backend() as unknown as { firstUse?: boolean }).firstUse = false
      return { backend: 'cpu', tfName: 'cpu', device: cpuModel(), threads: 1, versions: { ...coreVersions(), 'tfjs-backend-cpu': tf.version['tfjs-backend-cpu'] } }
    }
  }
}

async function setBackendOrThrow(tfName: string): Promise<void> {
  // After a failed setBackend, tf keeps the failed name with no instance: check both.
  if (currentBackendName() === tfName && tf.engine().registry[tfName] !== undefined) return
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`)
}

/* ---------- tfjs-node(-gpu) ---------- */

interface NativeInfo {
  pkg: NativePackage
  version: string
  gpu: boolean
  gpuName: string
  tfVersion: string | null
}

let native: { info: NativeInfo | null; reason: string } | null = null

/** Load the first of `order` that loads (at most once per process; later calls return the first result). */
function loadNative(order: readonly NativePackage[]): { info: NativeInfo | null; reason: string } {
  if (native) return native
  const reasons: string[] = []
  for (const pkg of order) {
    try {
      nodeRequire(pkg)
    } catch (e) {
      reasons.push(`${pkg}: ${loadError(e)}`)
      continue
    }
    const backend = tf.findBackend('tensorflow') as (tf.KernelBackend & { isUsingGpuDevice?: boolean; binding?: { TF_Version?: unknown } }) | undefined
    if (!backend) {
      reasons.push(`${pkg}: loaded but registered no 'tensorflow' backend`)
      continue
    }
    const gpu = backend.isUsingGpuDevice === true
    const tfVersion = typeof backend.binding?.TF_Version === 'string' ? backend.binding.TF_Version : null
    native = { info: { pkg, version: packageVersion(pkg), gpu, gpuName: gpu ? gpuName() : '', tfVersion }, reason: `${pkg} loaded` }
    break
  }
  // Loading switched tf to 'tensorflow': select() and detect() switch back to the selection, if any.
  native ??= { info: null, reason: reasons.join('; ') }
  return native
}

/** tf.getBackend() without initialising a backend as a side effect. */
function currentBackendName(): string | null {
  return (tf.engine().backendName as string | undefined) ?? null
}

function loadError(e: unknown): string {
  const code = (e as { code?: unknown }).code
  if (code === 'MODULE_NOT_FOUND' && message(e).includes('Cannot find module')) return 'not installed'
  return message(e).split('\n')[0] ?? 'failed to load'
}

function packageVersion(pkg: string): string {
  try {
    return (nodeRequire(`${pkg}/package.json`) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** The GPU's name from nvidia-smi, when it is there. */
function gpuName(): string {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
    const first = out.split(/\r?\n/).map((s) => s.trim()).find((s) => s.length > 0)
    if (first) return first
  } catch {
    // no nvidia-smi: fall through
  }
  return 'CUDA GPU'
}

/* ---------- wasm ---------- */

let wasmPathsSet = false

/**
 * The directory holding tfjs-backend-wasm's .wasm files, as a plain file path
 * with a trailing separator: under Node, Emscripten reads the binary with
 * fs.readFileSync(prefix + name). In a packaged Electron app the files must
 * be unpacked from app.asar (asarUnpack); prefer the unpacked copy.
 */
export function wasmDirectory(): string {
  const dir = dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm'))
  const asar = `${sep}app.asar${sep}`
  if (dir.includes(asar)) {
    const unpacked = dir.replace(asar, `${sep}app.asar.unpacked${sep}`)
    if (existsSync(join(unpacked, 'tfjs-backend-wasm-simd.wasm'))) return unpacked + sep
  }
  return dir + sep
}

function initWasmPaths(): void {
  if (wasmPathsSet) return
  const dir = wasmDirectory()
  if (!existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm'))) throw new Error(`tfjs-backend-wasm-simd.wasm not found in ${dir}`)
  setWasmPaths(dir)
  wasmPathsSet = true
}

async function wasmSimd(): Promise<boolean> {
  return (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true
}

/* ---------- detection ---------- */

/**
 * What each rung of the ladder would do on this machine. Loads tfjs-node(-gpu)
 * when installed (once per process, as the ladder would) and may initialise
 * the wasm backend; the selected backend, if any, stays selected.
 */
export async function detectBackends(): Promise<BackendReport[]> {
  const run = queue.then(() => detect())
  queue = run.catch(() => undefined)
  return run
}

async function detect(): Promise<BackendReport[]> {
  const cpu = cpuModel()
  const nat = loadNative([GPU_PACKAGE, CPU_PACKAGE])
  const info = nat.info
  const reports: BackendReport[] = []

  if (info?.gpu) reports.push({ backend: 'tensorflow-gpu', available: true, device: info.gpuName, reason: `CUDA through ${info.pkg} ${info.version}` })
  else if (info?.pkg === GPU_PACKAGE) reports.push({ backend: 'tensorflow-gpu', available: false, device: cpu, reason: `${GPU_PACKAGE} is loaded but TensorFlow found no CUDA device` })
  else reports.push({ backend: 'tensorflow-gpu', available: false, device: '', reason: info ? `${GPU_PACKAGE} is not loaded (${info.pkg} is)` : nat.reason })

  if (info && !info.gpu) reports.push({ backend: 'tensorflow', available: true, device: cpu, reason: `native TensorFlow${info.tfVersion ? ` ${info.tfVersion}` : ''} through ${info.pkg} ${info.version}` })
  else if (info) reports.push({ backend: 'tensorflow', available: false, device: cpu, reason: `${info.pkg} is loaded and runs on the GPU (tensorflow-gpu)` })
  else reports.push({ backend: 'tensorflow', available: false, device: cpu, reason: nat.reason })

  reports.push(await detectWasm(cpu))
  reports.push({ backend: 'cpu', available: true, device: cpu, reason: 'pure JavaScript, one thread (slow: about 2,500 examples/s at tutorial scale)' })
  // Loading the native package may have switched backends: put the selection back.
  if (active && currentBackendName() !== active.tfName) await setBackendOrThrow(active.tfName)
  return reports
}

async function detectWasm(cpu: string): Promise<BackendReport> {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return { backend: 'wasm', available: false, device: cpu, reason: 'no WebAssembly in this runtime' }
  if (!(await wasmSimd())) return { backend: 'wasm', available: false, device: cpu, reason: 'no WebAssembly SIMD in this runtime' }
  try {
    initWasmPaths()
  } catch (e) {
    return { backend: 'wasm', available: false, device: cpu, reason: message(e) }
  }
  // Initialise it for real when that switches nothing away from a selection.
  if (!active || active.backend === 'wasm') {
    installKernels('wasm')
    try {
      await setBackendOrThrow('wasm')
    } catch (e) {
      return { backend: 'wasm', available: false, device: cpu, reason: `the wasm backend did not start: ${message(e)}` }
    }
  }
  return { backend: 'wasm', available: true, device: cpu, reason: 'WebAssembly SIMD, one thread under Node' }
}

/* ---------- helpers ---------- */

function cpuModel(): string {
  const model = cpus()[0]?.model.trim()
  return model && model.length > 0 ? model : `${process.arch} CPU`
}

function coreVersions(): Record<string, string> {
  return { tfjs: tf.version.tfjs, 'tfjs-core': tf.version['tfjs-core'] }
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message
  if (typeof e === 'object' && e && 'message' in e) return String((e as { message: unknown }).message)
  return String(e)
}
