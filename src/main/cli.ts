/**
 * Command line over the same API as the UI: `npm run cli -- <command>` or the
 * `embedding-workbench` bin. Every call goes through `dispatch`, so input is
 * validated by the contract exactly as for the desktop and headless apps.
 */
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { ApiError, type Input, type MethodName, type Output } from '../shared/api'
import type { BadRowReport, Dataset, ImportSpecInput, Job } from '../shared/schemas'
import { epochsOf, paramsSummary, PRESETS, type PairModelParamsInput, type Run } from '../shared/train'
import { bestPerMetric, comparisonCsv, EVALUATION_METRICS, type Comparison, type ComparisonRow, type Evaluation, type EvaluationMetricKey, type UserView } from '../shared/ratings'
import { createWorkbench, type Workbench } from './app'
import { dispatch } from './api/handlers'
import { resolveDataDir } from './paths'

const HELP = `Embedding Workbench command line

Usage: embedding-workbench [--data-dir DIR] [--json] <command> [options]
       npm run cli -- <command> [options]

Commands:
  info                                 Version and where the data lives
  datasets list                        All datasets with their counts
  datasets show <id>                   One dataset with its statistics
  datasets delete <id>                 Delete a dataset and everything trained on it
  datasets rename <id> <name>          Rename a dataset
  datasets entities <id> [--side left|right] [--query TEXT] [--limit N]
  datasets preview <file> --format F [format options]
  datasets import <file> --format F [--name NAME] [--skip-bad-rows] [format options]
  datasets samples                     Add the sample library and sample ratings

  runs engines                         Training engines on this machine, and what Auto picks
  runs train --dataset ID [--preset tutorial|quick|regression] [hyper-parameters]
             [--engine auto|sparse|tfjs] [--threads N] [--name NAME]
  runs list [--dataset ID]             Runs with their engine, status and final loss/accuracy
  runs show <id>                       One run
  runs metrics <id> [--key loss]       A run's metric series (per-epoch loss by default)
  runs cancel <id>                     Stop a running run (only the process training it can)
  runs resume <id>                     Continue a cancelled or failed run from its checkpoint
  runs rerun <id> [--seed N]           The same configuration with another seed (the split stays)
  runs compare --dataset ID [--split KEY] [--csv]
                                       Rating runs × test metrics on one split (CSV with --csv)
  runs user <run-id> (--key KEY | --index N) [--n 20]
                                       A rating run's view of a user: history and recommendations
  runs delete <id>
  neighbours <run-id> (--key KEY | --index N) [--side left|right] [--k 10]

  explore search <dataset-id> <text> [--side left|right] [--regex] [--label-only] [--limit N]
  explore similar <run-id> (--key KEY | --keys K1,K2,… | --index N[,N…]) [--side S] [--k 10]
             [--metric cosine|euclidean] [--farthest] [--method auto|exact|approximate]
                                       Nearest entities; several give "more like these"
  explore record <dataset-id> (--key KEY | --index N) [--side S] [--limit N]
  maps create <run-id> --method pca|tsne|umap [--side S] [--dims 2|3] [--perplexity 30]
             [--iterations N] [--n-neighbors 15] [--min-dist 0.1] [--metric cosine|euclidean] [--seed N]
  maps list <run-id>
  maps show <projection-id>            The coordinates, one row per entity in index order (TSV; JSON with --json)
  maps delete <projection-id>
  export <run-id> --folder DIR [--side S] [--format projector|word2vec|csv]
             [--columns label,genre,…] [--bytes]
  export info <run-id> [--side S]      Rows, dim, metadata columns, warnings and default folder

Rating models (on a ratings dataset): runs train --dataset ID --model M [--param key=value …]
  M: global-mean, bias-baseline, user-knn, mf, deep-mf, autorec, rbm; keys as in the train form,
  e.g. --param dim=50 --param reg=0.05 --param split=leave-last-out --param testRatio=0.3;
  --epochs, --dim, --learning-rate and --seed work too. Defaults need no tuning.

Hyper-parameters (entity-pairs model): --model-variant classification|regression --dim N
  --n-positive N --negative-ratio N --epochs N --optimizer adam|adagrad|sgd
  --learning-rate X --seed N --init-scale X

Formats and their options:
  pairs-csv   --left-column C --right-column C [--value-column C] [--timestamp-column C]
              [--delimiter auto|,|tab|;|'|'] [--left-label L] [--right-label L]
  wiki-books  [--drop-titles "Wikipedia:"] [--no-lowercase] [--drop-links a,b,…] [--min-link-count 4]
  movielens   [--variant auto|u.data|ratings.csv|ratings.dat] [--items u.item|movies.csv]
              [--test u1.test]   (predefined split: FILE is then the training part, e.g. u1.base)
  metadata    --dataset ID --side left|right --key-column C [--columns a,b] [--label-column C]

Global options:
  --data-dir DIR   where the store lives (default: EW_DATA_DIR, else the OS user-data directory)
  --json           machine-readable output on stdout
  -h, --help       this help
`

const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  format: { type: 'string' },
  name: { type: 'string' },
  'skip-bad-rows': { type: 'boolean', default: false },
  'left-column': { type: 'string' },
  'right-column': { type: 'string' },
  'value-column': { type: 'string' },
  'timestamp-column': { type: 'string' },
  delimiter: { type: 'string' },
  'left-label': { type: 'string' },
  'right-label': { type: 'string' },
  'drop-titles': { type: 'string' },
  'no-lowercase': { type: 'boolean', default: false },
  'drop-links': { type: 'string' },
  'min-link-count': { type: 'string' },
  variant: { type: 'string' },
  items: { type: 'string' },
  test: { type: 'string' },
  dataset: { type: 'string' },
  side: { type: 'string' },
  'key-column': { type: 'string' },
  columns: { type: 'string' },
  'label-column': { type: 'string' },
  query: { type: 'string' },
  limit: { type: 'string' },
  preset: { type: 'string' },
  engine: { type: 'string' },
  threads: { type: 'string' },
  'model-variant': { type: 'string' },
  dim: { type: 'string' },
  'n-positive': { type: 'string' },
  'negative-ratio': { type: 'string' },
  epochs: { type: 'string' },
  optimizer: { type: 'string' },
  'learning-rate': { type: 'string' },
  seed: { type: 'string' },
  'init-scale': { type: 'string' },
  key: { type: 'string' },
  keys: { type: 'string' },
  model: { type: 'string' },
  param: { type: 'string', multiple: true },
  split: { type: 'string' },
  csv: { type: 'boolean', default: false },
  n: { type: 'string' },
  index: { type: 'string' },
  k: { type: 'string' },
  regex: { type: 'boolean', default: false },
  'label-only': { type: 'boolean', default: false },
  metric: { type: 'string' },
  farthest: { type: 'boolean', default: false },
  method: { type: 'string' },
  dims: { type: 'string' },
  perplexity: { type: 'string' },
  iterations: { type: 'string' },
  'n-neighbors': { type: 'string' },
  'min-dist': { type: 'string' },
  folder: { type: 'string' },
  bytes: { type: 'boolean', default: false },
} as const

type Values = ReturnType<typeof parse>['values']
const parse = (argv: string[]) => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })

/** A user mistake on the command line: printed without a stack, exit code 2. */
class UsageError extends Error {}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean)
const int = (s: string | undefined, flag: string): number | undefined => {
  if (s === undefined) return undefined
  const n = Number(s)
  if (!Number.isInteger(n)) throw new UsageError(`--${flag} expects a whole number, got "${s}".`)
  return n
}
const float = (s: string | undefined, flag: string): number | undefined => {
  if (s === undefined) return undefined
  const n = Number(s)
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} expects a number, got "${s}".`)
  return n
}
const delimiter = (s: string | undefined) => (s === 'tab' ? '\t' : s)

function buildSpec(file: string, v: Values): ImportSpecInput {
  const path = resolve(file)
  switch (v.format) {
    case 'pairs-csv':
      return {
        format: 'pairs-csv',
        file: { path },
        leftColumn: v['left-column'] ?? '',
        rightColumn: v['right-column'] ?? '',
        valueColumn: v['value-column'] ?? null,
        timestampColumn: v['timestamp-column'] ?? null,
        ...(v.delimiter ? { delimiter: delimiter(v.delimiter) as never } : {}),
        ...(v['left-label'] ? { leftLabel: v['left-label'] } : {}),
        ...(v['right-label'] ? { rightLabel: v['right-label'] } : {}),
      }
    case 'wiki-books':
      return {
        format: 'wiki-books',
        file: { path },
        ...(v['drop-titles'] !== undefined ? { dropTitlesContaining: list(v['drop-titles']) } : {}),
        ...(v['no-lowercase'] ? { lowercaseLinks: false } : {}),
        ...(v['drop-links'] !== undefined ? { dropLinks: list(v['drop-links']) } : {}),
        ...(v['min-link-count'] !== undefined ? { minLinkCount: int(v['min-link-count'], 'min-link-count') } : {}),
      }
    case 'movielens':
      return {
        format: 'movielens',
        file: { path },
        ...(v.variant ? { variant: v.variant as never } : {}),
        itemsFile: v.items ? { path: resolve(v.items) } : null,
        testPath: v.test ? resolve(v.test) : null,
      }
    case 'metadata':
      return {
        format: 'metadata',
        file: { path },
        datasetId: int(v.dataset, 'dataset') ?? 0,
        side: (v.side ?? 'right') as never,
        keyColumn: v['key-column'] ?? '',
        columns: list(v.columns) ?? null,
        labelColumn: v['label-column'] ?? null,
        ...(v.delimiter ? { delimiter: delimiter(v.delimiter) as never } : {}),
      }
    default:
      throw new UsageError(`--format must be one of pairs-csv, wiki-books, movielens, metadata${v.format ? ` (got "${v.format}")` : ''}.`)
  }
}

/** A rating model's parameters from --model, --param key=value and the common flags; the API's schema validates them. */
function buildRatingParams(v: Values): Record<string, unknown> {
  const params: Record<string, unknown> = { model: v.model }
  const common = { epochs: int(v.epochs, 'epochs'), dim: int(v.dim, 'dim'), learningRate: float(v['learning-rate'], 'learning-rate'), seed: int(v.seed, 'seed') }
  for (const [k, x] of Object.entries(common)) if (x !== undefined) params[k] = x
  for (const pair of v.param ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--param takes key=value (got "${pair}").`)
    const key = pair.slice(0, eq).trim()
    const text = pair.slice(eq + 1).trim()
    params[key] = text === 'true' ? true : text === 'false' ? false : text !== '' && Number.isFinite(Number(text)) && key !== 'hidden' ? Number(text) : text
  }
  return params
}

function buildParams(v: Values): PairModelParamsInput {
  const preset = v.preset ? PRESETS.find((p) => p.id === v.preset) : PRESETS[0]
  if (!preset) throw new UsageError(`--preset must be one of ${PRESETS.map((p) => p.id).join(', ')}.`)
  const given: Partial<PairModelParamsInput> = {
    variant: v['model-variant'] as PairModelParamsInput['variant'],
    dim: int(v.dim, 'dim'),
    nPositive: int(v['n-positive'], 'n-positive'),
    negativeRatio: int(v['negative-ratio'], 'negative-ratio'),
    epochs: int(v.epochs, 'epochs'),
    optimizer: v.optimizer as PairModelParamsInput['optimizer'],
    learningRate: float(v['learning-rate'], 'learning-rate'),
    seed: int(v.seed, 'seed'),
    initScale: float(v['init-scale'], 'init-scale'),
  }
  const defined = Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined))
  return { ...preset.params, ...defined, model: 'entity-pairs' }
}

const secs = (x: number) => (x < 60 ? `${x.toFixed(1)} s` : `${Math.floor(x / 60)} min ${Math.round(x % 60)} s`)
const fixed = (x: number | null, d = 4) => (x === null ? '—' : x.toFixed(d))

function describeRun(r: Run): string {
  const p = r.params
  const engine = r.engine ? `${r.engine.engine}/${r.engine.backend}, ${r.engine.threads} thread${r.engine.threads === 1 ? '' : 's'}` : r.engineChoice
  const rate = r.examplesPerSec ? `, ${Math.round(r.examplesPerSec).toLocaleString('en-US')} ex/s` : ''
  return (
    `#${r.id}  ${r.name}  [${r.status}]  ${paramsSummary(p)}, epoch ${r.epoch}/${epochsOf(p) ?? 1}` +
    `  (${engine})  loss ${fixed(r.finalLoss)}  accuracy ${fixed(r.finalAccuracy)}  ${secs(r.durationSec)}${rate}` +
    (r.evaluation ? `\n    ${describeEvaluation(r.evaluation)}` : '') +
    (r.error ? `\n    ${r.error}` : '')
  )
}

function describeEvaluation(e: Evaluation): string {
  const f = (x: number | null) => (x === null ? '—' : x.toFixed(4))
  return `test (${e.split}, ${num(e.testCount)} ratings): RMSE ${f(e.rmse)}  MAE ${f(e.mae)}  P@${e.k} ${f(e.precision)}  R@${e.k} ${f(e.recall)}  NDCG@${e.k} ${f(e.ndcg)}  HR@${e.k} ${f(e.hitRate)}  AUC ${f(e.auc)}${e.note ? `  (${e.note})` : ''}`
}

function describeComparison(c: Comparison): string {
  if (!c.rows.length) return c.splits.length ? 'No finished rating runs on this split.' : 'No finished rating runs on this dataset yet.'
  const best = bestPerMetric(c.rows)
  const cell = (r: ComparisonRow, key: EvaluationMetricKey) => {
    const x = r.evaluation[key]
    return (x === null ? '—' : x.toFixed(4)) + (best[key] === r.runId ? '*' : ' ')
  }
  const head = ['run', 'model', ...EVALUATION_METRICS.map((m) => m.label.replace('@K', `@${c.rows[0]!.evaluation.k}`)), 'fit s']
  const body = c.rows.map((r) => [`#${r.runId}`, `${r.summary} · seed ${r.seed}`, ...EVALUATION_METRICS.map((m) => cell(r, m.key)), r.evaluation.fitSec.toFixed(2)])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (row: string[]) => row.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')
  const splits = c.splits.map((s) => `${s.key === c.splitKey ? '▸' : ' '} ${s.key}  (${s.label}, ${s.runs} run${s.runs === 1 ? '' : 's'})`)
  return [`Splits:`, ...splits, '', line(head), ...body.map(line), '', '* best in its column'].join('\n')
}

function describeUser(u: UserView): string {
  const history = u.history.slice(0, 15).map((h) => `  ${h.rating.toFixed(1)}  (predicted ${h.predicted.toFixed(2)}, ${h.part})  ${h.item.label}`)
  const recs = u.recommendations.map((r) => {
    const because = r.because.map((b) => `${b.item.label} (${b.rating})`).join('; ')
    return `  ${r.score.toFixed(3)}  ${r.item.label}${r.heldOut !== null ? `  [held out: ${r.heldOut}]` : ''}${because ? `\n         because you rated: ${because}` : ''}`
  })
  return [`${u.user.label}: ${u.history.length} ratings`, ...history, u.history.length > 15 ? `  … ${u.history.length - 15} more` : '', 'Recommended:', ...recs].filter(Boolean).join('\n')
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 3 : 2)}%`
const num = (x: number) => x.toLocaleString('en-US')

function describeDataset(d: Dataset): string {
  const s = d.stats
  const counts = s
    ? `${num(s.left.count)} ${d.leftLabel}, ${num(s.right.count)} ${d.rightLabel}, ${num(s.interactions)} interactions, density ${pct(s.density)}`
    : d.status === 'failed'
      ? `failed: ${d.error ?? ''}`
      : d.status
  return `#${d.id}  ${d.name}  [${d.kind}, ${d.status}]  ${counts}`
}

function describeBadRows(r: BadRowReport): string {
  const lines = r.first.map((b) => `  line ${b.line}: ${b.message}${b.text ? `\n      ${b.text}` : ''}`)
  const more = r.total > r.first.length ? `\n  … and ${num(r.total - r.first.length)} more` : ''
  return `${num(r.total)} bad rows in ${r.file}:\n${lines.join('\n')}${more}`
}

class Cli {
  constructor(
    private readonly wb: Workbench,
    private readonly json: boolean,
  ) {}

  call<K extends MethodName>(name: K, input: Input<K>): Promise<Output<K>> {
    return dispatch(this.wb.handlers, name, input) as Promise<Output<K>>
  }

  print(value: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`)
  }

  /** Follow a job to its end, with a progress line on stderr when it is a terminal. */
  async follow(job: Job): Promise<Job> {
    const tty = process.stderr.isTTY && !this.json
    const off = this.wb.events.on((event, payload) => {
      if (!tty || event !== 'jobUpdate' || (payload as Job).id !== job.id) return
      const p = (payload as Job).progress
      const frac = p.total ? ` ${Math.floor((100 * p.done) / p.total)}%` : ''
      process.stderr.write(`\r${job.title}:${frac} ${p.message}`.padEnd(80).slice(0, 100))
    })
    const cancel = () => this.wb.jobs.cancel(job.id)
    process.once('SIGINT', cancel)
    const done = await this.wb.jobs.wait(job.id)
    process.removeListener('SIGINT', cancel)
    off()
    if (tty) process.stderr.write('\n')
    return done
  }

  async finishImport(job: Job): Promise<number> {
    const done = await this.follow(job)
    if (done.status !== 'succeeded') {
      if (this.json) this.print(done, () => '')
      else if (done.error?.badRows) {
        process.stderr.write(`Import failed: ${describeBadRows(done.error.badRows)}\nNothing was imported. Re-run with --skip-bad-rows to import the other rows.\n`)
      } else process.stderr.write(`Import ${done.status}: ${done.error?.message ?? ''}\n`)
      return 1
    }
    const id = done.result?.datasetId as number | undefined
    const ids = (done.result?.datasetIds as number[] | undefined) ?? (id ? [id] : [])
    const datasets = await Promise.all(ids.map((x) => this.call('getDataset', { id: x })))
    this.print(datasets.length === 1 ? datasets[0] : datasets, () => datasets.map(describeDataset).join('\n'))
    return 0
  }

  async run(positionals: string[], v: Values): Promise<number> {
    const [group, command, ...rest] = positionals
    if (group === 'info') {
      const info = await this.call('appInfo', {})
      this.print(info, () => `${info.name} ${info.version}\ndata: ${info.dataDir}\ndatabase: ${info.databasePath}`)
      return 0
    }
    if (group === 'runs') return this.runs(command, rest, v)
    if (group === 'explore') return this.explore(command, rest, v)
    if (group === 'maps') return this.maps(command, rest, v)
    if (group === 'export') return this.exportRun([command, ...rest].filter((x): x is string => !!x), v)
    if (group === 'neighbours' || group === 'neighbors') return this.neighbours([command, ...rest].filter((x): x is string => !!x), v)
    if (group !== 'datasets') throw new UsageError(group ? `Unknown command "${group}".` : 'No command given.')
    const needId = () => {
      const id = int(rest[0], 'id')
      if (id === undefined) throw new UsageError(`datasets ${command} needs a dataset id.`)
      return id
    }
    const needFile = () => {
      if (!rest[0]) throw new UsageError(`datasets ${command} needs a file.`)
      return rest[0]
    }
    switch (command) {
      case 'list': {
        const all = await this.call('listDatasets', {})
        this.print(all, () => (all.length ? all.map(describeDataset).join('\n') : 'No datasets yet.'))
        return 0
      }
      case 'show': {
        const d = await this.call('getDataset', { id: needId() })
        this.print(d, () => {
          const s = d.stats
          if (!s) return describeDataset(d)
          const top = s.topRight.slice(0, 10).map((t) => `    ${num(t.count).padStart(8)}  ${t.label}`)
          return [
            describeDataset(d),
            `  source: ${d.source}`,
            `  distinct pairs: ${num(s.distinctPairs)}; skipped rows: ${num(s.skippedRows)}`,
            `  ${d.leftLabel} degree: mean ${s.left.degree.mean.toFixed(2)}, median ${s.left.degree.median}, max ${s.left.degree.max}`,
            `  ${d.rightLabel} degree: mean ${s.right.degree.mean.toFixed(2)}, median ${s.right.degree.median}, max ${s.right.degree.max}`,
            `  most linked ${d.rightLabel}:`,
            ...top,
          ].join('\n')
        })
        return 0
      }
      case 'delete': {
        const id = needId()
        const r = await this.call('deleteDataset', { id })
        this.print({ ...r, id }, () => `Deleted dataset ${id}.`)
        return 0
      }
      case 'rename': {
        const id = needId()
        const d = await this.call('renameDataset', { id, name: rest.slice(1).join(' ') })
        this.print(d, () => describeDataset(d))
        return 0
      }
      case 'entities': {
        const r = await this.call('listEntities', {
          datasetId: needId(),
          side: (v.side ?? 'left') as never,
          query: v.query ?? '',
          limit: int(v.limit, 'limit') ?? 20,
        })
        this.print(r, () => [`${num(r.total)} matching`, ...r.items.map((e) => `  ${String(e.index).padStart(6)}  ${num(e.frequency).padStart(7)}  ${e.label}`)].join('\n'))
        return 0
      }
      case 'preview': {
        const p = await this.call('previewImport', { spec: buildSpec(needFile(), v) as never })
        this.print(p, () => [p.columns.join(' | '), ...p.rows.map((r) => r.join(' | ')), ...p.notes, ...(p.badRows.total ? [describeBadRows(p.badRows)] : [])].join('\n'))
        return 0
      }
      case 'import': {
        const job = await this.call('startImport', {
          spec: buildSpec(needFile(), v) as never,
          name: v.name ?? null,
          badRows: v['skip-bad-rows'] ? 'skip' : 'abort',
        })
        return this.finishImport(job)
      }
      case 'samples':
        return this.finishImport(await this.call('addSampleDatasets', {}))
      default:
        throw new UsageError(command ? `Unknown command "datasets ${command}".` : 'datasets needs a command: list, show, delete, rename, entities, preview, import, samples.')
    }
  }

  /** Follow a training run to its end, a line per epoch on stderr. */
  async followRun(run: Run): Promise<number> {
    let printed = 0
    const off = this.wb.events.on((event, payload) => {
      if (event !== 'runUpdate' || this.json) return
      const r = payload as Run
      if (r.id === run.id && r.status === 'running' && r.epoch > printed) {
        printed = r.epoch
        process.stderr.write(`epoch ${r.epoch}/${epochsOf(r.params) ?? 1}: loss ${fixed(r.finalLoss)}, accuracy ${fixed(r.finalAccuracy)}, ${Math.round(r.examplesPerSec ?? 0).toLocaleString('en-US')} examples/s\n`)
      }
    })
    const job = await this.follow(this.wb.jobs.get(run.jobId!)!)
    off()
    const done = await this.call('getRun', { id: run.id })
    this.print(done, () => describeRun(done))
    return job.status === 'succeeded' ? 0 : 1
  }

  async runs(command: string | undefined, rest: string[], v: Values): Promise<number> {
    switch (command) {
      case 'engines': {
        const e = await this.call('trainEngines', {})
        this.print(e, () => [...e.options.map((o) => `${o.engine.padEnd(7)} ${o.available ? 'available' : 'unavailable'}  ${o.backend}: ${o.reason}`), `Auto → ${e.auto.engine}: ${e.auto.reason}`].join('\n'))
        return 0
      }
      case 'train': {
        const datasetId = int(v.dataset, 'dataset')
        if (datasetId === undefined) throw new UsageError('runs train needs --dataset ID (see datasets list).')
        const run = await this.call('startRun', {
          datasetId,
          params: (v.model && v.model !== 'entity-pairs' ? buildRatingParams(v) : buildParams(v)) as never,
          engine: (v.engine ?? 'auto') as never,
          threads: int(v.threads, 'threads') ?? 0,
          name: v.name ?? null,
        })
        return this.followRun(run)
      }
      case 'list': {
        const all = await this.call('listRuns', { datasetId: int(v.dataset, 'dataset') ?? null })
        this.print(all, () => (all.length ? all.map(describeRun).join('\n') : 'No runs yet.'))
        return 0
      }
      case 'show': {
        const r = await this.call('getRun', { id: idArg(rest[0], 'runs show') })
        this.print(r, () => [describeRun(r), `  params: ${JSON.stringify(r.params)}`, r.engine ? `  engine: ${JSON.stringify(r.engine)}` : ''].filter(Boolean).join('\n'))
        return 0
      }
      case 'metrics': {
        const id = idArg(rest[0], 'runs metrics')
        const key = v.key ?? 'loss'
        const [m] = await this.call('getRunMetrics', { ids: [id], keys: [key] })
        const series = m!.series[key]
        this.print(m, () => (series ? series.value.map((x, i) => `${series.epoch[i]!.toFixed(3)}\t${series.step[i]}\t${x}`).join('\n') : `No "${key}" metric.`))
        return 0
      }
      case 'cancel': {
        const id = idArg(rest[0], 'runs cancel')
        const r = await this.call('cancelRun', { id })
        if (r.status === 'running' || r.status === 'queued') {
          // The run's job belongs to another process (the app, or a `runs train` elsewhere): this one cannot stop it.
          throw new ApiError({ code: 'conflict', message: `Run ${id} is ${r.status} in another process (the app or another command line); stop it there (Ctrl+C for runs train).` })
        }
        this.print(r, () => describeRun(r))
        return 0
      }
      case 'resume':
        return this.followRun(await this.call('resumeRun', { id: idArg(rest[0], 'runs resume') }))
      case 'rerun':
        return this.followRun(await this.call('rerunRun', { id: idArg(rest[0], 'runs rerun'), seed: int(v.seed, 'seed') ?? null }))
      case 'compare': {
        const datasetId = int(v.dataset, 'dataset')
        if (datasetId === undefined) throw new UsageError('runs compare needs --dataset ID.')
        const c = await this.call('compareRuns', { datasetId, splitKey: v.split ?? null })
        if (v.csv && !this.json) {
          process.stdout.write(comparisonCsv(c.rows))
          return 0
        }
        this.print(c, () => describeComparison(c))
        return 0
      }
      case 'user': {
        const runId = idArg(rest[0], 'runs user')
        const run = await this.call('getRun', { id: runId })
        const user = await this.entityIndex(run.datasetId, 'left', v, 'runs user')
        const u = await this.call('userRecommendations', { runId, user, n: int(v.n, 'n') ?? 20 })
        this.print(u, () => describeUser(u))
        return 0
      }
      case 'delete': {
        const id = idArg(rest[0], 'runs delete')
        const r = await this.call('deleteRun', { id })
        this.print({ ...r, id }, () => `Deleted run ${id}.`)
        return 0
      }
      default:
        throw new UsageError(command ? `Unknown command "runs ${command}".` : 'runs needs a command: engines, train, list, show, metrics, cancel, resume, rerun, compare, user, delete.')
    }
  }

  /** The entity given by --index N or --key KEY (exact key, else case-insensitive). */
  async entityIndex(datasetId: number, side: 'left' | 'right', v: Values, what: string): Promise<number> {
    const index = int(v.index, 'index')
    if (index !== undefined) return index
    if (!v.key) throw new UsageError(`${what} needs --key KEY or --index N.`)
    return this.keyIndex(datasetId, side, v.key)
  }

  /** An entity's index from its key: exact, else case-insensitive. */
  async keyIndex(datasetId: number, side: 'left' | 'right', key: string): Promise<number> {
    const found = await this.call('listEntities', { datasetId, side, query: key, limit: 1000 })
    const exact = found.items.find((e) => e.key === key) ?? found.items.find((e) => e.key.toLowerCase() === key.toLowerCase())
    if (!exact) throw new UsageError(`No ${side} entity with key "${key}"${found.total ? ` (${found.total} contain it, e.g. "${found.items[0]!.key}")` : ''}.`)
    return exact.index
  }

  async explore(command: string | undefined, rest: string[], v: Values): Promise<number> {
    const side = (v.side ?? 'left') as 'left' | 'right'
    switch (command) {
      case 'search': {
        const datasetId = idArg(rest[0], 'explore search')
        const r = await this.call('searchEntities', {
          datasetId,
          side,
          query: rest.slice(1).join(' '),
          mode: v.regex ? 'regex' : 'substring',
          fields: v['label-only'] ? 'label' : 'all',
          limit: int(v.limit, 'limit') ?? 20,
        })
        this.print(r, () => [`${num(r.total)} matching (${r.tookMs.toFixed(1)} ms)`, ...r.items.map((e) => `  ${String(e.index).padStart(6)}  ${e.label}`)].join('\n'))
        return 0
      }
      case 'similar': {
        const runId = idArg(rest[0], 'explore similar')
        const run = await this.call('getRun', { id: runId })
        const keys = list(v.keys)
        if (v.keys !== undefined && !keys?.length) throw new UsageError('--keys expects KEY1,KEY2,… (comma-separated keys).')
        const indices = v.index
          ? v.index.split(',').map((x) => int(x.trim(), 'index')!)
          : keys
            ? await Promise.all(keys.map((key) => this.keyIndex(run.datasetId, side, key)))
            : [await this.entityIndex(run.datasetId, side, v, 'explore similar')]
        const r = await this.call('similarEntities', {
          runId,
          side,
          indices,
          k: int(v.k, 'k') ?? 10,
          metric: (v.metric ?? 'cosine') as never,
          direction: v.farthest ? 'farthest' : 'nearest',
          method: (v.method ?? 'auto') as never,
        })
        this.print(r, () =>
          [
            `${r.scoreName} (${r.method}, ${r.tookMs.toFixed(1)} ms); shared = how many of the query's ${num(r.queryLinks)} links each one shares:`,
            ...r.items.map((x) => `  ${x.score.toFixed(4)}  shared ${String(x.overlap).padStart(4)}  ${x.entity.label}`),
          ].join('\n'),
        )
        return 0
      }
      case 'record': {
        const datasetId = idArg(rest[0], 'explore record')
        const r = await this.call('entityRecord', { datasetId, side, index: await this.entityIndex(datasetId, side, v, 'explore record'), linksLimit: int(v.limit, 'limit') ?? 20 })
        this.print(r, () =>
          [
            `${r.entity.label}  (key ${r.entity.key}, degree ${r.degree})`,
            ...Object.entries(r.entity.metadata).map(([k, x]) => `  ${k}: ${x}`),
            `  links (${num(r.linksTotal)}): ${r.links.map((e) => e.label).join(', ')}`,
          ].join('\n'),
        )
        return 0
      }
      default:
        throw new UsageError(command ? `Unknown command "explore ${command}".` : 'explore needs a command: search, similar, record.')
    }
  }

  async maps(command: string | undefined, rest: string[], v: Values): Promise<number> {
    switch (command) {
      case 'create': {
        const runId = idArg(rest[0], 'maps create')
        if (!v.method) throw new UsageError('maps create needs --method pca|tsne|umap.')
        const given = {
          method: v.method,
          dims: int(v.dims, 'dims'),
          metric: v.metric,
          perplexity: float(v.perplexity, 'perplexity'),
          iterations: int(v.iterations, 'iterations'),
          nNeighbors: int(v['n-neighbors'], 'n-neighbors'),
          minDist: float(v['min-dist'], 'min-dist'),
          seed: int(v.seed, 'seed'),
        }
        const params = Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined))
        const job = await this.call('startProjection', { runId, side: (v.side ?? 'left') as never, params: params as never })
        const done = await this.follow(job)
        if (done.status !== 'succeeded') {
          process.stderr.write(`Map ${done.status}: ${done.error?.message ?? ''}\n`)
          return 1
        }
        const list = await this.call('listProjections', { runId })
        const made = list.find((p) => p.id === done.result?.projectionId) ?? list[0]!
        this.print(made, () => `Map #${made.id}: ${made.method} of ${num(made.rows)} points in ${made.seconds.toFixed(1)} s`)
        return 0
      }
      case 'list': {
        const list = await this.call('listProjections', { runId: idArg(rest[0], 'maps list') })
        this.print(list, () => (list.length ? list.map((p) => `#${p.id}  ${p.method} ${p.dims}-D  ${p.side}  ${num(p.rows)} points  ${p.seconds.toFixed(1)} s  ${p.createdAt}`).join('\n') : 'No maps yet.'))
        return 0
      }
      case 'show': {
        const data = await this.call('getProjection', { id: idArg(rest[0], 'maps show') })
        const p = data.projection
        this.print(data, () => {
          const lines: string[] = []
          for (let i = 0; i < p.rows; i++) lines.push(data.coords.slice(i * p.dims, (i + 1) * p.dims).join('\t'))
          return lines.join('\n')
        })
        return 0
      }
      case 'delete': {
        const id = idArg(rest[0], 'maps delete')
        const r = await this.call('deleteProjection', { id })
        this.print({ ...r, id }, () => `Deleted map ${id}.`)
        return 0
      }
      default:
        throw new UsageError(command ? `Unknown command "maps ${command}".` : 'maps needs a command: create, list, show, delete.')
    }
  }

  async exportRun(rest: string[], v: Values): Promise<number> {
    if (rest[0] === 'info') {
      const info = await this.call('exportInfo', { runId: idArg(rest[1], 'export info'), side: (v.side ?? 'left') as never })
      this.print(info, () =>
        [
          `${num(info.rows)} rows × ${info.dim} dimensions`,
          `columns: ${info.columns.join(', ')}`,
          `default folder: ${info.defaultFolder}`,
          ...info.warnings.map((w) => `Warning: ${w}`),
        ].join('\n'),
      )
      return 0
    }
    const runId = idArg(rest[0], 'export')
    if (!v.folder) throw new UsageError('export needs --folder DIR.')
    const job = await this.call('startExport', {
      runId,
      side: (v.side ?? 'left') as never,
      format: (v.format ?? 'projector') as never,
      folder: resolve(v.folder),
      columns: list(v.columns) ?? ['label'],
      tensorsBytes: v.bytes,
    })
    const done = await this.follow(job)
    if (done.status !== 'succeeded') {
      process.stderr.write(`Export ${done.status}: ${done.error?.message ?? ''}\n`)
      return 1
    }
    const r = done.result as { folder: string; files: string[]; warnings: string[] }
    this.print(r, () => [`Wrote ${r.files.join(', ')} to ${r.folder}`, ...r.warnings.map((w) => `Warning: ${w}`)].join('\n'))
    return 0
  }

  async neighbours(rest: string[], v: Values): Promise<number> {
    const runId = idArg(rest[0], 'neighbours')
    const side = (v.side ?? 'left') as 'left' | 'right'
    const run = await this.call('getRun', { id: runId })
    const index = await this.entityIndex(run.datasetId, side, v, 'neighbours')
    const n = await this.call('neighbours', { runId, side, index, k: int(v.k, 'k') ?? 10 })
    this.print(n, () => [`Nearest to ${n.query.label}:`, ...n.items.map((x) => `  ${x.score.toFixed(4)}  ${x.entity.label}`)].join('\n'))
    return 0
  }
}

const idArg = (x: string | undefined, what: string): number => {
  const id = int(x, 'id')
  if (id === undefined) throw new UsageError(`${what} needs an id.`)
  return id
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`)
    return 2
  }
  const { values: v, positionals } = parsed
  if (v.help || positionals.length === 0) {
    process.stdout.write(HELP)
    return positionals.length === 0 && !v.help ? 2 : 0
  }
  const dataDir = v['data-dir'] ? resolve(v['data-dir']) : resolveDataDir([])
  let wb: Workbench | null = null
  try {
    wb = createWorkbench({ dataDir, samples: false })
    return await new Cli(wb, v.json).run(positionals, v)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\nRun with --help for usage.\n`)
      return 2
    }
    const e = ApiError.from(err)
    if (v.json) process.stdout.write(`${JSON.stringify({ error: e.toBody() }, null, 2)}\n`)
    else process.stderr.write(`Error: ${e.message}\n`)
    return 1
  } finally {
    wb?.close()
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code))
}
