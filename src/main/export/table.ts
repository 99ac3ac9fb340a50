/**
 * What every export format writes from: one side's embedding table (rows ×
 * dim, row-major float32) with its entities, and the loop that walks it in
 * blocks, reporting progress in rows and yielding between blocks.
 */
import type { Entity } from '../../shared/schemas'
import type { Column } from './columns'
import type { OutputFiles } from './sink'
import { yieldToEventLoop } from './sink'

export interface ExportTable {
  rows: number
  dim: number
  data: Float32Array
  /** One per row, in row order. */
  entities: readonly Entity[]
  /** The requested columns, resolved. */
  columns: readonly Column[]
  /** Human name of the table, for the projector's tensor list. */
  name: string
}

export interface WriteContext {
  files: OutputFiles
  warnings: string[]
  progress(done: number, total: number, message: string): void
}

export const BLOCK_ROWS = 2048

/** Call `write(from, to)` for consecutive blocks of rows, with progress and a yield after each. */
export async function forEachBlock(rows: number, ctx: WriteContext, message: string, write: (from: number, to: number) => void): Promise<void> {
  ctx.progress(0, rows, message)
  for (let from = 0; from < rows; from += BLOCK_ROWS) {
    const to = Math.min(rows, from + BLOCK_ROWS)
    write(from, to)
    ctx.progress(to, rows, message)
    await yieldToEventLoop()
  }
}

/** "1,234,567" */
export const count = (n: number): string => n.toLocaleString('en-US')

/** "1 value was" / "2 values were": `n` with the singular or plural words. */
export const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`

const SURROGATE = /[\uD800-\uDFFF]/

/** Replace lone surrogates by U+FFFD, as the UTF-8 encoder will: what a reader gets back. */
export function wellFormed(s: string): string {
  if (!SURROGATE.test(s)) return s
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}
