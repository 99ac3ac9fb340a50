/** The import wizard's editable state, per format (turned into an ImportSpec by ImportView). */
import type { Delimiter, FileRef, Side } from '../../../../shared/schemas'
import type { z } from 'zod'
import type { MovieLensVariant } from '../../../../shared/schemas'

export interface PickedFile {
  name: string
  size: number
  state: 'uploading' | 'ready' | 'error'
  /** Upload progress in [0, 1] (headless mode). */
  fraction: number
  ref: FileRef | null
  error: string | null
}

export interface PairsForm {
  delimiter: Delimiter
  leftColumn: string
  rightColumn: string
  valueColumn: string | null
  timestampColumn: string | null
  leftLabel: string
  rightLabel: string
}

export interface WikiForm {
  /** One entry per line. */
  dropTitlesContaining: string
  lowercaseLinks: boolean
  /** One link per line. */
  dropLinks: string
  minLinkCount: number | string
}

export interface MovieLensForm {
  variant: z.infer<typeof MovieLensVariant>
}

export interface MetadataForm {
  datasetId: number | null
  side: Side
  delimiter: Delimiter
  keyColumn: string
  /** null keeps every column but the key. */
  columns: string[] | null
  labelColumn: string | null
}

/** Validation messages by spec path without the `spec.` prefix ("leftColumn", "file.path", "name"). */
export type Issues = Record<string, string>

export const DELIMITERS: { value: Delimiter; label: string }[] = [
  { value: 'auto', label: 'Detect automatically' },
  { value: ',', label: 'Comma ( , )' },
  { value: '\t', label: 'Tab' },
  { value: ';', label: 'Semicolon ( ; )' },
  { value: '|', label: 'Pipe ( | )' },
]
