import { describe, expect, it } from 'vitest'
import { clampWeight, MAX_WEIGHT, smooth, Smoother } from './smoothing'

function expectClose(actual: number, expected: number, eps = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(eps * Math.max(1, Math.abs(expected)))
}

describe('smooth (debiased EMA)', () => {
  it('starts at the first value: smoothed_1 = (1−w)·x1 / (1−w) = x1', () => {
    expectClose(smooth([5, 1], 0.9)[0]!, 5)
  })

  it('follows the formula ema_t = w·ema_{t−1} + (1−w)·x_t, smoothed_t = ema_t / (1 − w^t)', () => {
    const w = 0.6
    const [x1, x2, x3] = [2, 4, 1]
    const ema1 = (1 - w) * x1
    const ema2 = w * ema1 + (1 - w) * x2
    const ema3 = w * ema2 + (1 - w) * x3
    const s = smooth([x1, x2, x3], w)
    expectClose(s[0]!, ema1 / (1 - w))
    expectClose(s[1]!, ema2 / (1 - w ** 2))
    expectClose(s[2]!, ema3 / (1 - w ** 3))
    // smoothed_2 is the weighted mean of x1, x2 with weights w, 1: (w·x1 + x2) / (w + 1)
    expectClose(s[1]!, (w * x1 + x2) / (w + 1))
  })

  it('keeps a constant series constant (the debiasing removes the pull towards 0)', () => {
    for (const v of smooth(new Array(50).fill(3), 0.95)) expectClose(v, 3)
  })

  it('returns the series unchanged for w = 0', () => {
    expect(smooth([3, -1, 7], 0)).toEqual([3, -1, 7])
  })

  it('passes non-finite values through without advancing t', () => {
    const w = 0.5
    const s = smooth([2, Number.NaN, 4], w)
    expect(Number.isNaN(s[1]!)).toBe(true)
    // 4 is the second finite point: (w·2 + 4) / (w + 1)
    expectClose(s[2]!, (w * 2 + 4) / (w + 1))
  })

  it('clamps the weight to [0, MAX_WEIGHT]', () => {
    expect(clampWeight(-1)).toBe(0)
    expect(clampWeight(Number.NaN)).toBe(0)
    expect(clampWeight(1)).toBe(MAX_WEIGHT)
    expect(smooth([1, 2], 2)).toEqual(smooth([1, 2], MAX_WEIGHT))
  })

  it('Smoother.push agrees with smooth() point by point', () => {
    const xs = [0.7, 0.69, 0.6, Number.POSITIVE_INFINITY, 0.5, 0.52, 0.41]
    const all = smooth(xs, 0.8)
    const inc = new Smoother(0.8)
    xs.forEach((x, i) => expect(inc.push(x)).toBe(all[i]))
  })
})
