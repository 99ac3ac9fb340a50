/**
 * The delimited-record reader shared by every CSV-ish format (pair lists,
 * MovieLens files, metadata tables): RFC 4180 records on top of the line
 * reader, delimiter detection, and the small field parsers.
 *
 * Hand-written for speed rather than using csv-parse, which took ~0.9 s just
 * to parse the 1M-row benchmark pair list on the 2-core machine (this reader:
 * ~0.2 s). A line without a quote character (nearly every line of real data)
 * takes a fast path: String.split, or the sink's own `line` scanner (see
 * rows.ts). Only a line containing `"` goes through the quote-aware parser.
 * Quoting follows RFC 4180: a field that starts with `"` runs to the next
 * unpaired `"`, `""` inside it is one quote, and it may contain delimiters
 * and newlines. A record that spans lines is reported at the physical line
 * where it starts. A quote inside an unquoted field is kept as a character.
 */
import { basename } from 'node:path'
import { readLineBatches, type Encoding } from './lines'

export interface RecordSink {
  record(fields: string[], line: number, text: string): void
  bad(line: number, message: string, text: string): void
  /**
   * Optional fast path: a whole record on one line with no quote character,
   * for a sink that finds its fields itself (no split, no field strings).
   */
  line?(text: string, line: number): void
}

export interface DelimitedFormat {
  /** One or more characters: ',', '\t', ';', '|', '::'. */
  delimiter: string
  /** Honour RFC 4180 quotes (false for MovieLens' `|` and `::` files, which never quote). */
  quote: boolean
}

/** A quoted field left open for this many lines or characters is reported as unterminated. */
const MAX_RECORD_LINES = 1000
const MAX_RECORD_CHARS = 1 << 20

type Parsed = { fields: string[] } | { open: true } | { error: string }

/** Parse one logical record that contains at least one quote character. */
export function parseQuotedRecord(text: string, delimiter: string): Parsed {
  const fields: string[] = []
  const n = text.length
  let i = 0
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = ''
      let from = i + 1
      for (;;) {
        const q = text.indexOf('"', from)
        if (q < 0) return { open: true }
        if (text.charCodeAt(q + 1) === 34) {
          value += text.slice(from, q + 1)
          from = q + 2
          continue
        }
        value += text.slice(from, q)
        i = q + 1
        break
      }
      fields.push(value)
      if (i === n) return { fields }
      if (!text.startsWith(delimiter, i)) {
        return { error: `expected ${describeDelimiter(delimiter)} or the end of the line after a closing quote, found ${JSON.stringify(text.slice(i, i + 10))}` }
      }
      i += delimiter.length
    } else {
      const d = text.indexOf(delimiter, i)
      if (d < 0) {
        fields.push(text.slice(i))
        return { fields }
      }
      fields.push(text.slice(i, d))
      i = d + delimiter.length
    }
  }
}

/**
 * Push parser: physical lines in, records out. Blank lines are skipped.
 * Decoupled from I/O so the importers and the previews share it.
 */
export class RecordParser {
  private pending: string[] = []
  private pendingLine = 0
  private readonly plainLine: (text: string, line: number) => void

  constructor(
    private readonly format: DelimitedFormat,
    private readonly sink: RecordSink,
  ) {
    this.plainLine = sink.line
      ? sink.line.bind(sink)
      : (text, line) => sink.record(text.split(format.delimiter), line, text)
  }

  push(line: string, lineNo: number): void {
    if (this.pending.length > 0) {
      this.pending.push(line)
      this.retryPending()
      return
    }
    if (line.length === 0) return
    if (!this.format.quote || line.indexOf('"') < 0) {
      this.plainLine(line, lineNo)
      return
    }
    const parsed = parseQuotedRecord(line, this.format.delimiter)
    if ('fields' in parsed) this.sink.record(parsed.fields, lineNo, line)
    else if ('error' in parsed) this.sink.bad(lineNo, parsed.error, line)
    else {
      this.pending = [line]
      this.pendingLine = lineNo
    }
  }

  /**
   * End of input. With `complete` false (a preview that read only the head)
   * a record still open is dropped instead of reported.
   */
  end(complete = true): void {
    while (this.pending.length > 0) {
      if (!complete) {
        this.pending = []
        return
      }
      this.abandonPending()
    }
  }

  private retryPending(): void {
    const text = this.pending.join('\n')
    const parsed = parseQuotedRecord(text, this.format.delimiter)
    if ('open' in parsed) {
      if (this.pending.length > MAX_RECORD_LINES || text.length > MAX_RECORD_CHARS) this.abandonPending()
      return
    }
    const line = this.pendingLine
    this.pending = []
    if ('fields' in parsed) this.sink.record(parsed.fields, line, text)
    else this.sink.bad(line, parsed.error, text)
  }

  /** Report the record's first line as unterminated and re-read the lines after it. */
  private abandonPending(): void {
    const [first, ...rest] = this.pending
    const start = this.pendingLine
    this.pending = []
    this.sink.bad(start, 'expected a closing quote for the quoted field opened on this line, found none', first ?? '')
    rest.forEach((l, k) => this.push(l, start + 1 + k))
  }
}

export interface ReadDelimitedOptions extends DelimitedFormat {
  encoding?: Encoding
  /** Wraps the handling of each batch of lines (a database transaction). */
  inBatch?: (work: () => void) => void
  onProgress?: (bytesRead: number) => void
}

/** Stream a whole delimited file into a sink. */
export async function readDelimited(path: string, options: ReadDelimitedOptions, sink: RecordSink): Promise<void> {
  const parser = new RecordParser(options, sink)
  const inBatch = options.inBatch ?? ((work: () => void) => work())
  for await (const batch of readLineBatches(path, { encoding: options.encoding ?? 'utf8' })) {
    inBatch(() => {
      const { lines, firstLine } = batch
      for (let i = 0; i < lines.length; i++) parser.push(lines[i]!, firstLine + i)
    })
    options.onProgress?.(batch.bytesRead)
  }
  inBatch(() => parser.end())
}

/** Parse already-read lines (a file's head) into records. */
export function parseLines(lines: readonly string[], format: DelimitedFormat, sink: RecordSink, complete: boolean): void {
  const parser = new RecordParser(format, sink)
  lines.forEach((line, i) => parser.push(line, i + 1))
  parser.end(complete)
}

// ---------------------------------------------------------------- delimiters

export const DELIMITER_CANDIDATES = ['\t', ',', ';', '|'] as const

/** Count a delimiter outside quoted fields. */
function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '"') quoted = !quoted
    else if (!quoted && c === delimiter) count++
  }
  return count
}

/**
 * Pick the delimiter from a file's first lines: the candidate that appears in
 * the header and splits the most of the following lines into the same number
 * of fields (ties: more fields, then tab, comma, semicolon, pipe).
 */
export function detectDelimiter(lines: readonly string[]): string {
  const nonBlank = lines.filter((l) => l.length > 0).slice(0, 50)
  const [header, ...rest] = nonBlank
  if (header === undefined) return ','
  let best: { delimiter: string; agree: number; fields: number } | null = null
  for (const delimiter of DELIMITER_CANDIDATES) {
    const fields = countOutsideQuotes(header, delimiter)
    if (fields === 0) continue
    const agree = rest.filter((l) => countOutsideQuotes(l, delimiter) === fields).length
    if (!best || agree > best.agree || (agree === best.agree && fields > best.fields)) best = { delimiter, agree, fields }
  }
  return best?.delimiter ?? ','
}

export function describeDelimiter(delimiter: string): string {
  switch (delimiter) {
    case '\t':
      return 'a tab'
    case ',':
      return 'a comma'
    case ';':
      return 'a semicolon'
    case '|':
      return 'a pipe (|)'
    default:
      return `"${delimiter}"`
  }
}

// ---------------------------------------------------------------- headers and fields

export const normalizeHeader = (fields: readonly string[]): string[] => fields.map((f) => f.trim())

/** Index of a mapped column, or an error naming the file, the column and the columns that exist. */
export function requireColumn(header: readonly string[], name: string, file: string, role: string, delimiter: string): number {
  const i = header.indexOf(name)
  if (i >= 0) return i
  const columns = header.map((h) => JSON.stringify(h)).join(', ')
  throw new Error(
    `${basename(file)} has no column "${name}" (chosen as the ${role}). ` +
      `Its columns are: ${columns} (header split on ${describeDelimiter(delimiter)}).`,
  )
}

/** The header of a delimited file from its first lines: the first record, trimmed. */
export function headerOf(lines: readonly string[], format: DelimitedFormat, file: string): string[] {
  let header: string[] | null = null
  const parser = new RecordParser(format, {
    record: (fields) => {
      header ??= normalizeHeader(fields)
    },
    bad: () => {},
  })
  for (let i = 0; i < lines.length && header === null; i++) parser.push(lines[i]!, i + 1)
  if (header === null) throw new Error(`${basename(file)} has no header row (${file}).`)
  return header
}

export function resolveDelimiter(chosen: string, headLines: readonly string[]): string {
  return chosen === 'auto' ? detectDelimiter(headLines) : chosen
}

/** A finite number, or NaN for anything else (including an empty field). */
export function parseNumber(text: string): number {
  const t = text.trim()
  if (t === '') return Number.NaN
  const v = Number(t)
  return Number.isFinite(v) ? v : Number.NaN
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * Seconds since the epoch from a number (taken as seconds already) or an ISO
 * date / date-time (without a zone it is read as UTC, so an import gives the
 * same numbers on every machine). NaN when it is neither.
 */
export function parseTimestamp(text: string): number {
  const n = parseNumber(text)
  if (!Number.isNaN(n)) return n
  const m = ISO_DATE.exec(text.trim())
  if (!m) return Number.NaN
  const iso = `${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? Number.NaN : ms / 1000
}

/** "expected 3 fields (user, item, rating), found 4" (long headers shortened). */
export function fieldCountMessage(columns: readonly string[], found: number): string {
  const names = columns.length > 8 ? [...columns.slice(0, 5), '…'] : columns
  return `expected ${columns.length} fields (${names.join(', ')}), found ${found}`
}
