/**
 * Rating runs end to end through the API: the real `train` worker process, a
 * real SQLite store, the sample ratings (planted factors, noise σ = 0.5, so
 * no model can beat an RMSE of about 0.5). Every model family trains on one
 * split, is evaluated, and shows up in the comparison; the user view predicts
 * from the stored model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Workbench } from '../src/main/app'
import { ApiError, type WorkbenchApi } from '../src/shared/api'
import { comparisonCsv, type RatingModelParams } from '../src/shared/ratings'
import type { Dataset } from '../src/shared/schemas'
import type { Run } from '../src/shared/train'
import { sampleWorld, type SampleWorld } from './helpers/world'

let world: SampleWorld
let wb: Workbench
let api: WorkbenchApi
let ratings: Dataset
let library: Dataset

beforeAll(async () => {
  world = await sampleWorld()
  ;({ wb, api, ratings, library } = world)
})
afterAll(() => world.close())

const SPLIT = { split: 'random', testRatio: 0.2, splitSeed: 3 } as const

async function train(params: Record<string, unknown>, engine: 'auto' | 'sparse' | 'tfjs' = 'auto'): Promise<Run> {
  const run = await api.startRun({ datasetId: ratings.id, params: { ...SPLIT, ...params } as never, engine, threads: 1, name: null })
  await wb.jobs.wait(run.jobId!)
  const done = await api.getRun({ id: run.id })
  expect(done.error).toBeNull()
  return done
}

describe('rating runs', () => {
  const runs: Record<string, Run> = {}

  it.each([
    ['global-mean', { model: 'global-mean' }],
    ['bias-baseline', { model: 'bias-baseline' }],
    // The sample has 5 planted factors: a small MF fits it best (the defaults suit MovieLens-sized data).
    ['mf', { model: 'mf', epochs: 25, dim: 5, learningRate: 0.02, reg: 0.05 }],
    ['user-knn', { model: 'user-knn' }],
    // On the tfjs engine, in the same worker.
    ['autorec', { model: 'autorec' }],
  ])('trains %s, evaluates it on the split and stores the evaluation', async (name, params) => {
    const run = await train(params)
    expect(run.status).toBe('succeeded')
    const e = run.evaluation!
    expect(e.splitKey).toBe('random:0.2:3')
    expect(e.testCount).toBe(Math.round(ratings.stats!.interactions * 0.2))
    expect(e.trainCount + e.testCount).toBe(ratings.stats!.interactions)
    for (const key of ['rmse', 'mae', 'precision', 'recall', 'ndcg', 'hitRate', 'auc'] as const) expect(e[key], key).not.toBeNull()
    expect(e.rmse!).toBeGreaterThanOrEqual(e.mae!)
    runs[name] = run
  })

  it('orders the models as the planted data says: MF near the noise floor, below the bias baseline, below the global mean', () => {
    const rmse = (k: string) => runs[k]!.evaluation!.rmse!
    expect(rmse('bias-baseline')).toBeLessThan(rmse('global-mean'))
    expect(rmse('mf')).toBeLessThan(rmse('bias-baseline'))
    expect(rmse('user-knn')).toBeLessThan(rmse('bias-baseline'))
    expect(rmse('autorec')).toBeLessThan(rmse('bias-baseline'))
    expect(runs.autorec!.engine).toMatchObject({ engine: 'tfjs' })
    // σ = 0.5 is the floor; 50 ratings per user leave some estimation error on top.
    expect(rmse('mf')).toBeLessThan(0.7)
    // Ranking: the MF ranks held-out items far above chance.
    expect(runs.mf!.evaluation!.auc!).toBeGreaterThan(0.6)
  })

  it('records live curves: loss and test RMSE per epoch, final test metrics', async () => {
    const [m] = await api.getRunMetrics({ ids: [runs.mf!.id], keys: null })
    expect(m!.series.loss!.epoch.length).toBe(25)
    expect(m!.series.test_rmse!.value.length).toBe(25)
    const test = m!.series.test_rmse!.value
    expect(test[test.length - 1]!).toBeLessThan(test[0]!)
    expect(m!.series.test_rmse!.value.at(-1)).toBeCloseTo(runs.mf!.evaluation!.rmse!, 5)
    expect(m!.series.test_ndcg).toBeDefined()
  })

  it('stops early on a validation share when the validation RMSE stops improving', async () => {
    const run = await train({ model: 'mf', epochs: 200, learningRate: 0.05, reg: 0, validationRatio: 0.1, patience: 2 })
    expect(run.epoch).toBeLessThan(200)
    expect(run.evaluation!.validationCount).toBe(Math.round(run.evaluation!.trainCount / 0.9 * 0.1))
    const [m] = await api.getRunMetrics({ ids: [run.id], keys: ['val_rmse'] })
    expect(m!.series.val_rmse!.value.length).toBe(run.epoch)
  })

  it('compares the runs of one split, best first, and exports the table as CSV', async () => {
    const c = await api.compareRuns({ datasetId: ratings.id, splitKey: null })
    expect(c.splitKey).toBe('random:0.2:3')
    const ids = c.rows.map((r) => r.runId)
    for (const name of ['global-mean', 'bias-baseline', 'mf', 'user-knn', 'autorec']) expect(ids).toContain(runs[name]!.id)
    const rmses = c.rows.map((r) => r.evaluation.rmse!)
    expect([...rmses].sort((a, b) => a - b)).toEqual(rmses)
    const csv = comparisonCsv(c.rows).trim().split('\n')
    expect(csv.length).toBe(c.rows.length + 1)
    expect(csv[0]).toMatch(/^run,name,model,parameters,seed,engine,split,train,test,k,rmse,mae/)
  })

  it('re-runs a configuration with another seed on the same split', async () => {
    const again = await api.rerunRun({ id: runs.mf!.id, seed: null })
    await wb.jobs.wait(again.jobId!)
    const done = await api.getRun({ id: again.id })
    expect(done.params.seed).not.toBe(runs.mf!.params.seed)
    expect((done.params as RatingModelParams).splitSeed).toBe(3)
    expect(done.evaluation!.splitKey).toBe('random:0.2:3')
    expect(done.evaluation!.rmse).not.toBe(runs.mf!.evaluation!.rmse)
    expect(Math.abs(done.evaluation!.rmse! - runs.mf!.evaluation!.rmse!)).toBeLessThan(0.05)
  })

  it('shows a user: history with split parts, unseen recommendations with reasons', async () => {
    const u = await api.userRecommendations({ runId: runs.mf!.id, user: 5, n: 10 })
    expect(u.user.index).toBe(5)
    expect(u.history.length).toBeGreaterThan(5)
    expect(u.history.some((h) => h.part === 'test')).toBe(true)
    expect(u.recommendations.length).toBe(10)
    const trained = new Set(u.history.filter((h) => h.part === 'train').map((h) => h.item.index))
    for (const r of u.recommendations) expect(trained.has(r.item.index)).toBe(false)
    const scores = u.recommendations.map((r) => r.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    expect(u.similarity).toBe('embeddings')
    expect(u.recommendations[0]!.because.length).toBe(3)
    // A model without item tables explains with co-ratings.
    const knn = await api.userRecommendations({ runId: runs['user-knn']!.id, user: 5, n: 5 })
    expect(knn.similarity).toBe('co-ratings')
    expect(knn.recommendations.length).toBe(5)
  })

  it('refuses what cannot work, with a reason', async () => {
    await expect(api.startRun({ datasetId: library.id, params: { model: 'mf' } as never, engine: 'auto', threads: 1, name: null })).rejects.toThrow(/rating values/)
    await expect(api.startRun({ datasetId: ratings.id, params: { model: 'mf', split: 'predefined' } as never, engine: 'auto', threads: 1, name: null })).rejects.toThrow(/no predefined split/)
    await expect(api.startRun({ datasetId: ratings.id, params: { model: 'deep-mf' } as never, engine: 'sparse', threads: 1, name: null })).rejects.toThrow(/tfjs/)
    await expect(api.userRecommendations({ runId: runs.mf!.id, user: 10_000_000, n: 5 })).rejects.toThrow(ApiError)
  })
})
