/**
 * Handlers for exploring a run: search, similar entities, entity records,
 * maps (projection jobs, live layouts as `projectionProgress` events) and
 * exports (export jobs). The work lives in recommend/, maps/ and export/.
 */
import { ApiError, type MethodName, type Output, type ParsedInput } from '../../shared/api'
import type { ProjectionProgress } from '../../shared/explore'
import { exportInfo } from '../export/info'
import { deleteProjection, getProjectionData, listProjections } from '../store/projections'
import { getRun } from '../store/runs'
import { entityRecord } from '../recommend/record'
import { searchEntities } from '../recommend/search'
import { similarEntities } from '../recommend/similar'
import type { HandlerContext } from './handlers'

type ExploreMethods =
  | 'searchEntities'
  | 'similarEntities'
  | 'entityRecord'
  | 'startProjection'
  | 'listProjections'
  | 'getProjection'
  | 'deleteProjection'
  | 'startExport'
  | 'exportInfo'
type ExploreHandlers = { [K in ExploreMethods & MethodName]: (input: ParsedInput<K>) => Promise<Output<K>> }

export function createExploreHandlers(ctx: HandlerContext): ExploreHandlers {
  const { db, jobs, events } = ctx

  const finishedRun = (id: number) => {
    const run = getRun(db, id)
    if (!run) throw new ApiError({ code: 'not_found', message: `Run ${id} does not exist.` })
    if (run.status !== 'succeeded') throw new ApiError({ code: 'conflict', message: `Run ${id} is ${run.status}: explore a finished run.` })
    return run
  }

  return {
    async searchEntities(q) {
      return searchEntities(db, q)
    },

    async similarEntities(q) {
      finishedRun(q.runId)
      return similarEntities(db, q)
    },

    async entityRecord(q) {
      return entityRecord(db, q.datasetId, q.side, q.index, q.linksLimit)
    },

    async startProjection({ runId, side, params }) {
      const run = finishedRun(runId)
      const job = jobs.start({
        kind: 'project',
        task: 'project',
        title: `${params.method.toUpperCase()} map of “${run.name}” (${side})`,
        params: { runId, side, params },
        hooks: {
          onLive: (live) => {
            const l = live as Omit<ProjectionProgress, 'jobId'>
            events.emit('projectionProgress', { ...l, jobId: job.id })
          },
        },
      })
      return job
    },

    async listProjections({ runId }) {
      return listProjections(db, runId)
    },

    async getProjection({ id }) {
      const data = getProjectionData(db, id)
      if (!data) throw new ApiError({ code: 'not_found', message: `Projection ${id} does not exist.` })
      return data
    },

    async deleteProjection({ id }) {
      if (!deleteProjection(db, id)) throw new ApiError({ code: 'not_found', message: `Projection ${id} does not exist.` })
      return { ok: true as const }
    },

    async startExport(req) {
      const run = finishedRun(req.runId)
      return jobs.start({ kind: 'export', task: 'export', title: `Export “${run.name}” (${req.side}, ${req.format})`, params: req })
    },

    async exportInfo({ runId, side }) {
      finishedRun(runId)
      return exportInfo(db, runId, side, ctx.dataDir)
    },
  }
}
