/**
 * A rating run, in the `train` worker: split the dataset's ratings as the run
 * says (stored with it), fit the model, evaluate it on the test part, store
 * the evaluation, the fitted model (for the user view) and, when the model
 * has them, its user and item tables as the run's embeddings.
 *
 * Per epoch of an iterative model: the training loss, the validation RMSE
 * (with a validation share; early stopping after `patience` epochs without a
 * better one) and the test RMSE go to the run's charts, live. One-pass models
 * (global mean, kNN) record a single step.
 */
import { cpus } from 'node:os'
import { describeSplit, needsRatings, predictsRatings, splitKey, type Evaluation, type RatingModelParams } from '../../shared/ratings'
import type { EngineInfo, LiveProgress, MetricPoint, Run } from '../../shared/train'
import { TaskError, type Reporter } from '../jobs/reporter'
import type { Db } from '../store/db'
import { getDataset, readInteractions } from '../store/datasets'
import * as runs from '../store/runs'
import { evaluatePredictor } from './evaluate'
import { rmseOf, type FitContext, type Predictor, type RatingData } from './model'
import { fitterFor, ratingEngineFor } from './models'
import { serializeModel } from './serialize'
import { splitRatings } from './split'

const LIVE_INTERVAL_MS = 100

export async function runRatingTask(db: Db, run: Run, requested: 'sparse' | 'tfjs', reporter: Reporter): Promise<Record<string, unknown>> {
  const params = run.params as RatingModelParams
  const dataset = getDataset(db, run.datasetId)
  if (!dataset?.stats || dataset.status !== 'ready') {
    throw new TaskError({ code: 'invalid', message: `Dataset ${run.datasetId} is not ready.`, badRows: null })
  }
  const nUsers = dataset.stats.left.count
  const nItems = dataset.stats.right.count
  reporter.progress({ done: 0, total: null, unit: 'steps', message: 'Loading ratings' }, true)
  const interactions = readInteractions(db, run.datasetId)
  if (!interactions.value && !needsRatings(params.model)) interactions.value = new Float32Array(interactions.left.length).fill(1)
  if (!interactions.value) {
    throw new TaskError({
      code: 'invalid',
      message: `Dataset “${dataset.name}” has no rating values: rating models need explicit ratings (import a MovieLens file or a pair list with a value column).`,
      badRows: null,
    })
  }
  const predefined = (dataset.options as { predefinedSplit?: { trainRows?: number } }).predefinedSplit
  let split
  try {
    split = splitRatings(interactions, params, nUsers, nItems, predefined?.trainRows)
  } catch (e) {
    throw new TaskError({ code: 'invalid', message: e instanceof Error ? e.message : String(e), badRows: null })
  }

  const data: RatingData = { nUsers, nItems, train: split.train, validation: split.validation, scale: split.scale }

  const engineName = ratingEngineFor(params.model, requested)
  const threads = run.threads === 0 ? cpus().length : run.threads
  const info = await engineInfo(engineName)
  const epochs = 'epochs' in params ? params.epochs : 1
  runs.truncateMetrics(db, run.id, 0)
  runs.markRunning(db, run.id, info, 1, epochs)
  reporter.track('runId', run.id, { done: 0, total: epochs, unit: 'steps', message: `Fitting (${describeSplit(params)})` })

  const metrics = new runs.MetricWriter(db, run.id)
  const t0 = performance.now()
  const wall = () => (performance.now() - t0) / 1000
  let live: MetricPoint[] = []
  let lastLive = 0
  let bestValidation = Number.POSITIVE_INFINITY
  let sinceBest = 0
  let examples = 0
  let lastEpoch = 0
  let lastLoss: number | null = null
  let progressStep = 0
  let lastFlush = performance.now()
  const ratings = predictsRatings(params.model)

  const post = (epoch: number, fraction: number, message: string, force = false) => {
    const now = performance.now()
    if (!force && now - lastLive < LIVE_INTERVAL_MS) return
    lastLive = now
    const elapsed = wall()
    const progress: LiveProgress = {
      runId: run.id,
      epoch,
      step: epoch,
      totalSteps: epochs,
      elapsedSec: elapsed,
      etaSec: fraction > 0.001 ? (elapsed / fraction) * (1 - fraction) : null,
      examplesPerSec: elapsed > 0 ? examples / elapsed : 0,
      points: live,
    }
    live = []
    reporter.live({ done: Math.round(fraction * epochs * 1000) / 1000, total: epochs, unit: 'steps', message }, progress, force)
  }

  const ctx: FitContext = {
    threads,
    engine: engineName,
    onProgress: (fraction, message, values) => {
      if (values) {
        progressStep++
        const w = wall()
        for (const [key, value] of Object.entries(values)) {
          if (!Number.isFinite(value)) continue
          const p: MetricPoint = { key, step: progressStep, epoch: fraction * epochs, wall: w, value }
          metrics.add(p)
          live.push(p)
        }
        if (performance.now() - lastFlush > 1000) {
          metrics.flush()
          lastFlush = performance.now()
        }
      }
      post(lastEpoch, fraction, message)
    },
    onEpoch: async (r) => {
      if (!Number.isFinite(r.loss)) {
        metrics.flush()
        throw new TaskError({
          code: 'failed',
          message: `The loss became ${r.loss} at epoch ${r.epoch}: training diverged. Lower the learning rate, then start a new run.`,
          badRows: null,
        })
      }
      examples += r.examples
      lastEpoch = r.epoch
      lastLoss = r.loss
      const w = wall()
      const points: MetricPoint[] = [{ key: 'loss', step: r.epoch, epoch: r.epoch, wall: w, value: r.loss }]
      let verdict: 'continue' | 'stop' = 'continue'
      if (ratings && split.validation) {
        const v = rmseOf(r.predictor, split.validation, split.scale)
        points.push({ key: 'val_rmse', step: r.epoch, epoch: r.epoch, wall: w, value: v })
        if (v < bestValidation - 1e-6) {
          bestValidation = v
          sinceBest = 0
        } else if (++sinceBest >= params.patience) verdict = 'stop'
      }
      if (ratings) points.push({ key: 'test_rmse', step: r.epoch, epoch: r.epoch, wall: w, value: rmseOf(r.predictor, split.test, split.scale) })
      for (const p of points) metrics.add(p)
      metrics.flush()
      live.push(...points)
      runs.recordEpoch(db, run.id, { epoch: r.epoch, step: r.epoch, durationSec: w, loss: r.loss, accuracy: null, examplesPerSec: examples / Math.max(w, 1e-9) })
      post(r.epoch, r.epoch / r.epochs, verdict === 'stop' ? `Epoch ${r.epoch}: no better validation RMSE for ${params.patience} epochs, stopping` : `Epoch ${r.epoch}/${r.epochs}`, true)
      return verdict
    },
  }

  const fit = await fitterFor(params.model, engineName)
  const predictor: Predictor = await fit(data, params, ctx)
  const fitSec = wall()
  if (predictor.trainedWith) runs.setEngine(db, run.id, { ...info, ...predictor.trainedWith })

  reporter.progress({ done: epochs, total: epochs, unit: 'steps', message: 'Evaluating on the test ratings' }, true)
  const e0 = performance.now()
  const scores = evaluatePredictor(predictor, split, { k: params.rankK, seed: params.seed })
  const evaluation: Evaluation = {
    splitKey: splitKey(params),
    split: describeSplit(params),
    trainCount: split.train.n,
    validationCount: split.validation?.n ?? 0,
    testCount: split.test.n,
    rankedUsers: scores.rankedUsers,
    k: params.rankK,
    rmse: ratings ? finite(scores.rmse) : null,
    mae: ratings ? finite(scores.mae) : null,
    precision: finite(scores.precision),
    recall: finite(scores.recall),
    ndcg: finite(scores.ndcg),
    hitRate: finite(scores.hitRate),
    auc: finite(scores.auc),
    fitSec,
    evalSec: (performance.now() - e0) / 1000,
    note: scores.note ?? null,
  }

  const w = wall()
  const finals: MetricPoint[] = []
  for (const key of ['rmse', 'mae', 'precision', 'recall', 'ndcg', 'hitRate', 'auc'] as const) {
    const v = evaluation[key]
    // Iterative models logged test_rmse per epoch already, the last one of the final model.
    if (key === 'rmse' && lastEpoch > 0) continue
    if ((key === 'rmse' || key === 'mae') && !ratings) continue
    if (v !== null) finals.push({ key: `test_${key}`, step: Math.max(lastEpoch, 1), epoch: Math.max(lastEpoch, 1), wall: w, value: v })
  }
  const tables = predictor.embeddings?.() ?? {}
  const blob = serializeModel(predictor.save())
  db.transaction(() => {
    // One-pass models never reported an epoch: their "loss" is the training MSE.
    if (lastLoss === null && ratings) {
      const trainRmse = rmseOf(predictor, split.train, split.scale)
      finals.push({ key: 'loss', step: 1, epoch: 1, wall: w, value: trainRmse * trainRmse })
      runs.recordEpoch(db, run.id, { epoch: 1, step: 1, durationSec: w, loss: trainRmse * trainRmse, accuracy: null, examplesPerSec: split.train.n / Math.max(fitSec, 1e-9) })
    }
    for (const p of finals) metrics.add(p)
    metrics.flush()
    if (tables.left) runs.saveEmbedding(db, run.id, 'left', tables.left.rows, tables.left.dim, tables.left.data)
    if (tables.right) runs.saveEmbedding(db, run.id, 'right', tables.right.rows, tables.right.dim, tables.right.data)
    runs.saveRatingModel(db, run.id, predictor.kind, blob)
    runs.saveEvaluation(db, run.id, evaluation)
    runs.finishRun(db, run.id, 'succeeded')
  })()
  post(lastEpoch, 1, 'Done', true)
  return { runId: run.id, evaluation }
}

const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x)

async function engineInfo(engine: 'sparse' | 'tfjs'): Promise<EngineInfo> {
  if (engine === 'tfjs') {
    const { selectBackend } = await import('../train/tfjs/backends')
    const b = await selectBackend('auto')
    return { engine: 'tfjs', backend: b.backend, device: b.device, threads: b.threads, versions: { ...b.versions } }
  }
  return { engine: 'sparse', backend: 'js', device: cpus()[0]?.model.trim() ?? 'CPU', threads: 1, versions: { node: process.versions.node } }
}
