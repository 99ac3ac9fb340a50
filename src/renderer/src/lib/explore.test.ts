import { describe, expect, it } from 'vitest'
import {
  defaultExportColumns,
  entitiesAsText,
  exploreQuery,
  otherSide,
  pagesFor,
  parseExploreQuery,
  preferredColorColumn,
  projectionIdOf,
  regexError,
  visibleRange,
} from './explore'

describe('route state', () => {
  it('round-trips side, tab and entity, leaving defaults out of the URL', () => {
    const q = { side: 'right' as const, tab: 'map' as const, entity: 12 }
    expect(exploreQuery(q)).toEqual({ side: 'right', tab: 'map', entity: '12' })
    expect(parseExploreQuery(exploreQuery(q))).toEqual(q)
    expect(exploreQuery({ side: 'left', tab: 'browser', entity: null })).toEqual({})
  })

  it('ignores bad values', () => {
    expect(parseExploreQuery({ side: 'up', tab: 'nope', entity: '-3' })).toEqual({ side: 'left', tab: 'browser', entity: null })
    expect(parseExploreQuery({ entity: ['7', '8'] }).entity).toBe(7)
  })
})

describe('otherSide', () => {
  it('swaps', () => {
    expect(otherSide('left')).toBe('right')
    expect(otherSide('right')).toBe('left')
  })
})

describe('regexError', () => {
  it('accepts valid patterns and explains invalid ones', () => {
    expect(regexError('^the (lord|hobbit)')).toBeNull()
    expect(regexError('')).toBeNull()
    expect(regexError('(unclosed')).toMatch(/unterminated|missing|\)/i)
  })
})

describe('entitiesAsText', () => {
  it('writes a header and one tab-separated line per entity, tabs and newlines in values flattened', () => {
    const text = entitiesAsText(
      [
        { key: 'a', label: 'Alpha\tOne', metadata: { genre: 'x' } },
        { key: 'b', label: 'Beta\nTwo', metadata: {} },
      ],
      ['genre'],
    )
    expect(text).toBe('key\tlabel\tgenre\na\tAlpha One\tx\nb\tBeta Two\t\n')
  })
})

describe('virtual list', () => {
  it('renders the rows in view plus the overscan, clamped to the list', () => {
    // rows of 30 px, viewport 300 px scrolled to 600 px: rows 20..30 visible.
    expect(visibleRange(600, 300, 30, 1000, 5)).toEqual([15, 35])
    expect(visibleRange(0, 300, 30, 4, 5)).toEqual([0, 4])
    expect(visibleRange(0, 300, 30, 0)).toEqual([0, 0])
  })

  it('lists the pages a range touches', () => {
    expect(pagesFor(15, 35, 20)).toEqual([0, 1])
    expect(pagesFor(40, 60, 20)).toEqual([2])
    expect(pagesFor(5, 5, 20)).toEqual([])
  })
})

describe('column defaults', () => {
  it('ticks label and genre for books; the first column otherwise', () => {
    expect(defaultExportColumns(['key', 'label', 'author', 'genre', 'pages'])).toEqual(['label', 'genre'])
    expect(defaultExportColumns(['key', 'title'])).toEqual(['key'])
    expect(defaultExportColumns(['label', 'key', 'frequency', 'title', 'genres', 'year'])).toEqual(['label', 'genres'])
  })

  it('colours by a genre-like column first', () => {
    expect(preferredColorColumn(['pages', 'Genre', 'author'])).toBe('Genre')
    expect(preferredColorColumn(['pages'])).toBeNull()
  })
})

describe('projectionIdOf', () => {
  it('reads the stored map from a finished job’s result', () => {
    expect(projectionIdOf({ result: { projectionId: 7 } })).toBe(7)
    expect(projectionIdOf({ result: { id: 3 } })).toBe(3)
    expect(projectionIdOf({ result: { projectionId: 'x' } })).toBeNull()
    expect(projectionIdOf({ result: null })).toBeNull()
    expect(projectionIdOf(null)).toBeNull()
  })
})
