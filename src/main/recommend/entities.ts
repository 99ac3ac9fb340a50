/**
 * A dataset side's entities, read once and cached: the list by index, the
 * order by frequency (desc, then index), and — built on the first search —
 * the search haystacks (label, and label + key + metadata values, one field
 * per line, each also lower-cased).
 */
import { ApiError } from '../../shared/api'
import type { Entity, Side } from '../../shared/schemas'
import type { Db } from '../store/db'
import { readEntities } from '../store/datasets'
import { datasetStamp, LruCache, sideKey } from './cache'

export interface EntityTable {
  datasetId: number
  side: Side
  stamp: string
  entities: Entity[]
  /** Indices by frequency desc, then index. */
  byFrequency: Int32Array
  haystacks: Haystacks | null
}

/**
 * One search text per field choice: every entity's fields in frequency order
 * (rank r = byFrequency position), one field per line, each entity ended by a
 * newline (newlines inside values become spaces). `starts[r]` is where rank r
 * begins; `starts[n]` is the length. The lower-cased copy has its own
 * starts (lower-casing can change lengths).
 */
export interface Haystack {
  text: string
  starts: Int32Array
  lower: string
  lowerStarts: Int32Array
}

export interface Haystacks {
  /** The label only. */
  label: Haystack
  /** Label, key and every metadata value. */
  all: Haystack
}

const CACHE = new LruCache<EntityTable>(8)

export function entityTable(db: Db, datasetId: number, side: Side): EntityTable {
  const stamp = datasetStamp(db, datasetId)
  const key = sideKey(datasetId, side)
  const hit = CACHE.get(key)
  if (hit && hit.stamp === stamp) return hit
  const entities = readEntities(db, datasetId, side)
  const byFrequency = Int32Array.from(entities, (_, i) => i).sort((a, b) => entities[b]!.frequency - entities[a]!.frequency || a - b)
  const table: EntityTable = { datasetId, side, stamp, entities, byFrequency, haystacks: null }
  CACHE.set(key, table)
  return table
}

export function haystacks(table: EntityTable): Haystacks {
  if (table.haystacks) return table.haystacks
  const oneLine = (s: string) => (s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]+/g, ' ') : s)
  const label = buildHaystack(table, (e) => oneLine(e.label))
  const all = buildHaystack(table, (e) => {
    let text = `${oneLine(e.label)}\n${oneLine(e.key)}`
    for (const v of Object.values(e.metadata)) text += `\n${oneLine(v)}`
    return text
  })
  return (table.haystacks = { label, all })
}

function buildHaystack(table: EntityTable, fields: (e: Entity) => string): Haystack {
  const n = table.byFrequency.length
  const parts = new Array<string>(n)
  const lowerParts = new Array<string>(n)
  const starts = new Int32Array(n + 1)
  const lowerStarts = new Int32Array(n + 1)
  for (let r = 0; r < n; r++) {
    const text = `${fields(table.entities[table.byFrequency[r]!]!)}\n`
    const lower = text.toLowerCase()
    parts[r] = text
    lowerParts[r] = lower
    starts[r + 1] = starts[r]! + text.length
    lowerStarts[r + 1] = lowerStarts[r]! + lower.length
  }
  return { text: parts.join(''), starts, lower: lowerParts.join(''), lowerStarts }
}

/** The entity at `index`, or a not-found error naming it. */
export function entityAt(table: EntityTable, index: number): Entity {
  const e = table.entities[index]
  if (!e) throw new ApiError({ code: 'not_found', message: `No ${table.side} entity ${index} in dataset ${table.datasetId} (it has ${table.entities.length}).` })
  return e
}
