import { describe, expect, it } from 'vitest'
import { Item2vecParams, type ComparisonRow, type Evaluation } from '../../../shared/ratings'
import type { Dataset } from '../../../shared/schemas'
import {
  estimateItem2vec,
  FIELD_GROUPS,
  fieldInactive,
  formatEstimate,
  groupFields,
  ITEM2VEC_PAIRS_PER_SEC,
  metricApplies,
  MODEL_SCHEMAS,
  RATING_PRESETS,
  sortComparison,
  subsampleKeep,
} from './ratings'
import { describeFields, initialValues, toFormValues, toInput } from './schemaForm'

const fields = describeFields(Item2vecParams)

describe('item2vec form', () => {
  it('puts every own field in a group, in the groups’ order, the seed under training', () => {
    const own = fields.filter((f) => !['split', 'testRatio', 'splitSeed', 'validationRatio', 'patience', 'rankK'].includes(f.key))
    const groups = groupFields('item2vec', own)!
    expect(groups.map((g) => g.group.id)).toEqual(['vectors', 'training', 'sequences', 'users'])
    expect(groups[0]!.fields.map((f) => f.key)).toEqual(['dim', 'window', 'negatives', 'nsExponent', 'subsample'])
    expect(groups[1]!.fields.map((f) => f.key)).toEqual(['epochs', 'learningRate', 'minLearningRate', 'seed'])
    expect(groups[2]!.fields.map((f) => f.key)).toEqual(['minRating', 'minItemCount', 'minSequenceLength'])
    expect(groups[3]!.fields.map((f) => f.key)).toEqual(['userVectors', 'sifA'])
    const grouped = new Set(Object.values(FIELD_GROUPS.item2vec!).flatMap((g) => g.keys))
    for (const f of own) if (f.kind !== 'const') expect(grouped.has(f.key)).toBe(true)
  })

  it('keeps a field no group names in an “Other” group; models without groups get null', () => {
    const groups = groupFields('item2vec', [...fields, { key: 'newThing', kind: 'number' } as never])!
    expect(groups.at(-1)!.group.id).toBe('other')
    expect(groupFields('mf', describeFields(MODEL_SCHEMAS.mf))).toBeNull()
  })

  it('maps an empty minimum rating to null (all interactions)', () => {
    const v = { ...initialValues(fields), minRating: '' }
    expect(toInput(fields, v).minRating).toBeNull()
    expect(Item2vecParams.safeParse(toInput(fields, { ...v, minRating: '4' })).data?.minRating).toBe(4)
  })

  it('turns off the SIF parameter for mean user vectors and patience altogether', () => {
    expect(fieldInactive('sifA', { userVectors: 'sif' }, 'item2vec')).toBeNull()
    expect(fieldInactive('sifA', { userVectors: 'mean' }, 'item2vec')).toMatch(/SIF/)
    expect(fieldInactive('patience', { validationRatio: '0.1' }, 'item2vec')).toMatch(/does not stop early/)
    expect(fieldInactive('patience', { validationRatio: '0.1' }, 'mf')).toBeNull()
  })

  it('has a word2vec-defaults and a whole-sequence preset that parse', () => {
    const presets = RATING_PRESETS.item2vec!
    expect(presets.map((p) => p.id)).toEqual(expect.arrayContaining(['word2vec', 'whole-sequence']))
    for (const p of presets) expect(Item2vecParams.safeParse(toInput(fields, toFormValues(fields, p.params))).success).toBe(true)
    expect(presets.find((p) => p.id === 'whole-sequence')!.params.window).toBe(0)
  })
})

function dataset(interactions: number, users: number, histogram?: { from: number; to: number; count: number }[]): Pick<Dataset, 'stats'> {
  return {
    stats: {
      interactions,
      distinctPairs: interactions,
      density: 0.1,
      left: { label: 'users', count: users, degree: { min: 1, max: 1, mean: 1, median: 1, histogram: [] }, metadataColumns: [] },
      right: { label: 'items', count: 10, degree: { min: 1, max: 1, mean: 1, median: 1, histogram: histogram ?? [] }, metadataColumns: [] },
      topRight: [],
      topLeft: [],
      values: null,
      skippedRows: 0,
    },
  } as unknown as Pick<Dataset, 'stats'>
}

describe('item2vec run-time estimate', () => {
  const base = { ...toFormValues(fields, {}), dim: '100', window: '5', negatives: '5', epochs: '10', subsample: '0' }

  it('words = training interactions × epochs; pairs = words × min(2·window, sequence); at the nominal speed', () => {
    // Leave-last-out: 1,000 users' last items leave 50,000 − 1,000 for training; 49 per user.
    const e = estimateItem2vec(dataset(50_000, 1_000), { ...base, split: 'leave-last-out' })!
    expect(e.trainInteractions).toBe(49_000)
    expect(e.meanSequence).toBe(49)
    expect(e.words).toBe(490_000)
    expect(e.contextPerWord).toBe(10)
    expect(e.pairs).toBe(4_900_000)
    expect(e.seconds).toBeCloseTo(4_900_000 / ITEM2VEC_PAIRS_PER_SEC)
  })

  it('the whole sequence as window: × the mean sequence length; short sequences cap the window', () => {
    const whole = estimateItem2vec(dataset(50_000, 1_000), { ...base, split: 'leave-last-out', window: '0' })!
    expect(whole.contextPerWord).toBe(48)
    const short = estimateItem2vec(dataset(4_000, 1_000), { ...base, split: 'leave-last-out', window: '5' })!
    expect(short.contextPerWord).toBe(2)
  })

  it('random split with validation; slower with more negatives and dimensions', () => {
    const e = estimateItem2vec(dataset(10_000, 100), { ...base, split: 'random', testRatio: '0.2', validationRatio: '0.5' })!
    expect(e.trainInteractions).toBeCloseTo(4_000)
    const slow = estimateItem2vec(dataset(10_000, 100), { ...base, split: 'random', testRatio: '0.2', validationRatio: '0', negatives: '11', dim: '300' })!
    expect(slow.pairsPerSec).toBeCloseTo(ITEM2VEC_PAIRS_PER_SEC / 2 / 2)
  })

  it('is null without stats or with an invalid field', () => {
    expect(estimateItem2vec(null, base)).toBeNull()
    expect(estimateItem2vec(dataset(100, 10), { ...base, split: 'leave-last-out', epochs: '' })).toBeNull()
    expect(estimateItem2vec(dataset(100, 10), { ...base, split: 'random', testRatio: '2' })).toBeNull()
  })

  it('subsampling keeps rare items and thins frequent ones', () => {
    expect(subsampleKeep([{ from: 1, to: 1, count: 100 }], 100_000, 0.001)).toBe(1)
    const keep = subsampleKeep([{ from: 1024, to: 2047, count: 1 }, { from: 1, to: 1, count: 1000 }], 10_000, 0.001)
    expect(keep).toBeGreaterThan(0.3)
    expect(keep).toBeLessThan(0.8)
    expect(subsampleKeep([{ from: 1024, to: 2047, count: 1 }], 10_000, 0)).toBe(1)
  })

  it('formats seconds for people', () => {
    expect(formatEstimate(0.2)).toBe('under a second')
    expect(formatEstimate(42.4)).toBe('about 42 s')
    expect(formatEstimate(600)).toBe('about 10 min')
    expect(formatEstimate(3 * 3600)).toBe('about 3.0 h')
  })
})

describe('item2vec in the comparison', () => {
  function evaluation(over: Partial<Evaluation>): Evaluation {
    return { splitKey: 'leave-last-out', split: 'leave-last-out per user', trainCount: 9, validationCount: 0, testCount: 1, rankedUsers: 1, k: 10, rmse: 0.9, mae: 0.7, precision: 0.1, recall: 0.2, ndcg: 0.15, hitRate: 0.5, auc: 0.8, fitSec: 1, evalSec: 0.1, note: null, ...over }
  }
  const row = (runId: number, model: string, e: Partial<Evaluation>): ComparisonRow => ({ runId, name: `run ${runId}`, model, summary: model, seed: 1, engine: 'sparse/js', durationSec: 1, evaluation: evaluation(e) })

  it('RMSE and MAE do not apply to item2vec', () => {
    expect(metricApplies('item2vec', 'rmse')).toBe(false)
    expect(metricApplies('item2vec', 'mae')).toBe(false)
    expect(metricApplies('item2vec', 'ndcg')).toBe(true)
    expect(metricApplies('mf', 'rmse')).toBe(true)
  })

  it('sorts item2vec’s missing RMSE last in both directions, and by hit rate with the others', () => {
    const rows = [row(1, 'item2vec', { rmse: null, mae: null, hitRate: 0.9 }), row(2, 'mf', { rmse: 0.95, hitRate: 0.3 }), row(3, 'bias-baseline', { rmse: 0.9, hitRate: 0.2 })]
    expect(sortComparison(rows, 'rmse', 'asc').map((r) => r.runId)).toEqual([3, 2, 1])
    expect(sortComparison(rows, 'rmse', 'desc').map((r) => r.runId)).toEqual([2, 3, 1])
    expect(sortComparison(rows, 'mae', 'asc').at(-1)!.runId).toBe(1)
    expect(sortComparison(rows, 'hitRate', 'desc').map((r) => r.runId)).toEqual([1, 2, 3])
  })
})
