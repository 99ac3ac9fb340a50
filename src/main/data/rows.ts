/**
 * Interaction rows from delimited records: which columns hold the left key,
 * the right key, the value and the timestamp, and the one place that decides
 * whether a row is good (field count, non-empty keys, a number, a timestamp)
 * and says what was expected and found when it is not. Pair lists map the
 * columns from their header; MovieLens files have a fixed layout.
 *
 * Keys are handed on as spans (ranges of the line) so the vocabulary can look
 * them up without making substrings. Lines without quotes take a hand-written
 * fast path (`line`: indexOf over the delimiters, no split); quoted records
 * come as fields (`record`). Both trim keys with the same `trimSpan`, so a
 * key is the same whichever path read it.
 */
import { clip } from './badrows'
import { fieldCountMessage, normalizeHeader, parseNumber, parseTimestamp, type RecordSink } from './delimited'
import type { KeySpan } from './vocab'

export interface InteractionColumns {
  /** Column names, for messages (the header, or the format's layout). */
  columns: string[]
  left: number
  right: number
  /** -1 when absent. */
  value: number
  ts: number
}

/** The spans are reused for the next row: read them before returning. */
export type OnRow = (left: KeySpan, right: KeySpan, value: number, ts: number) => void
export type OnBad = (line: number, message: string, text: string) => void

export type ColumnSource =
  /** The first record is a header; map it (may throw naming the missing column). */
  | { fromHeader: (header: string[]) => InteractionColumns }
  /** A fixed layout; a first record for which `isHeader` is true is skipped. */
  | { fixed: InteractionColumns; isHeader?: (fields: string[]) => boolean }

/** The characters String.prototype.trim removes. */
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  )
}

/** Point `span` at text[start, end) without surrounding whitespace; false when that leaves nothing. */
function trimSpan(span: KeySpan, text: string, start: number, end: number): boolean {
  while (start < end && isSpace(text.charCodeAt(start))) start++
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--
  span.text = text
  span.start = start
  span.end = end
  return end > start
}

export class InteractionRows implements RecordSink {
  private layout: InteractionColumns | null = null
  private first = true
  private readonly left: KeySpan = { text: '', start: 0, end: 0 }
  private readonly right: KeySpan = { text: '', start: 0, end: 0 }
  /** Field f of the current line is [bounds[2f], bounds[2f + 1]). */
  private bounds = new Int32Array(16)

  constructor(
    private readonly source: ColumnSource,
    private readonly delimiter: string,
    private readonly onRow: OnRow,
    readonly bad: OnBad,
  ) {
    if ('fixed' in source) {
      this.layout = source.fixed
      this.bounds = new Int32Array(source.fixed.columns.length * 2)
    }
  }

  record(fields: string[], line: number, text: string): void {
    if (this.first) {
      this.first = false
      if ('fromHeader' in this.source) {
        this.layout = this.source.fromHeader(normalizeHeader(fields))
        this.bounds = new Int32Array(this.layout.columns.length * 2)
        return
      }
      if (this.source.isHeader?.(fields)) return
    }
    const m = this.layout!
    if (fields.length !== m.columns.length) return this.bad(line, fieldCountMessage(m.columns, fields.length), text)
    const l = fields[m.left]!
    if (!trimSpan(this.left, l, 0, l.length)) return this.bad(line, emptyKey(m, m.left), text)
    const r = fields[m.right]!
    if (!trimSpan(this.right, r, 0, r.length)) return this.bad(line, emptyKey(m, m.right), text)
    this.finish(m, line, text, m.value >= 0 ? fields[m.value]! : '', m.ts >= 0 ? fields[m.ts]! : '')
  }

  /** The fast path: find the fields of a quote-free line with indexOf. */
  line(text: string, line: number): void {
    const m = this.layout
    if (this.first || m === null) return this.record(text.split(this.delimiter), line, text)
    const n = m.columns.length
    const bounds = this.bounds
    const step = this.delimiter.length
    let fields = 0
    let from = 0
    for (;;) {
      const d = text.indexOf(this.delimiter, from)
      const end = d < 0 ? text.length : d
      if (fields < n) {
        bounds[2 * fields] = from
        bounds[2 * fields + 1] = end
      }
      fields++
      if (d < 0) break
      from = d + step
    }
    if (fields !== n) return this.bad(line, fieldCountMessage(m.columns, fields), text)
    if (!trimSpan(this.left, text, bounds[2 * m.left]!, bounds[2 * m.left + 1]!)) return this.bad(line, emptyKey(m, m.left), text)
    if (!trimSpan(this.right, text, bounds[2 * m.right]!, bounds[2 * m.right + 1]!)) return this.bad(line, emptyKey(m, m.right), text)
    const value = m.value >= 0 ? text.slice(bounds[2 * m.value], bounds[2 * m.value + 1]) : ''
    const ts = m.ts >= 0 ? text.slice(bounds[2 * m.ts], bounds[2 * m.ts + 1]) : ''
    this.finish(m, line, text, value, ts)
  }

  /** Check the value and timestamp fields (when mapped) and hand the row on. */
  private finish(m: InteractionColumns, line: number, text: string, valueField: string, tsField: string): void {
    let value = Number.NaN
    if (m.value >= 0) {
      value = parseNumber(valueField)
      if (Number.isNaN(value)) return this.bad(line, notA('a number', m, m.value, valueField), text)
    }
    let ts = Number.NaN
    if (m.ts >= 0) {
      ts = parseTimestamp(tsField)
      if (Number.isNaN(ts)) return this.bad(line, notA('a timestamp (seconds or an ISO date)', m, m.ts, tsField), text)
    }
    this.onRow(this.left, this.right, value, ts)
  }
}

const emptyKey = (m: InteractionColumns, column: number): string =>
  `expected a key in column "${m.columns[column]}", found an empty field`

const notA = (what: string, m: InteractionColumns, column: number, found: string): string =>
  `expected ${what} in column "${m.columns[column]}", found ${JSON.stringify(clip(found, 40))}`
