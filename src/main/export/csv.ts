/**
 * CSV (RFC 4180): a header `index,<columns…>,v0,…,v<dim−1>`, then one record
 * per vector; records end with CRLF; a field containing a comma, a quote, CR
 * or LF is quoted, quotes doubled. Values are written as they are (CSV can
 * hold any text); a missing metadata value is an empty field. A column whose
 * name collides with `index` or a `v<i>` column gets a " (2)" suffix.
 */
import { uniqueNames } from './columns'
import type { ExportTable, WriteContext } from './table'
import { forEachBlock } from './table'

export const CSV_FILE = 'vectors.csv'

const COMMA = 44

export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvHeader(columns: readonly string[], dim: number): string[] {
  const vectors = Array.from({ length: dim }, (_, i) => `v${i}`)
  // The fixed names come first so that they keep their names.
  const names = uniqueNames(['index', ...vectors, ...columns])
  return ['index', ...names.slice(1 + dim), ...vectors]
}

export async function writeCsv(t: ExportTable, ctx: WriteContext): Promise<void> {
  const { rows, dim, data, entities, columns } = t
  const out = ctx.files.open(CSV_FILE)
  out.text(`${csvHeader(columns.map((c) => c.name), dim).map(csvField).join(',')}\r\n`)
  await forEachBlock(rows, ctx, `Writing ${CSV_FILE}`, (from, to) => {
    for (let i = from; i < to; i++) {
      out.text(String(i))
      if (columns.length > 0) {
        const e = entities[i]!
        for (const c of columns) {
          out.byte(COMMA)
          out.text(csvField(c.get(e) ?? ''))
        }
      }
      out.byte(COMMA)
      out.floats(data, i * dim, (i + 1) * dim, COMMA)
      out.text('\r\n')
    }
  })
}
