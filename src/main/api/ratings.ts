/**
 * Handlers for rating runs: the comparison table of a dataset's runs on one
 * split, and the user view of a finished run.
 */
import { ApiError, type MethodName, type Output, type ParsedInput } from '../../shared/api'
import { describeSplit, isRatingModel, needsRatings, type ComparisonRow, type RatingModelParams, type SplitSummary } from '../../shared/ratings'
import { paramsSummary } from '../../shared/train'
import type { Dataset } from '../../shared/schemas'
import { getDataset } from '../store/datasets'
import { getRun, listRuns } from '../store/runs'
import { userView } from '../ratings/user-view'
import type { HandlerContext } from './handlers'

type RatingMethods = 'compareRuns' | 'userRecommendations'
type RatingHandlers = { [K in RatingMethods & MethodName]: (input: ParsedInput<K>) => Promise<Output<K>> }

export function createRatingHandlers(ctx: HandlerContext): RatingHandlers {
  const { db } = ctx
  return {
    async compareRuns({ datasetId, splitKey }) {
      if (!getDataset(db, datasetId)) throw new ApiError({ code: 'not_found', message: `Dataset ${datasetId} does not exist.` })
      const finished = listRuns(db, datasetId).filter((r) => r.status === 'succeeded' && r.evaluation && isRatingModel(r.params.model))
      const splits = new Map<string, SplitSummary>()
      for (const r of finished) {
        const e = r.evaluation!
        const s = splits.get(e.splitKey) ?? { key: e.splitKey, label: e.split, runs: 0 }
        s.runs++
        splits.set(e.splitKey, s)
      }
      const list = [...splits.values()].sort((a, b) => b.runs - a.runs || a.key.localeCompare(b.key))
      const key = splitKey ?? list[0]?.key ?? null
      if (splitKey && !splits.has(splitKey)) {
        throw new ApiError({ code: 'not_found', message: `No finished rating run of dataset ${datasetId} used the split “${splitKey}”. Splits with runs: ${list.map((s) => s.key).join(', ') || 'none'}.` })
      }
      const rows: ComparisonRow[] = finished
        .filter((r) => r.evaluation!.splitKey === key)
        .map((r) => ({
          runId: r.id,
          name: r.name,
          model: r.params.model,
          summary: paramsSummary(r.params),
          seed: r.params.seed,
          engine: r.engine ? `${r.engine.engine}/${r.engine.backend}` : r.engineChoice,
          durationSec: r.durationSec,
          evaluation: r.evaluation!,
        }))
        .sort((a, b) => (a.evaluation.rmse ?? Infinity) - (b.evaluation.rmse ?? Infinity) || a.runId - b.runId)
      return { splits: list, splitKey: key, rows }
    },

    async userRecommendations({ runId, user, n, because }) {
      const run = getRun(db, runId)
      if (!run) throw new ApiError({ code: 'not_found', message: `Run ${runId} does not exist.` })
      if (!isRatingModel(run.params.model)) throw new ApiError({ code: 'invalid_request', message: `Run ${runId} trains the ${run.params.model} model: the user view needs a rating model.` })
      if (run.status !== 'succeeded') throw new ApiError({ code: 'conflict', message: `Run ${runId} is ${run.status}: open the user view of a finished run.` })
      try {
        return await userView(db, run, { user, n, because })
      } catch (e) {
        if (e instanceof RangeError) throw new ApiError({ code: 'invalid_request', message: e.message })
        throw e
      }
    },
  }
}

/** Why a rating model cannot run on this dataset with these parameters, or null. Checked before a run is created. */
export function ratingRunProblem(dataset: Dataset, params: RatingModelParams): string | null {
  if (!dataset.stats?.values && needsRatings(params.model)) return `“${dataset.name}” is a dataset without rating values: rating models need explicit ratings (import a MovieLens file, or a pair list with a value column).`
  if (params.split === 'predefined' && !(dataset.options as { predefinedSplit?: unknown }).predefinedSplit) {
    return `“${dataset.name}” was imported without a test file, so it has no predefined split: import it with its test file (e.g. u1.base + u1.test) or choose ${describeSplit({ split: 'random', testRatio: 0.2, splitSeed: 1 })}.`
  }
  return null
}
