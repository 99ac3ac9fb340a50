/**
 * What every preview shares: how much of the file it scans (the first 1,000
 * lines within 1 MiB), how many rows it shows, and the note saying so.
 */
import { readHead, type Encoding, type Head } from './lines'

export const PREVIEW_ROWS = 20
export const HEAD_LINES = 1000
export const HEAD_BYTES = 1 << 20

const fmt = new Intl.NumberFormat('en-US')

export function readPreviewHead(path: string, encoding: Encoding = 'utf8'): Promise<Head> {
  return readHead(path, HEAD_LINES, HEAD_BYTES, encoding)
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
