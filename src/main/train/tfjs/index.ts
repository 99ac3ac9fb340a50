/**
 * The tfjs training engine: the entity-pair model of ../engine.ts on
 * TensorFlow.js, on the best backend this machine has (./backends: native
 * TensorFlow with CUDA → native TensorFlow on the CPU → wasm SIMD → pure JS).
 *
 * TensorFlow.js (several MB of JavaScript) loads on first use, not when this
 * module is imported: importing it from the engine registry costs nothing.
 */
import type { EngineOptions, PairEngine } from '../engine'
import type { BackendReport, TfjsBackendChoice } from './backends'

export type { ActiveBackend, BackendReport, TfjsBackendChoice, TfjsBackendName } from './backends'

/** Train the entity-pair model with TensorFlow.js; `backend` defaults to 'auto' (the ladder). */
export async function createTfjsEngine(options: EngineOptions & { backend?: TfjsBackendChoice }): Promise<PairEngine> {
  const { createPairEngine } = await import('./pair-engine')
  return createPairEngine(options)
}

/**
 * Each rung of the backend ladder on this machine: available or not, the
 * device it would use, and why. Loads tfjs-node(-gpu) when installed (a
 * native library: run it in a worker rather than the UI's main process).
 */
export async function detectTfjsBackends(): Promise<BackendReport[]> {
  const { detectBackends } = await import('./backends')
  return detectBackends()
}
