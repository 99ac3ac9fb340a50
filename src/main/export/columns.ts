/**
 * The columns an export can write next to the vectors: the entity's label,
 * key and frequency, then every metadata column of its side (in order of
 * first appearance). A metadata column named like a built-in one is hidden by
 * it. Missing metadata values are `undefined`; each format decides what to
 * write for them.
 */
import type { Entity } from '../../shared/schemas'
import { TaskError } from '../jobs/reporter'

export const BUILTIN_COLUMNS = ['label', 'key', 'frequency'] as const
const BUILTIN = new Set<string>(BUILTIN_COLUMNS)

export interface Column {
  name: string
  get(e: Entity): string | undefined
}

/** Every column of a side, and the metadata columns hidden by a built-in name. */
export function availableColumns(metadataColumns: readonly string[]): { columns: string[]; hidden: string[] } {
  return {
    columns: [...BUILTIN_COLUMNS, ...metadataColumns.filter((c) => !BUILTIN.has(c))],
    hidden: metadataColumns.filter((c) => BUILTIN.has(c)),
  }
}

/** Metadata column names in order of first appearance (entity index, then field order). */
export function metadataColumnsOf(entities: readonly Entity[]): string[] {
  const seen = new Set<string>()
  for (const e of entities) for (const k in e.metadata) seen.add(k)
  return [...seen]
}

export function hiddenColumnWarning(hidden: readonly string[]): string[] {
  return hidden.map((c) => `The metadata column “${c}” has the name of a built-in column: the entity's ${c} is written instead.`)
}

/**
 * The requested columns, checked against the available ones; repeats are
 * dropped with a warning. The side's metadata columns are only looked up
 * when a requested column is not a built-in one.
 */
export function resolveColumns(requested: readonly string[], metadataColumns: () => readonly string[]): { columns: Column[]; warnings: string[] } {
  if (requested.some((c) => !BUILTIN.has(c))) {
    const { columns: available } = availableColumns(metadataColumns())
    const known = new Set(available)
    const unknown = requested.filter((c) => !known.has(c))
    if (unknown.length > 0) {
      throw new TaskError({
        code: 'invalid',
        message: `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `“${c}”`).join(', ')}. This side has: ${available.join(', ')}.`,
        badRows: null,
      })
    }
  }
  const unique = [...new Set(requested)]
  const warnings = unique.length < requested.length ? ['Columns asked for more than once are written once.'] : []
  return { columns: unique.map(column), warnings }
}

function column(name: string): Column {
  switch (name) {
    case 'label':
      return { name, get: (e) => e.label }
    case 'key':
      return { name, get: (e) => e.key }
    case 'frequency':
      return { name, get: (e) => String(e.frequency) }
    default:
      return { name, get: (e) => e.metadata[name] }
  }
}

/** Make names unique by suffixing " (2)", " (3)", … (after sanitising, two names can become one). */
export function uniqueNames(names: readonly string[]): string[] {
  const used = new Set<string>()
  return names.map((name) => {
    let out = name
    for (let n = 2; used.has(out); n++) out = `${name} (${n})`
    used.add(out)
    return out
  })
}
