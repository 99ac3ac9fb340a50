import { describe, expect, it } from 'vitest'
import { equalAspectBounds, groupIndices, planar, trimmedRange, pointInPolygon, selectInAreas, subsetXY, toBrushArea, type BrushArea } from './geometry'

describe('pointInPolygon', () => {
  const square: [number, number][] = [
    [0, 0],
    [2, 0],
    [2, 2],
    [0, 2],
  ]
  it('finds points inside and outside a square', () => {
    expect(pointInPolygon(1, 1, square)).toBe(true)
    expect(pointInPolygon(3, 1, square)).toBe(false)
    expect(pointInPolygon(1, -0.5, square)).toBe(false)
  })

  it('handles a concave polygon (a U: the notch is outside)', () => {
    const u: [number, number][] = [
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
    ]
    expect(pointInPolygon(0.5, 2, u)).toBe(true)
    expect(pointInPolygon(1.5, 2, u)).toBe(false)
    expect(pointInPolygon(1.5, 0.5, u)).toBe(true)
  })
})

describe('selectInAreas', () => {
  // Points on a 3×3 grid: index = 3·row + col, at (col, row).
  const xy = new Float32Array(18)
  for (let i = 0; i < 9; i++) {
    xy[2 * i] = i % 3
    xy[2 * i + 1] = Math.floor(i / 3)
  }

  it('selects the points of a rectangle, whichever way it was drawn', () => {
    const rect: BrushArea = { brushType: 'rect', coordRange: [[2.5, 0.5], [0.5, -0.5]] } // x from 2.5 to 0.5, y from 0.5 to −0.5
    expect([...selectInAreas(xy, [rect])]).toEqual([1, 2])
  })

  it('selects the points of a lasso, once each over overlapping areas', () => {
    const tri: BrushArea = { brushType: 'polygon', coordRange: [[-0.5, -0.5], [2.5, -0.5], [-0.5, 2.5]] }
    const rect: BrushArea = { brushType: 'rect', coordRange: [[-0.5, 0.5], [-0.5, 0.5]] }
    // Below the line x + y = 2: (0,0) (1,0) (0,1) and the boundary points (2,0) (1,1) (0,2) are inside x + y < 2 only if < 2.
    expect([...selectInAreas(xy, [tri, rect])]).toEqual([0, 1, 3])
  })

  it('skips points the caller hides', () => {
    const all: BrushArea = { brushType: 'rect', coordRange: [[-1, 3], [-1, 3]] }
    expect([...selectInAreas(xy, [all], (i) => i % 2 === 0)]).toEqual([0, 2, 4, 6, 8])
  })
})

describe('planar', () => {
  it('keeps the first two axes of each row', () => {
    expect([...planar([1, 2, 3, 4, 5, 6], 3)]).toEqual([1, 2, 4, 5])
    expect([...planar([1, 2, 3, 4], 2)]).toEqual([1, 2, 3, 4])
  })
})

describe('toBrushArea', () => {
  it('accepts rectangles and polygons in data coordinates, rejects the rest', () => {
    expect(toBrushArea({ brushType: 'rect', coordRange: [[0, 1], [2, 3]] })?.brushType).toBe('rect')
    expect(toBrushArea({ brushType: 'polygon', coordRange: [[0, 0], [1, 0], [0, 1]] })?.brushType).toBe('polygon')
    expect(toBrushArea({ brushType: 'lineX', coordRange: [0, 1] })).toBeNull()
    expect(toBrushArea({ brushType: 'rect' })).toBeNull()
    expect(toBrushArea(null)).toBeNull()
  })
})

describe('groupIndices / subsetXY', () => {
  it('lists each group’s points in index order, dropping unknown codes', () => {
    const groups = groupIndices([1, 0, 1, 5, 0], 2)
    expect(groups.map((g) => [...g])).toEqual([
      [1, 4],
      [0, 2],
    ])
  })

  it('packs the chosen points’ coordinates', () => {
    const xy = [0, 0, 1, 10, 2, 20]
    expect([...subsetXY(xy, [2, 0])]).toEqual([2, 20, 0, 0])
    expect([...subsetXY(xy, [1, 9])]).toEqual([1, 10])
  })
})

describe('equalAspectBounds', () => {
  it('keeps one data unit the same length in pixels on both axes', () => {
    // Points span 10 × 2 in a 400 × 400 canvas: x needs 10/400 units per pixel.
    const b = equalAspectBounds([0, 0, 10, 2], 400, 400, 0)!
    expect(b.x).toEqual([0, 10])
    // y gets the same 10/400 units per pixel, centred on 1: 1 ± 5.
    expect(b.y).toEqual([-4, 6])
    expect((b.x[1] - b.x[0]) / 400).toBeCloseTo((b.y[1] - b.y[0]) / 400, 12)
  })

  it('fits the taller side in a wide canvas and adds the margin', () => {
    const b = equalAspectBounds([-1, -1, 1, 1], 800, 400, 0.1)!
    // y is the limit: 2/400 units per pixel · 1.1; x gets the same per pixel over 800 px.
    const perPx = (2 / 400) * 1.1
    expect(b.y[1] - b.y[0]).toBeCloseTo(perPx * 400, 12)
    expect(b.x[1] - b.x[0]).toBeCloseTo(perPx * 800, 12)
  })

  it('has no bounds without points or size', () => {
    expect(equalAspectBounds([], 100, 100)).toBeNull()
    expect(equalAspectBounds([0, 0], 0, 100)).toBeNull()
  })
})

describe('trimmedRange', () => {
  it('drops the far-flung few: the [trim, 1 − trim] quantiles of an axis', () => {
    // x = 0..99 and one outlier at 1e6; y constant.
    const xy: number[] = []
    for (let i = 0; i < 100; i++) xy.push(i, 5)
    xy.push(1e6, 5)
    expect(trimmedRange(xy, 0, 0)).toEqual([0, 1e6])
    const [lo, hi] = trimmedRange(xy, 0, 0.02)
    // 101 values: ranks round(0.02·100) = 2 and round(0.98·100) = 98.
    expect([lo, hi]).toEqual([2, 98])
    expect(trimmedRange(xy, 1, 0.02)).toEqual([5, 5])
  })

  it('lets equalAspectBounds fit the bulk of a live layout', () => {
    const xy: number[] = []
    for (let i = 0; i < 100; i++) xy.push(i / 10, i / 10)
    xy.push(1e6, -1e6)
    const b = equalAspectBounds(xy, 100, 100, 0, 0.02)!
    expect(b.x[1]).toBeLessThan(20)
    expect(b.y[0]).toBeGreaterThan(-20)
  })
})
