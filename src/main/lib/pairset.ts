/**
 * A hash set of (left, right) pairs of non-negative int32 indices: open
 * addressing with linear probing over two Int32Arrays (8 bytes a slot, load
 * ≤ 0.7). Used to count distinct pairs without a JS Set, which tops out at
 * 2^24 entries and costs ~5× the memory; also usable for negative sampling.
 */
const EMPTY = -1
const MAX_LOAD = 0.7

/** murmur3's 32-bit finaliser over a combination of both indices. */
function hashPair(left: number, right: number): number {
  let h = Math.imul(left, 0x9e3779b1) ^ right
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export class PairSet {
  private lefts: Int32Array
  private rights: Int32Array
  private mask: number
  size = 0

  /** `expected`: how many pairs may be added (sizes the table to avoid rehashing). */
  constructor(expected = 16) {
    let capacity = 16
    while (capacity * MAX_LOAD < expected) capacity *= 2
    this.lefts = new Int32Array(capacity).fill(EMPTY)
    this.rights = new Int32Array(capacity)
    this.mask = capacity - 1
  }

  /** Add a pair; true when it was not there yet. */
  add(left: number, right: number): boolean {
    let slot = hashPair(left, right) & this.mask
    for (;;) {
      const l = this.lefts[slot]!
      if (l === EMPTY) break
      if (l === left && this.rights[slot] === right) return false
      slot = (slot + 1) & this.mask
    }
    this.lefts[slot] = left
    this.rights[slot] = right
    if (++this.size > (this.mask + 1) * MAX_LOAD) this.grow()
    return true
  }

  has(left: number, right: number): boolean {
    let slot = hashPair(left, right) & this.mask
    for (;;) {
      const l = this.lefts[slot]!
      if (l === EMPTY) return false
      if (l === left && this.rights[slot] === right) return true
      slot = (slot + 1) & this.mask
    }
  }

  private grow(): void {
    const { lefts, rights } = this
    const capacity = lefts.length * 2
    this.lefts = new Int32Array(capacity).fill(EMPTY)
    this.rights = new Int32Array(capacity)
    this.mask = capacity - 1
    this.size = 0
    for (let i = 0; i < lefts.length; i++) if (lefts[i] !== EMPTY) this.add(lefts[i]!, rights[i]!)
  }
}

/**
 * A one-hash bitmap of pairs, for rejection sampling: `mayHave` is false for
 * every pair never added (no false negatives) and true for a pair never added
 * with probability ≈ 1 − e^(−n/bits). At 16 bits a pair (2 MB for the
 * tutorial's 772,798 pairs) the bitmap stays in cache, so most "is this
 * random pair a true one?" questions are answered without the random read of
 * a PairSet table that a miss costs — the negative sampler's main cost.
 */
export class PairFilter {
  private readonly words: Int32Array
  private readonly mask: number

  constructor(expected: number) {
    let bits = 1 << 16
    while (bits < expected * 16 && bits < 2 ** 30) bits *= 2
    this.words = new Int32Array(bits >>> 5)
    this.mask = bits - 1
  }

  add(left: number, right: number): void {
    const h = hashPair(left, right) & this.mask
    this.words[h >>> 5]! |= 1 << (h & 31)
  }

  mayHave(left: number, right: number): boolean {
    const h = hashPair(left, right) & this.mask
    return (this.words[h >>> 5]! & (1 << (h & 31))) !== 0
  }
}
