/**
 * Search a dataset side's entities by label, or by label, key and metadata
 * values: case-insensitive substring, or regular expression (flags `im`: one
 * field per line, so `^` and `$` anchor at field boundaries). Matches come by
 * frequency (desc), then index; `total` counts them all, `items` is the page
 * [offset, offset + limit). An empty query lists everything.
 *
 * Speed: the fields of all entities are one string per (dataset, side), in
 * frequency order (./entities.ts), so a query is one `indexOf` / `RegExp.exec`
 * scan of a few megabytes, jumping to the next entity after each match, plus a
 * binary search from the match position to its entity: a few milliseconds at
 * 100,000 entities. A regex match that runs past its entity's end is checked
 * again on that entity's own text alone; a pattern with look-around is tested
 * on each entity's text alone (slower, ~10–20 ms at 100,000).
 */
import { ApiError } from '../../shared/api'
import type { SearchQuery, SearchResult } from '../../shared/explore'
import type { Entity } from '../../shared/schemas'
import type { Db } from '../store/db'
import { entityTable, haystacks, type Haystack } from './entities'

export function searchEntities(db: Db, q: SearchQuery): SearchResult {
  const t0 = performance.now()
  const table = entityTable(db, q.datasetId, q.side)
  const n = table.byFrequency.length
  const items: Entity[] = []
  const end = q.offset + q.limit
  let total = 0
  const take = (rank: number) => {
    if (total >= q.offset && total < end) items.push(table.entities[table.byFrequency[rank]!]!)
    total++
  }
  if (q.query === '') {
    for (let r = 0; r < n; r++) take(r)
  } else if (n > 0) {
    const h = haystacks(table)[q.fields]
    if (q.mode === 'substring') scanSubstring(h, q.query.toLowerCase(), take)
    else scanRegex(h, q.query, take)
  }
  return { total, items, tookMs: performance.now() - t0 }
}

/** The user's pattern, case-insensitive and multi-line; an invalid one is an invalid_request with the engine's message. */
export function compileRegex(pattern: string, flags = 'im'): RegExp {
  try {
    return new RegExp(pattern, flags)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new ApiError({ code: 'invalid_request', message, issues: [{ path: 'query', message }] })
  }
}

function scanSubstring(h: Haystack, needle: string, take: (rank: number) => void): void {
  const { lower: text, lowerStarts: starts } = h
  const n = starts.length - 1
  let r = 0
  let pos = 0
  while (r < n && (pos = text.indexOf(needle, pos)) !== -1) {
    r = rankAt(starts, pos, r)
    const segEnd = starts[r + 1]! - 1
    if (pos + needle.length <= segEnd || text.slice(starts[r], segEnd).includes(needle)) take(r)
    pos = starts[++r]!
  }
}

const LOOK_AROUND = /\(\?<?[=!]/

function scanRegex(h: Haystack, pattern: string, take: (rank: number) => void): void {
  const single = compileRegex(pattern)
  const scan = compileRegex(pattern, 'gim')
  const { text, starts } = h
  const n = starts.length - 1
  if (LOOK_AROUND.test(pattern)) {
    // Look-around can see past an entity's end in the joined text: test each entity alone.
    for (let r = 0; r < n; r++) if (single.test(text.slice(starts[r], starts[r + 1]! - 1))) take(r)
    return
  }
  let r = 0
  for (;;) {
    const m = scan.exec(text)
    if (!m) return
    r = rankAt(starts, m.index, r)
    const segEnd = starts[r + 1]! - 1
    if (m.index + m[0].length <= segEnd || single.test(text.slice(starts[r], segEnd))) take(r)
    if (++r >= n) return
    scan.lastIndex = starts[r]!
  }
}

/** The rank whose segment holds position `pos` (starts ascending; searching from rank `from`). */
function rankAt(starts: Int32Array, pos: number, from: number): number {
  let lo = from
  let hi = starts.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= pos) lo = mid
    else hi = mid - 1
  }
  return lo
}
