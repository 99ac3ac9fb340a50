import { describe, expect, it } from 'vitest'
import type { MetricPoint } from '../../../shared/train'
import { appendPoints, groupByKey, normaliseSeries, RUN_PALETTE, runColor, xValues } from './metrics'

const pt = (step: number, value = step / 10, key = 'batch_loss'): MetricPoint => ({ key, step, epoch: step / 4, wall: step * 0.5, value })

describe('appendPoints', () => {
  it('appends in order and returns new arrays', () => {
    const a = appendPoints(undefined, [pt(1), pt(2)])
    const b = appendPoints(a, [pt(3)])
    expect(b.step).toEqual([1, 2, 3])
    expect(b.epoch).toEqual([0.25, 0.5, 0.75])
    expect(b.wall).toEqual([0.5, 1, 1.5])
    expect(b.value).toEqual([0.1, 0.2, 0.3])
    expect(b.step).not.toBe(a.step)
    expect(a.step).toEqual([1, 2])
  })

  it('drops what was recorded from a step on when the run goes back to it (resume)', () => {
    const a = appendPoints(undefined, [1, 2, 3, 4, 5].map((s) => pt(s)))
    const b = appendPoints(a, [pt(3, 9), pt(4, 8)])
    expect(b.step).toEqual([1, 2, 3, 4])
    expect(b.value).toEqual([0.1, 0.2, 9, 8])
  })

  it('normaliseSeries keeps the latest point of repeated steps', () => {
    const s = normaliseSeries({ step: [1, 2, 3, 2, 3], epoch: [0, 0, 0, 1, 1], wall: [1, 2, 3, 4, 5], value: [1, 2, 3, 20, 30] })
    expect(s.step).toEqual([1, 2, 3])
    expect(s.value).toEqual([1, 20, 30])
  })

  it('groupByKey keeps order per key', () => {
    const g = groupByKey([pt(1), pt(1, 1, 'batch_accuracy'), pt(2)])
    expect(g.get('batch_loss')!.map((p) => p.step)).toEqual([1, 2])
    expect(g.get('batch_accuracy')!.length).toBe(1)
  })

  it('xValues picks the axis', () => {
    const s = appendPoints(undefined, [pt(4)])
    expect(xValues(s, 'step')).toEqual([4])
    expect(xValues(s, 'epoch')).toEqual([1])
    expect(xValues(s, 'wall')).toEqual([2])
  })
})

describe('runColor', () => {
  it('is stable per id and cycles through the palette', () => {
    expect(runColor(1)).toBe(RUN_PALETTE[0])
    expect(runColor(2)).toBe(RUN_PALETTE[1])
    expect(runColor(1 + RUN_PALETTE.length)).toBe(runColor(1))
  })
})
