/**
 * A tiny seeded random number generator for the synthetic sample data:
 * mulberry32 (32-bit state, period 2^32, passes SmallCrush) wrapped in a
 * class with the few draws the generators need. Same seed → same sequence
 * on every machine (only integer ops and one division).
 */

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Random {
  private readonly next: () => number
  private spare: number | null = null

  constructor(seed: number) {
    this.next = mulberry32(seed)
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next()
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(items.length)]!
  }

  /** Standard normal N(0, 1) by Box–Muller (the second value is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare
      this.spare = null
      return s
    }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /**
   * Zipf-ish index in [0, n): P(index < x) = (x / n)^(1 / skew), so small
   * indices are popular. skew = 1 is uniform; 2 gives a 1/sqrt(x) density.
   */
  skewed(n: number, skew: number): number {
    return Math.min(n - 1, Math.floor(n * Math.pow(this.next(), skew)))
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }

  /** k distinct items (k ≤ items.length), in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items.slice()).slice(0, k)
  }
}
