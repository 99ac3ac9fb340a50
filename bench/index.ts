/**
 * `npm run bench`: prints one table, asserts nothing. Every group has a
 * reference run measured in the same process, and ratios against it.
 * Options: --only GROUP[,GROUP] (import, train, ratings, item2vec, neighbours, maps), --quick (smaller inputs), --large (adds a 10,000,000-row import
 * to show memory stays flat in the file size).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchImport } from './import'
import { benchTrain } from './train'
import { benchRatings } from './ratings'
import { benchmarkNeighbours } from '../src/main/recommend/bench'
import { benchmarkMaps } from '../src/main/maps/bench'
import { benchmarkItem2vec } from '../src/main/item2vec/bench'
import { mb, printTable, type BenchRow } from './table'

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2))
  const quick = args.has('--quick')
  const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined)
  const only = onlyArg ? new Set(onlyArg.split(',')) : null
  const want = (group: string) => !only || only.has(group)
  const dir = mkdtempSync(join(tmpdir(), 'ew-bench-'))
  const rows: BenchRow[] = []
  try {
    if (want('import')) rows.push(...(await benchImport(dir, { pairs: quick ? 100_000 : 1_000_000, ratings: quick ? 100_000 : 1_000_000, large: args.has('--large') ? 10_000_000 : null })))
    if (want('train')) rows.push(...(await benchTrain({ quick })))
    if (want('ratings')) rows.push(...(await benchRatings({ quick })))
    if (want('item2vec')) {
      for (const r of await benchmarkItem2vec({ quick, log: (line) => console.error(`  item2vec: ${line}`) })) {
        rows.push({ group: 'item2vec: skip-gram, window 5, 100-d, 5 negatives (gensim Word2Vec: ~470,000 effective words/s with 2 workers)', name: r.name, value: r.value, unit: r.unit, ratio: null, note: r.note })
      }
    }
    const shapes = quick ? [{ rows: 37_020, dim: 50 }, { rows: 100_000, dim: 64 }] : undefined
    if (want('neighbours')) for (const r of benchmarkNeighbours({ ...(shapes ? { shapes } : {}), log: (line) => console.error(`  neighbours: ${line}`) })) {
      rows.push({ group: 'neighbours: top-10 queries (seeded clustered data)', name: r.name, value: r.value, unit: r.unit, ratio: null, note: r.note })
    }
    if (want('maps')) for (const r of await benchmarkMaps(quick ? { n: 5_000, iterations: 300 } : {})) {
      rows.push({ group: `maps: ${quick ? '5,000' : '37,020'} points × 50-d, all points (seeded clusters)`, name: r.name, value: r.value, unit: r.unit, ratio: null, note: r.note })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  rows.push({ group: 'process', name: 'bench process peak RSS', value: mb(process.resourceUsage().maxRSS * 1024), unit: 'MB', ratio: null })
  console.log(`\nEmbedding Workbench benchmarks — node ${process.version}, ${process.platform}/${process.arch}\n`)
  printTable(rows)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
