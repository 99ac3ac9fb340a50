import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { migrate } from './migrations'

export type Db = Database.Database

export interface OpenOptions {
  readonly?: boolean
  /** Path to a better_sqlite3.node built for this runtime (Electron). */
  nativeBinding?: string
}

/** Open (creating and migrating if needed) the workbench database. */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (!options.readonly) mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 10000')
    if (!options.readonly) migrate(db, path)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

export const nowIso = (): string => new Date().toISOString()
