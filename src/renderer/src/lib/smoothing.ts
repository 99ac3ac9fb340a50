/**
 * TensorBoard's scalar smoothing: a debiased exponential moving average.
 *
 *   ema_0 = 0
 *   ema_t = w · ema_{t−1} + (1 − w) · x_t
 *   smoothed_t = ema_t / (1 − w^t)
 *
 * The zero start would drag the first points towards 0; dividing by
 * 1 − w^t (the total weight the x's hold after t points) removes that bias,
 * so smoothed_1 = x_1 and a constant series stays constant. w = 0 returns the
 * series unchanged; w → 1 smooths ever harder. A non-finite x (NaN, ±∞) is
 * passed through and does not advance t, as TensorBoard does.
 *
 * Defaults: w = 0.6 (TensorBoard's), kept in [0, MAX_WEIGHT].
 */

export const DEFAULT_WEIGHT = 0.6
export const MAX_WEIGHT = 0.999

export function clampWeight(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) return 0
  return Math.min(weight, MAX_WEIGHT)
}

/** The smoothed series, same length as `values`. */
export function smooth(values: ArrayLike<number>, weight: number): number[] {
  const w = clampWeight(weight)
  const out = new Array<number>(values.length)
  let ema = 0
  let t = 0
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    if (!Number.isFinite(x)) {
      out[i] = x
      continue
    }
    ema = w * ema + (1 - w) * x
    t++
    out[i] = w === 0 ? x : ema / (1 - w ** t)
  }
  return out
}

/**
 * The same average kept up to date point by point (for appending live
 * points without recomputing the whole series): `push(x)` returns smoothed_t.
 */
export class Smoother {
  private ema = 0
  private t = 0
  private readonly w: number
  constructor(weight: number) {
    this.w = clampWeight(weight)
  }
  push(x: number): number {
    if (!Number.isFinite(x)) return x
    this.ema = this.w * this.ema + (1 - this.w) * x
    this.t++
    return this.w === 0 ? x : this.ema / (1 - this.w ** this.t)
  }
}
