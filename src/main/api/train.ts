/**
 * Handlers for training: runs are records in the store, executed by `train`
 * jobs in worker processes; live curves are forwarded as `runProgress`
 * events, run records as `runUpdate`.
 */
import { ApiError, type MethodName, type Output, type ParsedInput } from '../../shared/api'
import { isRatingModel, RATING_MODEL_LABELS, ratingEngines, type RatingModelParams } from '../../shared/ratings'
import { paramsSummary, type LiveProgress } from '../../shared/train'
import { ratingRunProblem } from './ratings'
import * as store from '../store/datasets'
import * as runs from '../store/runs'
import { engineOptions, resolveEngine } from '../train/engines'
import { similarEntities } from '../recommend/similar'
import { forgetRun } from '../recommend/cache'
import type { HandlerContext } from './handlers'

type TrainMethods =
  | 'trainEngines'
  | 'startRun'
  | 'listRuns'
  | 'getRun'
  | 'deleteRun'
  | 'cancelRun'
  | 'resumeRun'
  | 'getRunMetrics'
  | 'neighbours'
  | 'rerunRun'
type TrainHandlers = { [K in TrainMethods & MethodName]: (input: ParsedInput<K>) => Promise<Output<K>> }

export function createTrainHandlers(ctx: HandlerContext): TrainHandlers {
  const { db, jobs, events } = ctx
  let options: ReturnType<typeof engineOptions> | null = null

  const requireRun = (id: number) => {
    const run = runs.getRun(db, id)
    if (!run) throw new ApiError({ code: 'not_found', message: `Run ${id} does not exist.` })
    return run
  }
  const announce = (id: number) => {
    const run = runs.getRun(db, id)
    if (run) events.emit('runUpdate', run)
  }

  async function launch(runId: number): Promise<void> {
    const run = requireRun(runId)
    const engine = await resolveEngine(run.engineChoice)
    let announced = false
    const job = jobs.start({
      kind: 'train',
      task: 'train',
      title: `Train “${run.name}”`,
      params: { runId, engine },
      hooks: {
        onLive: (live) => {
          const l = live as LiveProgress
          events.emit('runProgress', l)
          // The record changes when the worker starts and at each epoch's end.
          if (!announced || l.points.some((p) => p.key === 'loss')) {
            announced = true
            announce(runId)
          }
        },
        cleanup: (j) => runs.finishRun(db, runId, j.status === 'cancelled' ? 'cancelled' : 'failed', j.status === 'cancelled' ? null : (j.error?.message ?? 'The run failed.')),
        onEnd: () => announce(runId),
      },
    })
    runs.assignJob(db, runId, job.id)
    announce(runId)
  }

  return {
    async trainEngines() {
      options ??= engineOptions()
      return options
    },

    async startRun(config) {
      const dataset = store.getDataset(db, config.datasetId)
      if (!dataset) throw new ApiError({ code: 'not_found', message: `Dataset ${config.datasetId} does not exist.` })
      if (dataset.status !== 'ready') throw new ApiError({ code: 'conflict', message: `Dataset “${dataset.name}” is ${dataset.status}, not ready.` })
      const p = config.params
      if (isRatingModel(p.model)) {
        const problem = ratingRunProblem(dataset, p as RatingModelParams)
        if (problem) throw new ApiError({ code: 'invalid_request', message: problem })
        const engines = ratingEngines(p.model)
        if (config.engine !== 'auto' && !engines.includes(config.engine)) {
          throw new ApiError({ code: 'invalid_request', message: `${RATING_MODEL_LABELS[p.model]} trains on the ${engines.join(' or ')} engine, not ${config.engine}.` })
        }
      }
      const name = config.name || `${dataset.name} · ${paramsSummary(p)}`
      const id = runs.createRun(db, { datasetId: dataset.id, name, params: p, engineChoice: config.engine, threads: config.threads })
      await launch(id)
      return requireRun(id)
    },

    async rerunRun({ id, seed }) {
      const run = requireRun(id)
      const taken = new Set(runs.listRuns(db, run.datasetId).map((r) => r.params.seed))
      let next = seed ?? run.params.seed + 1
      if (seed === null) while (taken.has(next)) next++
      const params = { ...run.params, seed: next }
      const name = `${run.name.replace(/ · seed \d+$/, '')} · seed ${next}`
      const newId = runs.createRun(db, { datasetId: run.datasetId, name, params, engineChoice: run.engineChoice, threads: run.threads })
      await launch(newId)
      return requireRun(newId)
    },

    async listRuns({ datasetId }) {
      return runs.listRuns(db, datasetId)
    },

    async getRun({ id }) {
      return requireRun(id)
    },

    async deleteRun({ id }) {
      const run = requireRun(id)
      if (run.jobId) jobs.cancel(run.jobId)
      runs.deleteRun(db, id)
      forgetRun(id)
      return { ok: true as const }
    },

    async cancelRun({ id }) {
      const run = requireRun(id)
      if (!run.jobId || (run.status !== 'running' && run.status !== 'queued')) {
        throw new ApiError({ code: 'conflict', message: `Run ${id} is ${run.status}; only a running run can be cancelled.` })
      }
      jobs.cancel(run.jobId)
      return requireRun(id)
    },

    async resumeRun({ id }) {
      const run = requireRun(id)
      if (run.status !== 'cancelled' && run.status !== 'failed') {
        throw new ApiError({ code: 'conflict', message: `Run ${id} is ${run.status}; only a cancelled or failed run can be resumed.` })
      }
      await launch(id)
      return requireRun(id)
    },

    async getRunMetrics({ ids, keys }) {
      return ids.map((id) => {
        requireRun(id)
        return { runId: id, series: runs.readMetrics(db, id, keys) }
      })
    },

    async neighbours({ runId, side, index, k }) {
      const run = requireRun(runId)
      if (run.status !== 'succeeded') throw new ApiError({ code: 'conflict', message: `Run ${runId} is ${run.status}: it has no trained embeddings yet.` })
      const similar = similarEntities(db, { runId, side, indices: [index], k, metric: 'cosine', direction: 'nearest', method: 'exact' })
      return { query: store.getEntity(db, run.datasetId, side, index), items: similar.items }
    },
  }
}
