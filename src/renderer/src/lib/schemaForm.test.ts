import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { PairModelParams } from '../../../shared/train'
import { describeFields, fieldIssues, humanize, initialValues, rangeText, toFormValues, toInput, type NumberField } from './schemaForm'

const Schema = z.object({
  model: z.literal('m'),
  dim: z.number().int().min(2).max(1024).default(50).describe('Size.'),
  lr: z.number().positive().max(10).default(0.001),
  opt: z.enum(['adam', 'sgd']).default('adam').describe('Optimizer.'),
  flag: z.boolean().default(true),
})
const fields = describeFields(Schema)

describe('describeFields', () => {
  it('walks the shape in order with kinds, defaults, help and bounds', () => {
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ['model', 'const'],
      ['dim', 'number'],
      ['lr', 'number'],
      ['opt', 'enum'],
      ['flag', 'boolean'],
    ])
    const dim = fields[1] as NumberField
    expect(dim).toMatchObject({ default: 50, integer: true, min: 2, max: 1024, minExclusive: false, help: 'Size.' })
    const lr = fields[2] as NumberField
    expect(lr).toMatchObject({ default: 0.001, integer: false, min: 0, minExclusive: true, max: 10 })
    expect(fields[3]).toMatchObject({ options: ['adam', 'sgd'], default: 'adam', help: 'Optimizer.' })
    expect(rangeText(dim)).toBe('2–1,024')
    expect(rangeText(lr)).toBe('> 0, ≤ 10')
  })

  it('covers every field of PairModelParams', () => {
    const keys = describeFields(PairModelParams).map((f) => f.key)
    expect(keys).toEqual(Object.keys(PairModelParams.shape))
  })

  it('humanizes keys', () => {
    expect(humanize('learningRate')).toBe('Learning rate')
    expect(humanize('dim')).toBe('Dim')
  })
})

describe('values and validation', () => {
  it('defaults parse to the schema defaults', () => {
    const input = toInput(fields, initialValues(fields))
    expect(Schema.parse(input)).toEqual(Schema.parse({ model: 'm' }))
  })

  it('presets fill the given keys and reset the others to defaults', () => {
    const v = toFormValues(fields, { dim: 8, opt: 'sgd' })
    expect(v).toEqual({ dim: '8', lr: '0.001', opt: 'sgd', flag: true })
  })

  it('maps issues to field keys with short messages', () => {
    const v = { ...initialValues(fields), dim: '1.5', lr: '0', opt: 'adam' }
    expect(fieldIssues(Schema, fields, v)).toEqual({ dim: 'Must be a whole number.', lr: 'Must be greater than 0.' })
    expect(fieldIssues(Schema, fields, { ...v, dim: '', lr: '11' })).toEqual({ dim: 'Enter a number.', lr: 'Must be at most 10.' })
    expect(fieldIssues(Schema, fields, { ...v, dim: '1', lr: '0.1' })).toEqual({ dim: 'Must be at least 2.' })
  })
})
