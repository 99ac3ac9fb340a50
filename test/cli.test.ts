/**
 * The command line as a user runs it: the real `embedding-workbench` bin in a
 * child process, against a store in a temp dir, imports in worker processes.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers/tmp'

const BIN = resolve(__dirname, '..', 'bin', 'embedding-workbench.cjs')
const run = promisify(execFile)

let tmp: ReturnType<typeof tempDir>
beforeAll(() => (tmp = tempDir()))
afterAll(() => tmp.cleanup())

interface Result {
  code: number
  stdout: string
  stderr: string
}

/** The bin against the store in `store` (a folder of the temp dir). */
async function cliIn(store: string, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data-dir', join(tmp.dir, store), ...args], { timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const cli = (...args: string[]): Promise<Result> => cliIn('store', ...args)

describe('embedding-workbench CLI', () => {
  it('prints help and fails with usage errors', async () => {
    const help = await cli('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/datasets import <file> --format/)
    const bad = await cli('datasets', 'import', 'x.csv', '--format', 'excel')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--format must be one of/)
  })

  it('imports, lists, shows and deletes datasets, with --json', async () => {
    const file = join(tmp.dir, 'pairs.tsv')
    writeFileSync(file, 'user\titem\nu1\ta\nu1\tb\nu2\ta\n')
    const imp = await cli('datasets', 'import', file, '--format', 'pairs-csv', '--left-column', 'user', '--right-column', 'item', '--name', 'Tiny', '--json')
    expect(imp.code).toBe(0)
    const d = JSON.parse(imp.stdout) as { id: number; name: string; status: string; stats: { interactions: number; left: { count: number }; right: { count: number } } }
    expect(d).toMatchObject({ name: 'Tiny', status: 'ready', stats: { interactions: 3, left: { count: 2 }, right: { count: 2 } } })

    const list = JSON.parse((await cli('datasets', 'list', '--json')).stdout) as { id: number }[]
    expect(list.map((x) => x.id)).toEqual([d.id])
    const human = await cli('datasets', 'show', String(d.id))
    expect(human.stdout).toMatch(/Tiny/)
    expect(human.stdout).toMatch(/3 interactions/)

    const del = await cli('datasets', 'delete', String(d.id), '--json')
    expect(JSON.parse(del.stdout)).toEqual({ ok: true, id: d.id })
    expect(JSON.parse((await cli('datasets', 'list', '--json')).stdout)).toEqual([])
  })

  it('reports bad rows with line numbers, imports nothing, and --skip-bad-rows imports the rest', async () => {
    const file = join(tmp.dir, 'bad.csv')
    writeFileSync(file, 'a,b\n1,2\n3\n4,5\n')
    const failed = await cli('datasets', 'import', file, '--format', 'pairs-csv', '--left-column', 'a', '--right-column', 'b')
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/1 bad rows in .*bad\.csv/)
    expect(failed.stderr).toMatch(/line 3: expected 2 fields/)
    expect(JSON.parse((await cli('datasets', 'list', '--json')).stdout)).toEqual([])
    const skipped = await cli('datasets', 'import', file, '--format', 'pairs-csv', '--left-column', 'a', '--right-column', 'b', '--skip-bad-rows', '--json')
    expect(skipped.code).toBe(0)
    expect(JSON.parse(skipped.stdout)).toMatchObject({ stats: { interactions: 2, skippedRows: 1 } })
  })

  it('gives a clear error for a missing dataset or file', async () => {
    const missing = await cli('datasets', 'show', '999')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/Dataset 999 does not exist/)
    const nofile = await cli('datasets', 'import', join(tmp.dir, 'nope.csv'), '--format', 'pairs-csv', '--left-column', 'a', '--right-column', 'b')
    expect(nofile.code).toBe(1)
    expect(nofile.stderr).toMatch(/nope\.csv/)
  })
})

/** The sample datasets in one shared store: short trainings, then every explore, map, export and rating command on them. */
describe('embedding-workbench CLI on the sample datasets', { timeout: 120_000 }, () => {
  const STORE = 'samples-store'
  /** Runs the bin with --json; a non-zero exit fails the test with its stderr. */
  async function json<T>(...args: string[]): Promise<T> {
    const r = await cliIn(STORE, ...args, '--json')
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited with ${r.code}: ${r.stderr || r.stdout}`)
    return JSON.parse(r.stdout) as T
  }
  interface Entity {
    index: number
    key: string
    label: string
  }
  interface RunJson {
    id: number
    datasetId: number
    status: string
    epoch: number
    params: { model: string; dim?: number; epochs?: number }
    evaluation: { rmse: number | null } | null
  }

  let library: number
  let ratings: number
  let pairRun: RunJson
  beforeAll(async () => {
    const made = await json<{ id: number; name: string; status: string }[]>('datasets', 'samples')
    expect(made.map((d) => d.status)).toEqual(['ready', 'ready'])
    library = made.find((d) => d.name.startsWith('Sample library'))!.id
    ratings = made.find((d) => d.name.startsWith('Sample ratings'))!.id
  }, 120_000)

  it('trains on the sample library, then lists and shows the run and reads its loss per epoch', async () => {
    pairRun = await json<RunJson>('runs', 'train', '--dataset', String(library), '--epochs', '2', '--dim', '16', '--n-positive', '256', '--learning-rate', '0.01')
    expect(pairRun).toMatchObject({ datasetId: library, status: 'succeeded', epoch: 2, params: { model: 'entity-pairs', dim: 16, epochs: 2 } })
    const [all, shown, metrics] = await Promise.all([
      json<RunJson[]>('runs', 'list'),
      json<RunJson>('runs', 'show', String(pairRun.id)),
      json<{ runId: number; series: Record<string, { epoch: number[]; value: number[] }> }>('runs', 'metrics', String(pairRun.id), '--key', 'loss'),
    ])
    expect(all.map((r) => r.id)).toContain(pairRun.id)
    expect(shown).toMatchObject({ id: pairRun.id, status: 'succeeded' })
    expect(metrics.runId).toBe(pairRun.id)
    expect(metrics.series.loss!.value).toHaveLength(2)
    expect(metrics.series.loss!.value.every(Number.isFinite)).toBe(true)
  })

  it('finds neighbours, searches, shows a record and finds similar entities for one or several keys', async () => {
    const [neighbours, record, similar] = await Promise.all([
      json<{ query: Entity; items: { entity: Entity; score: number }[] }>('neighbours', String(pairRun.id), '--index', '0', '--k', '5'),
      json<{ entity: Entity; degree: number; links: Entity[] }>('explore', 'record', String(library), '--index', '0'),
      json<{ items: { entity: Entity; score: number }[]; scoreName: string }>('explore', 'similar', String(pairRun.id), '--index', '0', '--k', '5'),
    ])
    expect(neighbours.query.index).toBe(0)
    expect(neighbours.items).toHaveLength(5)
    expect(record.entity.index).toBe(0)
    expect(record.degree).toBeGreaterThan(0)
    expect(record.links.length).toBeGreaterThan(0)
    expect(similar.scoreName).toBe('cosine')
    expect(similar.items).toHaveLength(5)

    const found = await json<{ total: number; items: Entity[] }>('explore', 'search', String(library), record.entity.label)
    expect(found.total).toBeGreaterThan(0)
    expect(found.items.map((e) => e.index)).toContain(0)

    // "More like these": keys resolved like --key (exact, else case-insensitive).
    const second = neighbours.items.find((x) => !x.entity.key.includes(','))!.entity
    const keys = [record.entity.key, second.key.toUpperCase()]
    const byKeys = await json<{ items: { entity: Entity }[] }>('explore', 'similar', String(pairRun.id), '--keys', keys.join(','), '--k', '5')
    expect(byKeys.items).toHaveLength(5)
    const byIndex = await json<{ items: { entity: Entity }[] }>('explore', 'similar', String(pairRun.id), '--index', `0,${second.index}`, '--k', '5')
    expect(byKeys.items.map((x) => x.entity.index)).toEqual(byIndex.items.map((x) => x.entity.index))
    const unknown = await cliIn(STORE, 'explore', 'similar', String(pairRun.id), '--keys', `${record.entity.key},no such book`)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/No left entity with key "no such book"/)
  })

  it('creates, lists, shows and deletes a map', async () => {
    const made = await json<{ id: number; runId: number; method: string; dims: number; rows: number }>('maps', 'create', String(pairRun.id), '--method', 'pca')
    expect(made).toMatchObject({ runId: pairRun.id, method: 'pca', dims: 2 })
    const [maps, shown] = await Promise.all([
      json<{ id: number }[]>('maps', 'list', String(pairRun.id)),
      json<{ projection: { id: number; rows: number }; coords: number[] }>('maps', 'show', String(made.id)),
    ])
    expect(maps.map((m) => m.id)).toContain(made.id)
    expect(shown.projection.id).toBe(made.id)
    expect(shown.coords).toHaveLength(made.rows * 2)
    expect(await json('maps', 'delete', String(made.id))).toEqual({ ok: true, id: made.id })
    expect((await json<{ id: number }[]>('maps', 'list', String(pairRun.id))).map((m) => m.id)).not.toContain(made.id)
    const again = await cliIn(STORE, 'maps', 'delete', String(made.id))
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(new RegExp(`Projection ${made.id} does not exist`))
  })

  it('exports for the Embedding Projector and reports export info', async () => {
    const folder = join(tmp.dir, 'projector')
    const [done, info] = await Promise.all([
      json<{ folder: string; files: string[] }>('export', String(pairRun.id), '--folder', folder, '--format', 'projector'),
      json<{ rows: number; dim: number; columns: string[]; warnings: string[]; defaultFolder: string }>('export', 'info', String(pairRun.id)),
    ])
    expect(done.folder).toBe(folder)
    for (const file of ['tensors.tsv', 'metadata.tsv', 'projector_config.json', 'projector_config.pbtxt']) {
      expect(done.files).toContain(file)
      expect(existsSync(join(folder, file))).toBe(true)
    }
    expect(info).toMatchObject({ dim: 16, warnings: [] })
    expect(info.columns).toEqual(expect.arrayContaining(['label', 'key', 'genre', 'author']))
    expect(info.defaultFolder).toMatch(/run-\d+-left$/)
    expect(readFileSync(join(folder, 'tensors.tsv'), 'utf8').trim().split('\n')).toHaveLength(info.rows)
  })

  it('cancels only a running run', async () => {
    const r = await cliIn(STORE, 'runs', 'cancel', String(pairRun.id))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`Run ${pairRun.id} is succeeded; only a running run can be cancelled`))
  })

  it('trains rating models, compares them (table and CSV) and shows a user\'s recommendations', async () => {
    const bias = await json<RunJson>('runs', 'train', '--dataset', String(ratings), '--model', 'bias-baseline')
    expect(bias).toMatchObject({ status: 'succeeded', params: { model: 'bias-baseline' } })
    expect(bias.evaluation!.rmse).toBeGreaterThan(0)
    const mf = await json<RunJson>('runs', 'train', '--dataset', String(ratings), '--model', 'mf', '--epochs', '5')
    expect(mf).toMatchObject({ status: 'succeeded', epoch: 5, params: { model: 'mf', epochs: 5 } })
    expect(mf.evaluation!.rmse).toBeGreaterThan(0)

    const [table, csv, user] = await Promise.all([
      json<{ rows: { runId: number }[] }>('runs', 'compare', '--dataset', String(ratings)),
      cliIn(STORE, 'runs', 'compare', '--dataset', String(ratings), '--csv'),
      json<{ user: Entity; recommendations: { item: Entity; score: number }[] }>('runs', 'user', String(mf.id), '--index', '3', '--n', '5'),
    ])
    expect(table.rows.map((r) => r.runId).sort()).toEqual([bias.id, mf.id].sort())
    expect(csv.code).toBe(0)
    const lines = csv.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^run,.*rmse/)
    expect(user.user.index).toBe(3)
    expect(user.recommendations).toHaveLength(5)
  })

  it('rejects a --param that is not key=value with a usage error', async () => {
    const bad = await cliIn(STORE, 'runs', 'train', '--dataset', String(ratings), '--model', 'mf', '--param', 'dim')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--param takes key=value \(got "dim"\)/)
  })
})
