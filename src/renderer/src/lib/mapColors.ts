/**
 * Colouring a map by a metadata column: pure, no Vue.
 *
 * A column is numeric when nearly all of its values parse as numbers and it
 * has more distinct values than a legend can show: then a continuous gradient
 * (range clipped to the 1st–99th percentile so a few outliers do not wash it
 * out). Otherwise it is categorical: the TOP_CATEGORIES most common values get
 * a colour each, the rest share "other", missing values their own grey.
 * Multi-valued cells ("Action|Comedy", common in MovieLens genres) count by
 * their first value when a good share of the column has them.
 */

export const TOP_CATEGORIES = 10
/** Tableau 10: distinct at small sizes, readable on white. */
export const CATEGORY_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#79706e',
] as const
export const OTHER_COLOR = '#b8bfc9'
export const MISSING_COLOR = '#dfe3e8'
/** Low → high, a perceptually ordered ramp (viridis stops). */
export const GRADIENT_COLORS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] as const
export const PLAIN_COLOR = '#2457c5'

export interface Category {
  name: string
  color: string
  count: number
  /** "other" and "(no value)" are buckets, not values. */
  kind: 'value' | 'other' | 'missing'
}

export interface CategoricalColoring {
  kind: 'categorical'
  column: string
  /** Per point, the index into `categories`. */
  codes: Uint8Array
  categories: Category[]
  /** Cells held several values: coloured by the first. */
  firstOfMany: boolean
}

export interface NumericColoring {
  kind: 'numeric'
  column: string
  /** Per point; NaN where the value is missing. */
  values: Float32Array
  /** The gradient's range (1st–99th percentile). */
  min: number
  max: number
  /** The data's full range. */
  dataMin: number
  dataMax: number
  missing: number
}

export type Coloring = CategoricalColoring | NumericColoring

const MULTI_SEPARATOR = '|'

function parseNumber(v: string): number {
  const t = v.trim()
  if (t === '') return Number.NaN
  // Number('') is 0 and Number('0x1f') is 31: only plain decimals count.
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : Number.NaN
}

/** Is this column a number line? (≥ 95 % of present values numeric, more distinct values than the legend holds.) */
export function isNumericColumn(values: readonly (string | undefined)[]): boolean {
  let present = 0
  let numeric = 0
  const distinct = new Set<number>()
  for (const v of values) {
    if (v === undefined || v.trim() === '') continue
    present++
    const n = parseNumber(v)
    if (Number.isFinite(n)) {
      numeric++
      if (distinct.size <= TOP_CATEGORIES) distinct.add(n)
    }
  }
  return present > 0 && numeric >= 0.95 * present && distinct.size > TOP_CATEGORIES
}

/** The q-quantile (0–1) of sorted finite numbers, linear between ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const pos = Math.min(n - 1, Math.max(0, q * (n - 1)))
  const lo = Math.floor(pos)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function numericColoring(column: string, values: readonly (string | undefined)[]): NumericColoring {
  const out = new Float32Array(values.length)
  const finite: number[] = []
  let missing = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    const n = v === undefined ? Number.NaN : parseNumber(v)
    out[i] = n
    if (Number.isFinite(n)) finite.push(n)
    else missing++
  }
  const sorted = Float64Array.from(finite).sort()
  const dataMin = sorted.length ? sorted[0]! : 0
  const dataMax = sorted.length ? sorted[sorted.length - 1]! : 0
  let min = quantile(sorted, 0.01)
  let max = quantile(sorted, 0.99)
  if (!Number.isFinite(min) || !Number.isFinite(max) || min >= max) {
    min = dataMin
    max = dataMax === dataMin ? dataMin + 1 : dataMax
  }
  return { kind: 'numeric', column, values: out, min, max, dataMin, dataMax, missing }
}

export function categoricalColoring(column: string, values: readonly (string | undefined)[], top = TOP_CATEGORIES): CategoricalColoring {
  let multi = 0
  let present = 0
  for (const v of values) {
    if (!v || v.trim() === '') continue
    present++
    if (v.includes(MULTI_SEPARATOR)) multi++
  }
  const firstOfMany = present > 0 && multi >= 0.2 * present
  const norm = (v: string | undefined): string => {
    if (v === undefined) return ''
    const t = firstOfMany ? (v.split(MULTI_SEPARATOR)[0] ?? '') : v
    return t.trim()
  }
  const counts = new Map<string, number>()
  for (const v of values) {
    const t = norm(v)
    if (t !== '') counts.set(t, (counts.get(t) ?? 0) + 1)
  }
  // Most common first; ties alphabetical, so the legend is stable.
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const shown = ranked.slice(0, Math.min(top, CATEGORY_COLORS.length))
  const categories: Category[] = shown.map(([name, count], i) => ({ name, count, color: CATEGORY_COLORS[i]!, kind: 'value' }))
  const codeOf = new Map(shown.map(([name], i) => [name, i]))
  const otherCount = ranked.slice(shown.length).reduce((s, [, c]) => s + c, 0)
  const otherCode = categories.length
  if (otherCount > 0) categories.push({ name: 'other', count: otherCount, color: OTHER_COLOR, kind: 'other' })
  const missingCount = values.length - present
  const missingCode = categories.length
  if (missingCount > 0) categories.push({ name: '(no value)', count: missingCount, color: MISSING_COLOR, kind: 'missing' })

  const codes = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const t = norm(values[i])
    codes[i] = t === '' ? missingCode : (codeOf.get(t) ?? otherCode)
  }
  return { kind: 'categorical', column, codes, categories, firstOfMany }
}

/** The right colouring for a column's values. */
export function colorBy(column: string, values: readonly (string | undefined)[]): Coloring {
  return isNumericColumn(values) ? numericColoring(column, values) : categoricalColoring(column, values)
}

/** A number for a gradient legend: "1,204", "0.37", "2.1e-5". */
export function formatLegendNumber(v: number): string {
  if (!Number.isFinite(v)) return '–'
  const a = Math.abs(v)
  if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(1)
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: a >= 100 ? 0 : a >= 1 ? 2 : 3 }).format(v)
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

/** The gradient's colour at t ∈ [0, 1] (clamped), linear in RGB between the stops. */
export function gradientColor(t: number, stops: readonly string[] = GRADIENT_COLORS): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(x))
  const f = x - i
  const a = hexToRgb(stops[i]!)
  const b = hexToRgb(stops[i + 1]!)
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f))
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`
}

/** Large scatter series draw one colour each: a gradient is drawn as this many bins. */
export const GRADIENT_BINS = 24

/** The bin (0 … bins−1) of a value on the gradient [min, max]; values outside are clamped. */
export function gradientBin(v: number, min: number, max: number, bins = GRADIENT_BINS): number {
  if (!(max > min)) return 0
  const t = (v - min) / (max - min)
  return Math.min(bins - 1, Math.max(0, Math.floor(t * bins)))
}
