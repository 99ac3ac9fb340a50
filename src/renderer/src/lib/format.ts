/** Display formatting: numbers with grouping, bytes, percentages, dates. */
import type { JobProgress } from '../../../shared/schemas'

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–'
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n)
}

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–'
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(n)
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** Decimal units (1 kB = 1000 B), as file managers show them. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–'
  let value = n
  let unit = 0
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`
}

/** A fraction as a percentage; small densities keep significant digits (0.0123 %). */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–'
  const pct = fraction * 100
  if (pct === 0) return '0 %'
  if (Math.abs(pct) >= 10) return `${pct.toFixed(1)} %`
  if (Math.abs(pct) >= 0.1) return `${pct.toFixed(2)} %`
  return `${pct.toPrecision(2)} %`
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

/** Clock style for chart axes: "0:42", "12:05", "1:02:09". */
export function formatSeconds(sec: number): string {
  if (!Number.isFinite(sec)) return '–'
  const s = Math.max(0, Math.round(sec))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** Fraction done in [0, 1], or null when the total is unknown. */
export function progressFraction(p: JobProgress): number | null {
  if (p.total === null || p.total <= 0) return null
  return Math.min(1, Math.max(0, p.done / p.total))
}

/** "12.3 MB of 40.0 MB", "1,200 of 5,000 rows", "1,200 rows". */
export function formatProgressAmount(p: JobProgress): string {
  const fmt = p.unit === 'bytes' ? formatBytes : formatCount
  const suffix = p.unit === 'bytes' ? '' : ` ${p.unit}`
  if (p.total === null) return p.done > 0 ? `${fmt(p.done)}${suffix}` : ''
  return `${fmt(p.done)} of ${fmt(p.total)}${suffix}`
}

export function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

/** "data/books.ndjson" → "books.ndjson" (both separators). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/)
  return parts[parts.length - 1] || path
}
