/**
 * The `train` worker task: one run of the entity-pair model, start to end or
 * from its last checkpoint. The loop, in order, per step: next batch → engine
 * step → NaN check → metrics (buffered, written in batched transactions) →
 * live progress (about 10 per second). Per epoch: the epoch's means, a
 * checkpoint, the run record. At the end: the embeddings.
 */
import { z } from 'zod'
import { isRatingModel } from '../../shared/ratings'
import type { LiveProgress, MetricPoint, PairModelParams } from '../../shared/train'
import type { WorkerEnv } from '../jobs/protocol'
import { TaskError, type Reporter } from '../jobs/reporter'
import { openDatabase } from '../store/db'
import { getDataset, readInteractions } from '../store/datasets'
import * as runs from '../store/runs'
import { deserializeState, serializeState } from './checkpoint'
import type { PairEngine } from './engine'
import { createEngine } from './engines'
import { initPairTables } from './init'
import { PairSampler } from './sampler'

export const TrainTaskParams = z.object({
  runId: z.number().int().positive(),
  engine: z.enum(['sparse', 'tfjs']),
})

const LIVE_INTERVAL_MS = 100
const METRIC_FLUSH_MS = 1000

export async function runTrainTask(raw: unknown, env: WorkerEnv, reporter: Reporter): Promise<Record<string, unknown>> {
  const { runId, engine: engineName } = TrainTaskParams.parse(raw)
  const db = openDatabase(env.dbPath, env.nativeBinding ? { nativeBinding: env.nativeBinding } : {})
  let engine: PairEngine | null = null
  try {
    const run = runs.getRun(db, runId)
    if (!run) throw new TaskError({ code: 'invalid', message: `Run ${runId} does not exist.`, badRows: null })
    if (isRatingModel(run.params.model)) return await (await import('../ratings/task')).runRatingTask(db, run, engineName, reporter)
    const params = run.params as PairModelParams
    const dataset = getDataset(db, run.datasetId)
    if (!dataset?.stats || dataset.status !== 'ready') {
      throw new TaskError({ code: 'invalid', message: `Dataset ${run.datasetId} is not ready.`, badRows: null })
    }
    const nLeft = dataset.stats.left.count
    const nRight = dataset.stats.right.count

    reporter.progress({ done: 0, total: null, unit: 'steps', message: 'Loading interactions' }, true)
    const pairs = readInteractions(db, run.datasetId)
    const sampler = new PairSampler(pairs.left, pairs.right, nLeft, nRight, params)
    const totalSteps = sampler.stepsPerEpoch * params.epochs

    // From the last checkpoint when there is one, else from the seeded initial weights.
    const checkpoint = runs.loadCheckpoint(db, runId)
    const startEpoch = checkpoint?.epoch ?? 0
    let step = checkpoint?.step ?? 0
    const state = checkpoint ? deserializeState(checkpoint.state) : null
    runs.truncateMetrics(db, runId, step)

    reporter.progress({ done: step, total: totalSteps, unit: 'steps', message: `Starting the ${engineName} engine` }, true)
    engine = await createEngine(engineName, {
      model: { variant: params.variant, dim: params.dim, nLeft, nRight, optimizer: params.optimizer, learningRate: params.learningRate },
      init: state?.tables ?? initPairTables(params, nLeft, nRight),
      threads: run.threads,
    })
    if (state) await engine.loadState(state)
    runs.markRunning(db, runId, engine.info, sampler.stepsPerEpoch, totalSteps)
    reporter.track('runId', runId, { done: step, total: totalSteps, unit: 'steps', message: 'Training' })

    const metrics = new runs.MetricWriter(db, runId)
    const batch = sampler.newBatch()
    const t0 = performance.now()
    const priorSec = run.durationSec
    const wall = () => priorSec + (performance.now() - t0) / 1000
    let lastLive = 0
    let lastFlush = performance.now()
    let live: MetricPoint[] = []
    let examplesSinceStart = 0

    for (let epoch = startEpoch; epoch < params.epochs; epoch++) {
      sampler.startEpoch(epoch)
      const epochStart = performance.now()
      let lossSum = 0
      let accSum = 0
      for (let s = 0; s < sampler.stepsPerEpoch; s++) {
        sampler.next(batch)
        const r = await engine.step(batch)
        step++
        examplesSinceStart += batch.size
        if (!Number.isFinite(r.loss)) {
          metrics.flush()
          throw new TaskError({
            code: 'failed',
            message: `The loss became ${r.loss} at epoch ${epoch + 1}, step ${step}: training diverged. Lower the learning rate (now ${params.learningRate}) or the initialisation scale, then start a new run.`,
            badRows: null,
          })
        }
        lossSum += r.loss
        accSum += r.accuracy
        const fractionalEpoch = epoch + (s + 1) / sampler.stepsPerEpoch
        const w = wall()
        const points: MetricPoint[] = [
          { key: 'batch_loss', step, epoch: fractionalEpoch, wall: w, value: r.loss },
          { key: 'batch_accuracy', step, epoch: fractionalEpoch, wall: w, value: r.accuracy },
        ]
        for (const p of points) metrics.add(p)
        live.push(...points)

        const now = performance.now()
        if (now - lastFlush >= METRIC_FLUSH_MS) {
          metrics.flush()
          lastFlush = now
        }
        if (now - lastLive >= LIVE_INTERVAL_MS) {
          lastLive = now
          postLive(reporter, { runId, epoch: epoch + 1, step, totalSteps, batchSize: sampler.batchSize, elapsedSec: w - priorSec, examples: examplesSinceStart, points: live })
          live = []
        }
      }
      // End of epoch: means, checkpoint, run record — then tell main.
      const seconds = (performance.now() - epochStart) / 1000
      const examplesPerSec = (sampler.stepsPerEpoch * sampler.batchSize) / seconds
      const w = wall()
      const means: MetricPoint[] = [
        { key: 'loss', step, epoch: epoch + 1, wall: w, value: lossSum / sampler.stepsPerEpoch },
        { key: 'accuracy', step, epoch: epoch + 1, wall: w, value: accSum / sampler.stepsPerEpoch },
        { key: 'examples_per_sec', step, epoch: epoch + 1, wall: w, value: examplesPerSec },
      ]
      for (const p of means) metrics.add(p)
      live.push(...means)
      metrics.flush()
      runs.saveCheckpoint(db, runId, epoch + 1, step, serializeState(await engine.saveState()))
      runs.recordEpoch(db, runId, { epoch: epoch + 1, step, durationSec: w, loss: means[0]!.value, accuracy: means[1]!.value, examplesPerSec })
      postLive(reporter, { runId, epoch: epoch + 1, step, totalSteps, batchSize: sampler.batchSize, elapsedSec: w - priorSec, examples: examplesSinceStart, points: live }, true)
      live = []
    }

    const final = await engine.weights()
    db.transaction(() => {
      runs.saveEmbedding(db, runId, 'left', nLeft, params.dim, final.left)
      runs.saveEmbedding(db, runId, 'right', nRight, params.dim, final.right)
      runs.finishRun(db, runId, 'succeeded')
    })()
    return { runId, steps: step }
  } finally {
    await engine?.dispose()
    db.close()
  }
}

interface LiveState {
  runId: number
  /** 1-based epoch being trained (or just finished). */
  epoch: number
  step: number
  totalSteps: number
  batchSize: number
  /** Seconds of this attempt (examples/s and the ETA are of this attempt). */
  elapsedSec: number
  examples: number
  points: MetricPoint[]
}

function postLive(reporter: Reporter, l: LiveState, force = false): void {
  const examplesPerSec = l.elapsedSec > 0 ? l.examples / l.elapsedSec : 0
  const live: LiveProgress = {
    runId: l.runId,
    epoch: l.epoch,
    step: l.step,
    totalSteps: l.totalSteps,
    elapsedSec: l.elapsedSec,
    etaSec: examplesPerSec > 0 ? ((l.totalSteps - l.step) * l.batchSize) / examplesPerSec : null,
    examplesPerSec,
    points: l.points,
  }
  const rate = Math.round(examplesPerSec).toLocaleString('en-US')
  reporter.live({ done: l.step, total: l.totalSteps, unit: 'steps', message: `Epoch ${l.epoch} · ${rate} examples/s` }, live, force)
}
