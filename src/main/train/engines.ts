/**
 * The engine registry: which engines exist on this machine, which one
 * "Auto" picks and why, and how to start one. Engines are loaded lazily, so a
 * missing optional backend never breaks start-up.
 */
import { createRequire } from 'node:module'
import type { EngineName, EngineOptions as EngineOptionsResult } from '../../shared/train'
import type { EngineOptions, PairEngine } from './engine'

export async function createEngine(name: EngineName, options: EngineOptions): Promise<PairEngine> {
  if (name === 'sparse') return (await import('./sparse')).createSparseEngine(options)
  return (await import('./tfjs')).createTfjsEngine(options)
}

/**
 * What can run here, decided without loading TensorFlow.js (it costs ~0.5 s
 * and ~76 MB in the calling process, usually main): which tfjs backend
 * packages resolve. The backend a run really used is recorded by the run.
 */
export async function engineOptions(): Promise<EngineOptionsResult> {
  const sparse = (await import('./sparse')).sparseEngineAvailable()
  const installed = (pkg: string) => {
    try {
      createRequire(__filename).resolve(pkg)
      return true
    } catch {
      return false
    }
  }
  const tfjs: EngineOptionsResult['options'][number] = installed('@tensorflow/tfjs-node-gpu')
    ? { engine: 'tfjs', available: true, backend: 'tensorflow-gpu', reason: 'tfjs-node-gpu is installed (CUDA; falls back to the CPU build or wasm if no GPU answers).' }
    : installed('@tensorflow/tfjs-node')
      ? { engine: 'tfjs', available: true, backend: 'tensorflow', reason: 'tfjs-node is installed (native TensorFlow on the CPU).' }
      : installed('@tensorflow/tfjs-backend-wasm')
        ? { engine: 'tfjs', available: true, backend: 'wasm', reason: 'WebAssembly SIMD, one thread (tfjs-node is not installed: it needs internet at install time).' }
        : { engine: 'tfjs', available: true, backend: 'cpu', reason: 'the plain JavaScript backend (slow).' }
  const auto =
    tfjs.backend === 'tensorflow-gpu'
      ? { engine: 'tfjs' as const, reason: `TensorFlow.js can use a GPU here: ${tfjs.reason}` }
      : {
          engine: 'sparse' as const,
          reason: `No GPU backend here, so the sparse CPU engine (${sparse.backend}): it updates only the rows in each batch, on all cores, far faster on a CPU than TensorFlow.js' dense updates (${tfjs.backend}).`,
        }
  return { options: [{ engine: 'sparse', ...sparse }, tfjs], auto }
}

export async function resolveEngine(choice: 'auto' | EngineName): Promise<EngineName> {
  if (choice !== 'auto') return choice
  return (await engineOptions()).auto.engine
}
