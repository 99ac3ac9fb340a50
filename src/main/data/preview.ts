/**
 * Import previews (what the import dialog shows before anything is written)
 * and job titles. Each format module owns its preview; this file dispatches.
 * A preview reads only the head of the file (the first 1,000 lines within
 * 1 MiB): its columns, first 20 rows, detected delimiter or variant, the bad
 * rows among the scanned lines, suggestions for the mapping, and notes.
 */
import { basename } from 'node:path'
import type { ImportPreview, ImportSpec, PreviewSpec } from '../../shared/schemas'
import { headerOf, resolveDelimiter } from './delimited'
import { readPreviewHead } from './head'
import { previewMetadata } from './metadata'
import { previewMovieLens } from './movielens'
import { previewPairsCsv } from './pairs'
import { previewWikiBooks } from './wiki'

export async function previewImport(input: PreviewSpec): Promise<ImportPreview> {
  const spec = await withColumnDefaults(input)
  switch (spec.format) {
    case 'pairs-csv':
      return previewPairsCsv(spec)
    case 'wiki-books':
      return previewWikiBooks(spec)
    case 'movielens':
      return previewMovieLens(spec)
    case 'metadata':
      return previewMetadata(spec)
  }
}

/** Columns not chosen yet default to the header's first ones (the preview then suggests the rest). */
async function withColumnDefaults(spec: PreviewSpec): Promise<ImportSpec> {
  if (spec.format === 'pairs-csv' && spec.leftColumn && spec.rightColumn) return spec
  if (spec.format === 'metadata' && spec.keyColumn) return spec
  if (spec.format !== 'pairs-csv' && spec.format !== 'metadata') return spec
  const head = await readPreviewHead(spec.file.path)
  const delimiter = resolveDelimiter(spec.delimiter, head.lines)
  const header = headerOf(head.lines, { delimiter, quote: true }, spec.file.path)
  if (spec.format === 'metadata') return { ...spec, keyColumn: header[0] ?? '' }
  const leftColumn = spec.leftColumn || header.find((h) => h !== spec.rightColumn) || ''
  const rightColumn = spec.rightColumn || header.find((h) => h !== leftColumn) || ''
  return { ...spec, leftColumn, rightColumn }
}

/** "Import books.ndjson", "Import ratings.csv as “My ratings”", "Add metadata from books.csv". */
export function importTitle(spec: ImportSpec, name: string | null): string {
  const file = basename(spec.file.path)
  if (spec.format === 'metadata') return `Add metadata from ${file}`
  const trimmed = name?.trim()
  return trimmed && trimmed !== file ? `Import ${file} as “${trimmed}”` : `Import ${file}`
}
