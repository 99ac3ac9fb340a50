import { describe, expect, it } from 'vitest'
import { formatFloat32, shortestFloat32Slow, writeFloat32 } from './float32'

const bits = new Uint32Array(1)
const asFloat = new Float32Array(bits.buffer)
const fromBits = (b: number): number => {
  bits[0] = b
  return asFloat[0]!
}
/** What the projector reads: new Float32Array(row.map(Number)). */
const readBack = (s: string): number => Math.fround(Number(s))

/**
 * Each value must read back exactly and match the exhaustive reference (fewest
 * digits, nearest, JS layout). Returns the failures, so that one expect covers many values.
 */
function failures(values: Iterable<number>): string[] {
  const bad: string[] = []
  for (const f of values) {
    const s = formatFloat32(f)
    if (!Object.is(readBack(s), f) || s !== shortestFloat32Slow(f)) bad.push(`${f} → ${s} (reference ${shortestFloat32Slow(f)})`)
  }
  return bad
}

describe('formatFloat32', () => {
  it.each([
    [Math.fround(0.1), '0.1'],
    [Math.fround(-0.3), '-0.3'],
    [1, '1'],
    [100000, '100000'],
    [Math.fround(123456789), '123456790'], // float32 holds 123456792; 8 digits suffice
    [2 ** 24, '16777216'],
    [Math.fround(1e21), '1e+21'],
    [Math.fround(1e-7), '1e-7'],
    [Math.fround(1e-6), '0.000001'],
    [Math.fround(3.4028234663852886e38), '3.4028235e+38'], // largest float32
    [2 ** -126, '1.1754944e-38'], // smallest normal
    [2 ** -149, '1e-45'], // smallest subnormal
    [0, '0'],
    [-0, '-0'],
  ])('%s → %s', (f, text) => {
    expect(formatFloat32(f)).toBe(text)
    expect(Object.is(readBack(text), f)).toBe(true)
  })

  it('matches the exhaustive reference on 200,000 random bit patterns', () => {
    const values: number[] = []
    let state = 12345
    for (let i = 0; i < 200_000; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      const f = fromBits(state)
      if (Number.isFinite(f)) values.push(f)
    }
    expect(failures(values)).toEqual([])
  })

  it('round-trips at every power of two and its neighbours (where the gap below halves)', () => {
    const values: number[] = []
    for (let e = 0; e < 255; e++) {
      for (const d of [-2, -1, 0, 1, 2]) {
        const x = (e << 23) + d
        if (x >= 0 && x < 0x7f800000) values.push(fromBits(x), -fromBits(x))
      }
    }
    expect(failures(values)).toEqual([])
  })

  it('round-trips at powers of ten and their neighbours', () => {
    const values: number[] = []
    for (let k = -45; k <= 38; k++) {
      const f = Math.fround(Number(`1e${k}`))
      if (!Number.isFinite(f) || f === 0) continue
      asFloat[0] = f
      const b = bits[0]!
      for (const d of [-1, 0, 1]) values.push(fromBits(b + d))
    }
    expect(failures(values)).toEqual([])
  })

  it('writes typical embedding values (uniform in ±0.05) in at most 9 significant digits', () => {
    let state = 7
    let longest = 0
    const values: number[] = []
    for (let i = 0; i < 50_000; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      const f = Math.fround((state / 2 ** 32 - 0.5) * 0.1)
      values.push(f)
      longest = Math.max(longest, formatFloat32(f).replace(/^-?0\.0*|\.|e.*$/g, '').length)
    }
    expect(failures(values)).toEqual([])
    expect(longest).toBeLessThanOrEqual(9)
  })

  it('writes into a buffer at a position and returns the end', () => {
    const buf = new Uint8Array(64)
    let pos = writeFloat32(buf, 0, Math.fround(0.25))
    buf[pos++] = 9
    pos = writeFloat32(buf, pos, Math.fround(-1.5e-8))
    expect(Buffer.from(buf.subarray(0, pos)).toString('latin1')).toBe('0.25\t-1.5e-8')
  })
})
