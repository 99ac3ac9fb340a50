/**
 * Interaction rows from delimited records: which columns hold the left key,
 * the right key, the value and the timestamp, and the one place that decides
 * whether a row is good (field count, non-empty keys, a number, a timestamp)
 * and says what was expected and found when it is not. Pair lists map the
 * columns from their header; MovieLens files have a fixed layout.
 */
import { clip } from './badrows'
import { fieldCountMessage, normalizeHeader, parseNumber, parseTimestamp, type RecordSink } from './delimited'

export interface InteractionColumns {
  /** Column names, for messages (the header, or the format's layout). */
  columns: string[]
  left: number
  right: number
  /** -1 when absent. */
  value: number
  ts: number
}

export type OnRow = (left: string, right: string, value: number, ts: number, fields: string[]) => void
export type OnBad = (line: number, message: string, text: string) => void

export type ColumnSource =
  /** The first record is a header; map it (may throw naming the missing column). */
  | { fromHeader: (header: string[]) => InteractionColumns }
  /** A fixed layout; a first record for which `isHeader` is true is skipped. */
  | { fixed: InteractionColumns; isHeader?: (fields: string[]) => boolean }

export class InteractionRows implements RecordSink {
  private layout: InteractionColumns | null = null
  private first = true

  constructor(
    private readonly source: ColumnSource,
    private readonly onRow: OnRow,
    readonly bad: OnBad,
  ) {
    if ('fixed' in source) this.layout = source.fixed
  }

  record(fields: string[], line: number, text: string): void {
    if (this.first) {
      this.first = false
      if ('fromHeader' in this.source) {
        this.layout = this.source.fromHeader(normalizeHeader(fields))
        return
      }
      if (this.source.isHeader?.(fields)) return
    }
    const m = this.layout!
    if (fields.length !== m.columns.length) return this.bad(line, fieldCountMessage(m.columns, fields.length), text)
    const left = fields[m.left]!.trim()
    if (left === '') return this.bad(line, emptyKey(m, m.left), text)
    const right = fields[m.right]!.trim()
    if (right === '') return this.bad(line, emptyKey(m, m.right), text)
    let value = Number.NaN
    if (m.value >= 0) {
      value = parseNumber(fields[m.value]!)
      if (Number.isNaN(value)) return this.bad(line, notA('a number', m, m.value, fields), text)
    }
    let ts = Number.NaN
    if (m.ts >= 0) {
      ts = parseTimestamp(fields[m.ts]!)
      if (Number.isNaN(ts)) return this.bad(line, notA('a timestamp (seconds or an ISO date)', m, m.ts, fields), text)
    }
    this.onRow(left, right, value, ts, fields)
  }
}

const emptyKey = (m: InteractionColumns, column: number): string =>
  `expected a key in column "${m.columns[column]}", found an empty field`

const notA = (what: string, m: InteractionColumns, column: number, fields: string[]): string =>
  `expected ${what} in column "${m.columns[column]}", found ${JSON.stringify(clip(fields[column]!, 40))}`
