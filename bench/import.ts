/**
 * Import throughput, end to end through the real worker process (parse,
 * vocabulary, insert into SQLite), for a generated pair CSV and a generated
 * ratings file. Reference: reading the same file and splitting it into lines
 * in this process — the floor any importer pays.
 */
import { createReadStream, statSync } from 'node:fs'
import { join } from 'node:path'
import { createWorkbench } from '../src/main/app'
import { writePairsCsv, writeRatingsFile } from '../src/main/data/samples'
import { mb, type BenchRow } from './table'

async function readLines(path: string): Promise<{ lines: number; seconds: number }> {
  const t0 = performance.now()
  let lines = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++
  }
  return { lines, seconds: (performance.now() - t0) / 1000 }
}

export async function benchImport(dir: string, sizes: { pairs: number; ratings: number; large: number | null }): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const wb = createWorkbench({ dataDir: join(dir, 'store'), samples: false })
  try {
    const cases: { label: string; file: string; rows: number; spec: Record<string, unknown> }[] = []
    const pairsFile = join(dir, 'pairs.csv')
    await writePairsCsv(pairsFile, sizes.pairs)
    cases.push({ label: `pairs CSV, ${sizes.pairs.toLocaleString('en-US')} rows`, file: pairsFile, rows: sizes.pairs, spec: { format: 'pairs-csv', file: { path: pairsFile }, leftColumn: 'left', rightColumn: 'right' } })
    const ratingsFile = join(dir, 'u.data')
    await writeRatingsFile(ratingsFile, sizes.ratings, 'u.data')
    cases.push({ label: `ratings u.data, ${sizes.ratings.toLocaleString('en-US')} rows`, file: ratingsFile, rows: sizes.ratings, spec: { format: 'movielens', file: { path: ratingsFile } } })
    if (sizes.large) {
      const largeFile = join(dir, 'pairs-large.csv')
      await writePairsCsv(largeFile, sizes.large)
      cases.push({ label: `pairs CSV, ${sizes.large.toLocaleString('en-US')} rows`, file: largeFile, rows: sizes.large, spec: { format: 'pairs-csv', file: { path: largeFile }, leftColumn: 'left', rightColumn: 'right' } })
    }
    for (const c of cases) {
      const group = `import: ${c.label} (${mb(statSync(c.file).size).toFixed(0)} MB)`
      const ref = await readLines(c.file)
      const refRate = ref.lines / ref.seconds
      rows.push({ group, name: 'reference: read + split lines', value: refRate, unit: 'rows/s', ratio: null })
      const t0 = performance.now()
      const job = await wb.handlers.startImport({ spec: c.spec as never, name: null, badRows: 'abort' })
      const done = await wb.jobs.wait(job.id)
      const seconds = (performance.now() - t0) / 1000
      if (done.status !== 'succeeded') throw new Error(`${c.label}: import ${done.status}: ${done.error?.message}`)
      const rate = c.rows / seconds
      rows.push({ group, name: 'import end to end (worker)', value: rate, unit: 'rows/s', ratio: rate / refRate, note: `${seconds.toFixed(2)} s` })
      rows.push({ group, name: 'worker peak RSS', value: mb(Number(done.result?.peakRssBytes ?? 0)), unit: 'MB', ratio: null })
    }
  } finally {
    wb.close()
  }
  return rows
}
