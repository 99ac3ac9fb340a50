/** The benchmark table: every figure with its unit and its ratio to the reference run of its group. */
export interface BenchRow {
  group: string
  name: string
  value: number
  unit: string
  /** value / reference value of the group (null for the reference itself or when not comparable). */
  ratio: number | null
  note?: string
}

const fmt = (x: number): string =>
  Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toLocaleString('en-US', { maximumSignificantDigits: 3 })

export function printTable(rows: BenchRow[]): void {
  const head = ['group', 'measure', 'value', 'unit', 'ratio', 'note']
  const body = rows.map((r) => [r.group, r.name, fmt(r.value), r.unit, r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`, r.note ?? ''])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 2 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  console.log(line(head))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const b of body) console.log(line(b))
}

export const mb = (bytes: number): number => bytes / (1024 * 1024)
