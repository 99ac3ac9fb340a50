/**
 * What the three map methods share: the progress callback through which they
 * post live layouts, and the display normalisation every layout (live or
 * final) goes through — centred on the mean, then one isotropic scale so the
 * largest |coordinate| is 1 (aspect ratios and relative spreads are kept; the
 * renderer can fit [-1, 1] without looking at the data).
 */

/** One optimisation step done; `layout()` computes the current layout, display-normalised, on demand. */
export interface LayoutProgress {
  /** What is running, for the job's message ("Nearest neighbours", "Optimising", …). */
  phase: string
  /** Steps done in the optimisation (0 before it starts). */
  iteration: number
  totalIterations: number
  /** null while there is no layout yet (kNN, affinities). */
  layout: (() => Float32Array) | null
}

/** Called at every step; may return a promise (the task yields to the event loop after posting). */
export type OnLayoutProgress = (p: LayoutProgress) => void | Promise<void>

/** Rows × dims, row-major, centred and scaled into [-1, 1] (a copy; the input is untouched). */
export function normaliseLayout(coords: ArrayLike<number>, rows: number, dims: number): Float32Array {
  const mean = new Float64Array(dims)
  for (let i = 0; i < rows; i++) for (let d = 0; d < dims; d++) mean[d]! += coords[i * dims + d]!
  for (let d = 0; d < dims; d++) mean[d]! /= Math.max(rows, 1)
  let max = 0
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < dims; d++) {
      const a = Math.abs(coords[i * dims + d]! - mean[d]!)
      if (a > max) max = a
    }
  }
  const scale = max > 0 && Number.isFinite(max) ? 1 / max : 1
  const out = new Float32Array(rows * dims)
  for (let i = 0; i < rows; i++) for (let d = 0; d < dims; d++) out[i * dims + d] = (coords[i * dims + d]! - mean[d]!) * scale
  return out
}

/** Calls `onProgress` if given and awaits it only when it returned a promise. */
export async function report(onProgress: OnLayoutProgress | undefined, p: LayoutProgress): Promise<void> {
  const r = onProgress?.(p)
  if (r) await r
}
