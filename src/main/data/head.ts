/**
 * What every preview shares: how much of the file it scans (the first 1,000
 * lines within 1 MiB), how many rows it shows, the note saying so, and
 * PreviewRows, which collects the shown rows and bad rows around a format's
 * own row checker (so a preview judges rows exactly as the import will).
 */
import { basename } from 'node:path'
import type { ImportPreview } from '../../shared/schemas'
import { BadRows } from './badrows'
import type { RecordSink } from './delimited'
import { readHead, type Encoding, type Head } from './lines'

export const PREVIEW_ROWS = 20
export const HEAD_LINES = 1000
export const HEAD_BYTES = 1 << 20

const fmt = new Intl.NumberFormat('en-US')

export async function readPreviewHead(path: string, encoding: Encoding = 'utf8'): Promise<Head> {
  const head = await readHead(path, HEAD_LINES, HEAD_BYTES, encoding)
  if (head.lines.length === 0 && !head.complete) {
    throw new Error(`${basename(path)}: its first line is longer than ${sizeText(HEAD_BYTES)}; is it the right file (${path})?`)
  }
  return head
}

/** "Showing the first 20 of the first 1,000 lines scanned" / "Showing all 12 rows (the whole file)". */
export function scanNote(head: Head, shown: number, dataRows: number): string {
  if (head.complete && shown === dataRows) return `Showing all ${fmt.format(shown)} rows (the whole file).`
  if (head.complete) return `Showing the first ${fmt.format(shown)} of ${fmt.format(dataRows)} rows (the whole file was scanned).`
  return `Showing the first ${fmt.format(shown)} of the first ${fmt.format(head.lines.length)} lines scanned (of a ${sizeText(head.fileSize)} file); bad rows below are from those lines only.`
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1 << 20) return `${(bytes / 1024).toFixed(1)} KB`
  if (bytes < 1 << 30) return `${(bytes / (1 << 20)).toFixed(1)} MB`
  return `${(bytes / (1 << 30)).toFixed(2)} GB`
}

/**
 * Collects what a preview shows around a format's row checker: the fields
 * of the first PREVIEW_ROWS good rows, every bad row, and how many rows
 * there were. `around(checker)` is the sink to parse into; the checker calls
 * `accept` for a good row and `reject` for a bad one.
 */
export class PreviewRows {
  readonly rows: string[][] = []
  readonly badRows: BadRows
  dataRows = 0
  private current: string[] = []

  constructor(file: string) {
    this.badRows = new BadRows(file)
  }

  readonly accept = (): void => {
    this.dataRows++
    if (this.rows.length < PREVIEW_ROWS) this.rows.push(this.current)
  }

  readonly reject = (line: number, message: string, text: string): void => {
    this.dataRows++
    this.badRows.add(line, message, text)
  }

  /** The preview of a scanned head: these rows and bad rows, the scan note first. */
  result(head: Head, fields: Omit<ImportPreview, 'rows' | 'badRows'>): ImportPreview {
    return {
      ...fields,
      rows: this.rows,
      badRows: this.badRows.report(),
      notes: [scanNote(head, this.rows.length, this.dataRows), ...fields.notes],
    }
  }

  around(checker: RecordSink): RecordSink {
    return {
      record: (fields, line, text) => {
        this.current = fields
        checker.record(fields, line, text)
      },
      bad: (line, message, text) => checker.bad(line, message, text),
    }
  }
}
