import { describe, expect, it } from 'vitest'
import { DeepMfParams, MfParams, RATING_MODELS, type ComparisonRow, type Evaluation } from '../../../shared/ratings'
import type { ModelParams } from '../../../shared/train'
import { configKey, enginesFor, fieldInactive, firstDirection, formatMetric, MODEL_SCHEMAS, modelChoicesFor, predefinedSplitProblem, RATING_PRESETS, seedGroups, sortComparison, spread } from './ratings'
import { describeFields, fieldIssues, initialValues, toFormValues } from './schemaForm'

function evaluation(over: Partial<Evaluation> = {}): Evaluation {
  return {
    splitKey: 'random:0.2:1',
    split: 'random 80/20, seed 1',
    trainCount: 800,
    validationCount: 0,
    testCount: 200,
    rankedUsers: 50,
    k: 10,
    rmse: 0.9,
    mae: 0.7,
    precision: 0.1,
    recall: 0.2,
    ndcg: 0.15,
    hitRate: 0.5,
    auc: 0.8,
    fitSec: 1,
    evalSec: 0.1,
    note: null,
    ...over,
  }
}
function row(runId: number, e: Partial<Evaluation> = {}, over: Partial<ComparisonRow> = {}): ComparisonRow {
  return { runId, name: `run ${runId}`, model: 'mf', summary: 'MF 50-d', seed: runId, engine: 'sparse/js', durationSec: runId, evaluation: evaluation(e), ...over }
}

describe('model choices and engines', () => {
  it('offers rating models on ratings, the pair model on pairs, both on pairs with values', () => {
    expect(modelChoicesFor({ kind: 'ratings', stats: null }).map((m) => m.value)).toEqual([...RATING_MODELS])
    expect(modelChoicesFor({ kind: 'pairs', stats: null }).map((m) => m.value)).toEqual(['entity-pairs', 'item2vec'])
  })

  it('lets each model train only on engines that can run it', () => {
    expect(enginesFor('mf')).toEqual(['sparse', 'tfjs'])
    expect(enginesFor('deep-mf')).toEqual(['tfjs'])
    expect(enginesFor('autorec')).toEqual(['tfjs'])
    expect(enginesFor('user-knn')).toEqual(['sparse'])
    expect(enginesFor('entity-pairs')).toEqual(['sparse', 'tfjs'])
  })

  it.each(RATING_MODELS.map((m) => [m]))('presets of %s parse with the model schema', (m) => {
    for (const p of RATING_PRESETS[m] ?? []) {
      const fields = describeFields(MODEL_SCHEMAS[m])
      expect(fieldIssues(MODEL_SCHEMAS[m], fields, toFormValues(fields, p.params))).toEqual({})
    }
  })
})

describe('form fields', () => {
  it('describes DeepMf’s hidden layers as a string field with the regex message', () => {
    const fields = describeFields(DeepMfParams)
    expect(fields.find((f) => f.key === 'hidden')).toMatchObject({ kind: 'string', default: '64,32' })
    const v = { ...initialValues(fields), hidden: '64;32' }
    expect(fieldIssues(DeepMfParams, fields, v)).toEqual({ hidden: 'Layer sizes separated by commas, e.g. 64,32.' })
    expect(fieldIssues(DeepMfParams, fields, { ...v, hidden: ' 128, 64 ,8' })).toEqual({})
  })

  it('turns off the random split’s fields on other splits, patience without validation', () => {
    const values = toFormValues(describeFields(MfParams), {})
    expect(fieldInactive('testRatio', values)).toBeNull()
    expect(fieldInactive('testRatio', { ...values, split: 'leave-last-out' })).toMatch(/random/)
    expect(fieldInactive('patience', values)).toMatch(/validation/)
    expect(fieldInactive('patience', { ...values, validationRatio: '0.1' })).toBeNull()
  })

  it('allows the predefined split only with an imported test file', () => {
    expect(predefinedSplitProblem({ options: {} })).toMatch(/test file/)
    expect(predefinedSplitProblem({ options: { predefinedSplit: { trainRows: 10, testFile: 'u1.test' } } })).toBeNull()
  })
})

describe('comparison', () => {
  const rows = [row(1, { rmse: 0.95, auc: 0.7 }), row(2, { rmse: null, auc: 0.9 }), row(3, { rmse: 0.85, auc: 0.8 })]

  it('sorts a metric column best first on the first click, missing values last', () => {
    expect(firstDirection('rmse')).toBe('asc')
    expect(firstDirection('auc')).toBe('desc')
    expect(sortComparison(rows, 'rmse', 'asc').map((r) => r.runId)).toEqual([3, 1, 2])
    expect(sortComparison(rows, 'rmse', 'desc').map((r) => r.runId)).toEqual([1, 3, 2])
    expect(sortComparison(rows, 'auc', 'desc').map((r) => r.runId)).toEqual([2, 3, 1])
  })

  it('groups runs that differ only by seed and gives mean ± sample sd', () => {
    const base: ModelParams = MfParams.parse({ model: 'mf' })
    const params = new Map<number, ModelParams>([
      [1, { ...base, seed: 1 }],
      [2, { ...base, seed: 2 }],
      [3, { ...base, seed: 3, dim: 10 }],
    ])
    const r = [row(1, { rmse: 0.9 }), row(2, { rmse: 1.0 }), row(3, { rmse: 0.8 })]
    const groups = seedGroups(r, (id) => params.get(id) ?? null)
    expect(groups).toHaveLength(1)
    expect(groups[0]!.runIds).toEqual([1, 2])
    // mean = (0.9 + 1.0) / 2; sd = sqrt(((0.9 − 0.95)² + (1.0 − 0.95)²) / (2 − 1))
    expect(groups[0]!.metrics.rmse!.mean).toBeCloseTo(0.95, 12)
    expect(groups[0]!.metrics.rmse!.sd).toBeCloseTo(Math.sqrt(2 * 0.05 ** 2), 12)
    expect(configKey(params.get(1)!, r[0]!)).toBe(configKey(params.get(2)!, r[1]!))
  })

  it('has no spread under two values', () => {
    expect(spread([1, null])).toBeNull()
    expect(spread([1, 3])).toEqual({ mean: 2, sd: Math.sqrt(2), n: 2 })
  })

  it('formats errors with 4 decimals and rates with 3', () => {
    expect(formatMetric('rmse', 0.912345)).toBe('0.9123')
    expect(formatMetric('auc', 0.81234)).toBe('0.812')
    expect(formatMetric('ndcg', null)).toBe('–')
  })
})
