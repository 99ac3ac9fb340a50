import { describe, expect, it } from 'vitest'
import type { PairModelParams, Run } from '../../../shared/train'
import { MfParams, UserKnnParams } from '../../../shared/ratings'
import { canResume, filterRuns, hasEmbeddings, modelLabel, shortName, sortRuns } from './runs'

function run(id: number, over: Partial<Run> = {}, params: Partial<PairModelParams> = {}): Run {
  return {
    id,
    datasetId: 1,
    datasetName: 'Books',
    name: `Books · run ${id}`,
    params: { model: 'entity-pairs', variant: 'classification', dim: 50, nPositive: 1024, negativeRatio: 2, epochs: 15, optimizer: 'adam', learningRate: 0.001, seed: 42, initScale: 0.05, ...params },
    engineChoice: 'auto',
    threads: 0,
    engine: null,
    status: 'succeeded',
    error: null,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    endedAt: null,
    durationSec: 10,
    epoch: 15,
    step: 100,
    totalSteps: 100,
    stepsPerEpoch: 10,
    finalLoss: 0.3,
    finalAccuracy: 0.9,
    examplesPerSec: null,
    checkpointEpoch: 15,
    jobId: null,
    evaluation: null,
    hasEmbeddings: ['entity-pairs', 'mf'].includes((over.params ?? { model: 'entity-pairs' }).model),
    ...over,
  }
}

describe('runs helpers', () => {
  it('sorts by a column, nulls last, ties newest first', () => {
    const runs = [run(1, { finalLoss: 0.5 }), run(2, { finalLoss: null }), run(3, { finalLoss: 0.2 }), run(4, { finalLoss: 0.2 })]
    expect(sortRuns(runs, 'loss', 'asc').map((r) => r.id)).toEqual([4, 3, 1, 2])
    expect(sortRuns(runs, 'loss', 'desc').map((r) => r.id)).toEqual([1, 4, 3, 2])
    expect(sortRuns([run(1, {}, { dim: 8 }), run(2, {}, { dim: 64 })], 'dim', 'desc').map((r) => r.id)).toEqual([2, 1])
  })

  it('filters by every word, status and dataset', () => {
    const runs = [run(1, {}, { optimizer: 'sgd' }), run(2, { status: 'failed' }), run(3, { datasetId: 2, datasetName: 'Movies' })]
    expect(filterRuns(runs, { text: 'sgd books', status: '', datasetId: null }).map((r) => r.id)).toEqual([1])
    expect(filterRuns(runs, { text: '', status: 'failed', datasetId: null }).map((r) => r.id)).toEqual([2])
    expect(filterRuns(runs, { text: '', status: '', datasetId: 2 }).map((r) => r.id)).toEqual([3])
  })

  it('shortName drops the dataset prefix of default names only', () => {
    expect(shortName(run(1))).toBe('run 1')
    expect(shortName(run(1, { name: 'mine' }))).toBe('mine')
  })

  it('a stopped run resumes only with a checkpoint', () => {
    expect(canResume(run(1, { status: 'failed', checkpointEpoch: 2 }))).toBe(true)
    expect(canResume(run(1, { status: 'cancelled', checkpointEpoch: null }))).toBe(false)
    expect(canResume(run(1, { status: 'succeeded' }))).toBe(false)
  })

  it('handles rating runs: labels, missing hyper-parameters and the test RMSE column', () => {
    const evaluation = (rmse: number | null) => ({ splitKey: 'leave-last-out', split: 'leave-last-out per user', trainCount: 9, validationCount: 0, testCount: 1, rankedUsers: 1, k: 10, rmse, mae: null, precision: null, recall: null, ndcg: null, hitRate: null, auc: null, fitSec: 0, evalSec: 0, note: null })
    const knn = run(1, { params: UserKnnParams.parse({ model: 'user-knn' }), evaluation: evaluation(0.8) })
    const mf = run(2, { params: MfParams.parse({ model: 'mf' }), evaluation: evaluation(0.7) })
    const pairs = run(3)
    expect(modelLabel(knn)).toBe('User-based kNN')
    expect(modelLabel(pairs)).toBe('Entity pairs · classification')
    expect(sortRuns([knn, mf, pairs], 'testRmse', 'asc').map((r) => r.id)).toEqual([2, 1, 3])
    // kNN has no dimensions and no epochs: last whatever the direction (MF and pairs are both 50-d: newest first).
    expect(sortRuns([knn, mf, pairs], 'dim', 'desc').map((r) => r.id)).toEqual([3, 2, 1])
    expect(sortRuns([knn, mf, pairs], 'epochs', 'asc').map((r) => r.id)).toEqual([3, 2, 1])
    expect(filterRuns([knn, mf, pairs], { text: 'pearson', status: '', datasetId: null }).map((r) => r.id)).toEqual([1])
    expect([knn, mf, pairs].map(hasEmbeddings)).toEqual([false, true, true])
  })
})
