/**
 * Bad-row bookkeeping shared by every importer and preview: every malformed
 * row is counted; the first 20 are kept with their 1-based file line, what
 * was expected and found, and the raw text (truncated to 200 characters).
 */
import { basename } from 'node:path'
import type { BadRow, BadRowReport } from '../../shared/schemas'
import { TaskError } from '../jobs/reporter'

export const MAX_BAD_ROWS_KEPT = 20
export const MAX_BAD_ROW_TEXT = 200

export class BadRows {
  total = 0
  readonly first: BadRow[] = []

  constructor(readonly file: string) {}

  add(line: number, message: string, text: string): void {
    this.total++
    if (this.first.length < MAX_BAD_ROWS_KEPT) {
      const clipped = text.length > MAX_BAD_ROW_TEXT ? `${text.slice(0, MAX_BAD_ROW_TEXT - 1)}…` : text
      this.first.push({ line, message, text: clipped })
    }
  }

  report(): BadRowReport {
    return { total: this.total, first: this.first.slice(), file: this.file }
  }

  /** `books.csv: 3 bad rows (first at line 7: expected 2 fields, found 3)` */
  summary(): string {
    const first = this.first[0]
    const rows = `${this.total.toLocaleString('en-US')} bad row${this.total === 1 ? '' : 's'}`
    return `${basename(this.file)}: ${rows}${first ? ` (first at line ${first.line}: ${first.message})` : ''}`
  }

  /** The error an import under the 'abort' policy ends with. */
  toError(): TaskError {
    return new TaskError({ code: 'bad_rows', message: this.summary(), badRows: this.report() })
  }
}

/** Describe a found value for "expected …, found …" messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return value === '' ? 'an empty string' : `the string ${JSON.stringify(clip(value, 40))}`
  if (typeof value === 'object') return 'an object'
  if (value === undefined) return 'nothing'
  return `the ${typeof value} ${String(value)}`
}

export const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
