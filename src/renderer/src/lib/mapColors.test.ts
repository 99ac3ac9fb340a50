import { describe, expect, it } from 'vitest'
import {
  CATEGORY_COLORS,
  gradientBin,
  gradientColor,
  categoricalColoring,
  colorBy,
  isNumericColumn,
  MISSING_COLOR,
  numericColoring,
  OTHER_COLOR,
  quantile,
  TOP_CATEGORIES,
} from './mapColors'

describe('isNumericColumn', () => {
  it('is numeric when (nearly) every present value is a number and there are more distinct values than colours', () => {
    const years = Array.from({ length: 40 }, (_, i) => String(1950 + i))
    expect(isNumericColumn(years)).toBe(true)
    expect(isNumericColumn([...years, '', undefined])).toBe(true)
  })

  it('is categorical with few distinct numbers (they read better as a legend)', () => {
    expect(isNumericColumn(['1', '2', '3', '1', '2'])).toBe(false)
  })

  it('is categorical when more than 5 % of the values are words', () => {
    const values = [...Array.from({ length: 18 }, (_, i) => String(i)), 'n/a', 'unknown']
    expect(isNumericColumn(values)).toBe(false)
  })

  it('does not take hex or empty strings for numbers', () => {
    expect(isNumericColumn(Array.from({ length: 20 }, (_, i) => `0x${i}`))).toBe(false)
    expect(isNumericColumn(['', ' ', undefined])).toBe(false)
  })
})

describe('quantile', () => {
  it('interpolates linearly between ranks: q·(n−1)', () => {
    const s = [0, 10, 20, 30, 40]
    expect(quantile(s, 0)).toBe(0)
    expect(quantile(s, 1)).toBe(40)
    // position 0.5·4 = 2 → 20; 0.1·4 = 0.4 → 0 + 0.4·10
    expect(quantile(s, 0.5)).toBe(20)
    expect(quantile(s, 0.1)).toBeCloseTo(4, 12)
  })
})

describe('categoricalColoring', () => {
  it('gives the most common values their own colour, in order, and the rest "other"', () => {
    // value v_k appears k+1 times for k = 0..11: the top 10 are v_11 … v_2.
    const values: string[] = []
    for (let k = 0; k < 12; k++) for (let j = 0; j <= k; j++) values.push(`v${k}`)
    const c = categoricalColoring('genre', values)
    expect(c.categories.slice(0, TOP_CATEGORIES).map((x) => x.name)).toEqual(['v11', 'v10', 'v9', 'v8', 'v7', 'v6', 'v5', 'v4', 'v3', 'v2'])
    expect(c.categories.slice(0, TOP_CATEGORIES).map((x) => x.color)).toEqual([...CATEGORY_COLORS])
    const other = c.categories[TOP_CATEGORIES]!
    expect(other).toMatchObject({ name: 'other', kind: 'other', color: OTHER_COLOR, count: 1 + 2 })
    expect(c.codes[values.indexOf('v0')]).toBe(TOP_CATEGORIES)
    expect(c.codes[values.indexOf('v11')]).toBe(0)
    // Every point is counted once.
    expect(c.categories.reduce((s, x) => s + x.count, 0)).toBe(values.length)
  })

  it('puts missing values in their own bucket', () => {
    const c = categoricalColoring('genre', ['a', '', undefined, 'b', 'a'])
    expect(c.categories.map((x) => x.name)).toEqual(['a', 'b', '(no value)'])
    expect(c.categories[2]).toMatchObject({ color: MISSING_COLOR, count: 2, kind: 'missing' })
    expect([...c.codes]).toEqual([0, 2, 2, 1, 0])
  })

  it('colours multi-valued cells by their first value', () => {
    const c = categoricalColoring('genres', ['Action|Comedy', 'Action', 'Drama|Action', 'Comedy'])
    expect(c.firstOfMany).toBe(true)
    expect(c.categories.map((x) => [x.name, x.count])).toEqual([
      ['Action', 2],
      ['Comedy', 1],
      ['Drama', 1],
    ])
  })

  it('breaks ties alphabetically (a stable legend)', () => {
    const c = categoricalColoring('x', ['b', 'a', 'c', 'a', 'b', 'c'])
    expect(c.categories.map((x) => x.name)).toEqual(['a', 'b', 'c'])
  })
})

describe('numericColoring', () => {
  it('clips the gradient to the 1st–99th percentile and marks missing values NaN', () => {
    const values = [...Array.from({ length: 101 }, (_, i) => String(i)), '']
    const c = numericColoring('pages', values)
    // 101 sorted values 0..100: the q-quantile is 100·q.
    expect(c.min).toBeCloseTo(1, 9)
    expect(c.max).toBeCloseTo(99, 9)
    expect(c.dataMin).toBe(0)
    expect(c.dataMax).toBe(100)
    expect(c.missing).toBe(1)
    expect(Number.isNaN(c.values[101]!)).toBe(true)
  })

  it('keeps a usable range for a constant column', () => {
    const c = numericColoring('x', ['5', '5', '5'])
    expect(c.max).toBeGreaterThan(c.min)
  })
})

describe('colorBy', () => {
  it('picks the gradient for numbers and the legend for words', () => {
    expect(colorBy('year', Array.from({ length: 30 }, (_, i) => String(2000 + i))).kind).toBe('numeric')
    expect(colorBy('genre', ['Fantasy', 'Mystery']).kind).toBe('categorical')
  })
})

describe('gradient', () => {
  it('starts and ends on the stops and interpolates between them', () => {
    expect(gradientColor(0, ['#000000', '#ffffff'])).toBe('#000000')
    expect(gradientColor(1, ['#000000', '#ffffff'])).toBe('#ffffff')
    // halfway: round(255 / 2) = 128 = 0x80
    expect(gradientColor(0.5, ['#000000', '#ffffff'])).toBe('#808080')
    expect(gradientColor(2, ['#000000', '#ffffff'])).toBe('#ffffff')
  })

  it('bins values evenly over [min, max], clamping the outside', () => {
    // 4 bins over [0, 8]: width 2.
    expect(gradientBin(0, 0, 8, 4)).toBe(0)
    expect(gradientBin(1.9, 0, 8, 4)).toBe(0)
    expect(gradientBin(2, 0, 8, 4)).toBe(1)
    expect(gradientBin(8, 0, 8, 4)).toBe(3)
    expect(gradientBin(-5, 0, 8, 4)).toBe(0)
    expect(gradientBin(50, 0, 8, 4)).toBe(3)
  })
})
