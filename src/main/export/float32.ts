/**
 * The shortest decimal that reads back as the same float32, written straight
 * into a byte buffer (no string per number: an export writes ~64 million).
 *
 * Math. A float32 f (as a double, exactly) reads back from any real x in its
 * rounding interval (lo, hi): hi = f + gap⁺/2, lo = f − gap⁻/2, where gap⁺ is
 * f's ulp and gap⁻ the ulp below, half as large at a power of two (except at
 * the smallest normal). Both ends are exact doubles. Scale everything by 10^k
 * so that F = f·10^k ∈ [10^9, 10^10); then the fewest significant digits is
 * the largest t = 10^j with a multiple c·t in (L, H), and the value written is
 * c·10^(j−k), c chosen nearest to F. The scaling is done in doubles, good to
 * ~2^−52 relative, while the interval is at least 2^−24 relative wide, so
 * a multiple is accepted only when it is clear of both ends by a margin of
 * 2^−46 relative; if any multiple at the shortest length falls inside the
 * margin we fall back to the exact check over toPrecision(1…9).
 *
 * "Reads back" means what the Embedding Projector does with a tensors.tsv
 * field, `new Float32Array(row.map(Number))`: Math.fround(Number(s)) === f.
 * A decimal clear of the ends by the margin parses (Number, error ≤ 2^−53
 * relative) to a double still strictly inside (lo, hi), which fround takes to
 * f without a tie. The text follows Number.prototype.toString's layout
 * (1.5, 0.000123, 1.5e-7, 3.4028235e+38), so fields look like JS, Python and
 * numpy output and parse everywhere.
 */

/** Bytes one number can take ("-1.23456789e-45", "-0.00000123456789"). */
export const MAX_FLOAT32_CHARS = 24

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)
/** 10^k as the nearest double (exact through 10^22). */
const POW10 = Float64Array.from({ length: 64 }, (_, k) => Number(`1e${k}`))
/** 10^−j: a multiply instead of a divide; its error only moves c0, c1 at an end, where the check catches it. */
const INV10 = Float64Array.from({ length: 12 }, (_, j) => Number(`1e-${j}`))
const TOLERANCE = 2 ** -46
/** The gap to the next float32 up, by biased exponent (subnormals share exponent 1's). */
const ULP = Float64Array.from({ length: 256 }, (_, e) => 2 ** (Math.max(e, 1) - 150))
const digits = new Uint8Array(24)
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)))

/** Write float32 `f` at `pos`; returns the new position. `f` must be a float32 value (read from a Float32Array). */
export function writeFloat32(out: Uint8Array, pos: number, f: number): number {
  if (f !== f) return writeAscii(out, pos, 'NaN')
  if (f === 0) return writeAscii(out, pos, Object.is(f, -0) ? '-0' : '0')
  if (f < 0) {
    out[pos++] = 45 // '-'
    f = -f
  }
  if (f === Infinity) return writeAscii(out, pos, 'Infinity')

  f32[0] = f
  const bits = u32[0]!
  const e = bits >>> 23
  const m = bits & 0x7fffff
  const ulp = ULP[e]!
  const hi = f + ulp / 2
  const lo = m === 0 && e > 1 ? f - ulp / 4 : f - ulp / 2

  // k from the binary exponent (log10(2) ≈ 0.30103), corrected by the loops.
  let k = e === 0 ? 9 - Math.floor(Math.log10(f)) : 9 - Math.floor((e - 127) * 0.30103)
  let F = scale(f, k)
  while (F >= 1e10) F = scale(f, --k)
  while (F < 1e9) F = scale(f, ++k)
  const tol = F * TOLERANCE
  const L = scale(lo, k) + tol
  const H = scale(hi, k) - tol

  // The interval is 59…1192 wide here, so 10^j0 ≤ width has a multiple in it;
  // a multiple of 10^(j+1) is one of 10^j, so climb while the next power has one.
  const width = H - L
  let j = width >= 1000 ? 3 : width >= 100 ? 2 : 1
  if (multiples(L, H, tol, j) !== FOUND) return writeAscii(out, pos, shortestFloat32Slow(f))
  let first = c0
  let last = c1
  for (;;) {
    const next = multiples(L, H, tol, j + 1)
    if (next === NONE) break
    if (next === NEAR_END) return writeAscii(out, pos, shortestFloat32Slow(f))
    j++
    first = c0
    last = c1
  }
  const c = Math.min(last, Math.max(first, Math.round(F * INV10[j]!)))
  return writeDecimal(out, pos, c, j - k)
}

const NONE = 0
const FOUND = 1
/** A multiple lies within the margin of an end: only the exact check can tell. */
const NEAR_END = 2
/** Multiples c0·t … c1·t of t = 10^j clear of the ends, set by `multiples`. */
let c0 = 0
let c1 = 0

/** Multiples of 10^j in the scaled interval (L − tol, H + tol) (L, H already moved in by tol). */
function multiples(L: number, H: number, tol: number, j: number): number {
  const t = POW10[j]!
  const inv = INV10[j]!
  c0 = Math.ceil((L - 2 * tol) * inv)
  c1 = Math.floor((H + 2 * tol) * inv)
  if (c0 > c1) return NONE
  return c0 * t <= L || c1 * t >= H ? NEAR_END : FOUND
}

/** The same text as a string (CSV, word2vec, tests). */
export function formatFloat32(f: number): string {
  const end = writeFloat32(scratch, 0, f)
  return String.fromCharCode(...scratch.subarray(0, end))
}
const scratch = new Uint8Array(MAX_FLOAT32_CHARS)

/**
 * The reference: for p = 1…9 digits, the correctly rounded p-digit decimal,
 * or else the next p-digit decimal up (at a power of two the interval is
 * narrower below, so the nearest can miss while the one above reads back).
 * Slow (~1 µs) but exhaustive.
 */
export function shortestFloat32Slow(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  for (let p = 1; p <= 9; p++) {
    const x = Number(f.toPrecision(p))
    if (Math.fround(x) === f) return String(x)
    const [mantissa, exponent] = Math.abs(f).toExponential(p - 1).split('e') as [string, string]
    const up = Math.sign(f) * Number(`${Number(mantissa.replace('.', '')) + 1}e${Number(exponent) - (p - 1)}`)
    if (Math.fround(up) === f) return String(up)
  }
  return String(f) // the double itself: always reads back
}

const scale = (x: number, k: number): number => (k >= 0 ? x * POW10[k]! : x / POW10[-k]!)

function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i)
  return pos
}

/** c·10^exp10 (c a positive integer < 2^31: at most 10 digits) laid out as Number.prototype.toString does. */
function writeDecimal(out: Uint8Array, pos: number, c: number, exp10: number): number {
  let ci = c | 0
  let q = (ci / 10) | 0
  while (ci === q * 10) {
    ci = q
    q = (ci / 10) | 0
    exp10++
  }
  // Two digits per division, from a table of "00"…"99".
  let n = 0
  while (ci >= 100) {
    q = (ci / 100) | 0
    const r = (ci - q * 100) << 1
    digits[n++] = PAIRS[r + 1]!
    digits[n++] = PAIRS[r]!
    ci = q
  }
  if (ci >= 10) {
    digits[n++] = PAIRS[(ci << 1) + 1]!
    digits[n++] = PAIRS[ci << 1]!
  } else {
    digits[n++] = 48 + ci
  }
  // digits[n-1] is the most significant; `point` digits stand before the decimal point.
  const point = n + exp10
  if (point > 0 && point <= 21) {
    if (exp10 >= 0) {
      for (let i = n - 1; i >= 0; i--) out[pos++] = digits[i]!
      for (let i = 0; i < exp10; i++) out[pos++] = 48
    } else {
      for (let i = n - 1; i >= n - point; i--) out[pos++] = digits[i]!
      out[pos++] = 46 // '.'
      for (let i = n - point - 1; i >= 0; i--) out[pos++] = digits[i]!
    }
  } else if (point > -6 && point <= 0) {
    out[pos++] = 48
    out[pos++] = 46
    for (let i = point; i < 0; i++) out[pos++] = 48
    for (let i = n - 1; i >= 0; i--) out[pos++] = digits[i]!
  } else {
    out[pos++] = digits[n - 1]!
    if (n > 1) {
      out[pos++] = 46
      for (let i = n - 2; i >= 0; i--) out[pos++] = digits[i]!
    }
    out[pos++] = 101 // 'e'
    const x = point - 1
    out[pos++] = x < 0 ? 45 : 43
    pos = writeAscii(out, pos, String(Math.abs(x)))
  }
  return pos
}
