/**
 * Forward-only migrations (Signal-Desktop style): one file per version in
 * steps of 10, all pending steps in one transaction, `PRAGMA user_version`
 * records where the database is. A database newer than the app is refused.
 */
import type Database from 'better-sqlite3'
import * as m010 from './010-initial'
import * as m020 from './020-projections'
import * as m030 from './030-ratings'

export interface Migration {
  version: number
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [m010, m020, m030]
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

export class DatabaseTooNewError extends Error {
  constructor(path: string, found: number) {
    super(
      `The database ${path} has schema version ${found}, newer than this app understands (${SCHEMA_VERSION}). ` +
        'It was written by a newer Embedding Workbench; update the app or choose another data directory.',
    )
    this.name = 'DatabaseTooNewError'
  }
}

export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = migrations[migrations.length - 1]?.version ?? 0
  if (current > latest) throw new DatabaseTooNewError(path, current)
  const pending = migrations.filter((m) => m.version > current)
  if (pending.length === 0) return current
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    }
  }).immediate()
  return latest
}
