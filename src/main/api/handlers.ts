/**
 * One handler per method of the contract. Every transport (IPC, HTTP,
 * in-memory, CLI) calls `dispatch`, which validates the payload with the
 * contract's schema before a handler sees it.
 */
import { version } from '../../../package.json'
import { ApiError, parseInput, type MethodName, type Output, type ParsedInput } from '../../shared/api'
import type { Job } from '../../shared/schemas'
import type { EventBus } from '../app'
import type { JobManager } from '../jobs/manager'
import type { Db } from '../store/db'
import * as store from '../store/datasets'
import { listRuns } from '../store/runs'
import { forgetDataset } from '../recommend/cache'
import { previewImport, importTitle } from '../data/preview'
import { presentSamples, SAMPLE_NAMES } from '../data/tasks'
import { APP_NAME } from '../paths'
import { createTrainHandlers } from './train'
import { createExploreHandlers } from './explore'
import { createRatingHandlers } from './ratings'
import { createDialogHandlers } from './dialogs'

export type Handlers = { [K in MethodName]: (input: ParsedInput<K>) => Promise<Output<K>> }

export interface HandlerContext {
  db: Db
  jobs: JobManager
  events: EventBus
  dataDir: string
  dbPath: string
  runtime: 'electron' | 'node'
}

const notFound = (what: string): ApiError => new ApiError({ code: 'not_found', message: `${what} does not exist.` })

export function createHandlers(ctx: HandlerContext): Handlers {
  const { db, jobs, events } = ctx
  const datasetsChanged = (...ids: number[]) => events.emit('datasetsChanged', { ids })

  function requireDataset(id: number) {
    const d = store.getDataset(db, id)
    if (!d) throw notFound(`Dataset ${id}`)
    return d
  }

  /** After an import job that did not succeed: nothing half-imported may remain ready. */
  function cleanupImport(job: Job, context: Record<string, number>, createdHere: boolean): void {
    const id = context.datasetId
    if (id === undefined || !createdHere) return
    if (job.status === 'cancelled' || job.error?.code === 'bad_rows') store.deleteDataset(db, id)
    else store.markFailed(db, id, job.error?.message ?? 'The import failed.')
    datasetsChanged(id)
  }

  function watch(job: Job): Job {
    void jobs.wait(job.id).then((done) => {
      const ids = [done.result?.datasetId, ...((done.result?.datasetIds as number[] | undefined) ?? [])]
      const changed = ids.filter((x): x is number => typeof x === 'number')
      if (changed.length) datasetsChanged(...changed)
    })
    return job
  }

  return {
    async appInfo() {
      return {
        name: APP_NAME,
        version,
        dataDir: ctx.dataDir,
        databasePath: ctx.dbPath,
        runtime: ctx.runtime,
        versions: Object.fromEntries(
          Object.entries(process.versions).filter(([k]) => ['node', 'electron', 'chrome', 'v8', 'sqlite'].includes(k)),
        ) as Record<string, string>,
      }
    },

    async listDatasets() {
      return store.listDatasets(db)
    },

    async getDataset({ id }) {
      return requireDataset(id)
    },

    async deleteDataset({ id }) {
      const d = requireDataset(id)
      if (d.status === 'importing' && jobs.runningContext('datasetId').has(id)) {
        throw new ApiError({ code: 'conflict', message: `Dataset ${id} is still importing: cancel the import first.` })
      }
      const training = listRuns(db, id).filter((r) => r.status === 'running' || r.status === 'queued')
      if (training.length) {
        throw new ApiError({ code: 'conflict', message: `Dataset ${id} has ${training.length} run(s) training (${training.map((r) => `#${r.id}`).join(', ')}): cancel them first.` })
      }
      store.deleteDataset(db, id)
      forgetDataset(id)
      datasetsChanged(id)
      return { ok: true as const }
    },

    async renameDataset({ id, name }) {
      requireDataset(id)
      store.renameDataset(db, id, name)
      datasetsChanged(id)
      return requireDataset(id)
    },

    async listEntities(q) {
      requireDataset(q.datasetId)
      return store.queryEntities(db, q)
    },

    async previewImport({ spec }) {
      if (spec.format === 'metadata') requireDataset(spec.datasetId)
      return previewImport(spec)
    },

    async startImport(input) {
      const createsDataset = input.spec.format !== 'metadata'
      if (input.spec.format === 'metadata') {
        const target = requireDataset(input.spec.datasetId)
        if (target.status !== 'ready') {
          throw new ApiError({ code: 'conflict', message: `Dataset ${target.id} is ${target.status}; metadata can only be joined to a ready dataset.` })
        }
      }
      const job = jobs.start({
        kind: 'import',
        task: 'import',
        title: importTitle(input.spec, input.name),
        params: input,
        hooks: { cleanup: (j, c) => cleanupImport(j, c, createsDataset) },
      })
      return watch(job)
    },

    async addSampleDatasets() {
      const present = presentSamples(store.listDatasets(db))
      const only = SAMPLE_NAMES.filter((n) => !present.has(n))
      if (only.length === 0) throw new ApiError({ code: 'conflict', message: 'The sample datasets are already here.' })
      const job = jobs.start({
        kind: 'samples',
        task: 'samples',
        title: only.length === SAMPLE_NAMES.length ? 'Add sample datasets' : `Add the sample ${only.join(' and ')}`,
        params: { only },
        hooks: { cleanup: (j, c) => cleanupImport(j, c, true) },
      })
      return watch(job)
    },

    async listJobs() {
      return jobs.list()
    },

    async cancelJob({ id }) {
      const job = jobs.cancel(id)
      if (!job) throw notFound(`Job ${id}`)
      return job
    },

    ...createTrainHandlers(ctx),
    ...createExploreHandlers(ctx),
    ...createRatingHandlers(ctx),
    // Native dialogs: an error in headless mode; src/main/index.ts installs Electron's.
    ...createDialogHandlers(ctx),
  }
}

/** Validate and run one call: the single entry point of every transport. */
export async function dispatch(handlers: Handlers, name: string, raw: unknown): Promise<unknown> {
  if (!Object.prototype.hasOwnProperty.call(handlers, name)) {
    throw new ApiError({ code: 'not_found', message: `Unknown API method "${name}".` })
  }
  const method = name as MethodName
  const input = parseInput(method, raw)
  const handler = handlers[method] as (input: unknown) => Promise<unknown>
  return handler(input)
}
