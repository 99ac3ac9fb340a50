import { describe, expect, it } from 'vitest'
import type { Run } from '../../../shared/train'
import { canResume, filterRuns, shortName, sortRuns } from './runs'

function run(id: number, over: Partial<Run> = {}, params: Partial<Run['params']> = {}): Run {
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
})
