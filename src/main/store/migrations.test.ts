import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { openDatabase } from './db'
import { DatabaseTooNewError, migrate, MIGRATIONS, SCHEMA_VERSION } from './migrations'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => (tmp = tempDir()))
afterEach(() => tmp.cleanup())

const tables = (db: Database.Database) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name)

describe('migrations', () => {
  it('versions are in steps of 10, increasing', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(10 * (i + 1)))
  })

  it('creates every table of the design on a new database, in WAL mode', () => {
    const db = openDatabase(join(tmp.dir, 'a.sqlite'))
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(tables(db)).toEqual(
      expect.arrayContaining(['datasets', 'entities', 'interaction_chunks', 'runs', 'metrics', 'embeddings', 'checkpoints', 'projections', 'meta']),
    )
    db.close()
  })

  it('is idempotent: reopening does not re-run steps', () => {
    const path = join(tmp.dir, 'a.sqlite')
    openDatabase(path).close()
    const db = openDatabase(path)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    db.close()
  })

  it('refuses a database written by a newer app and leaves it untouched', () => {
    const path = join(tmp.dir, 'newer.sqlite')
    const raw = new Database(path)
    raw.exec('CREATE TABLE future (x INTEGER)')
    raw.pragma(`user_version = ${SCHEMA_VERSION + 10}`)
    raw.close()
    expect(() => openDatabase(path)).toThrow(DatabaseTooNewError)
    expect(() => openDatabase(path)).toThrow(/newer than this app/)
    const check = new Database(path)
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 10)
    expect(tables(check)).toEqual(['future'])
    check.close()
  })

  it('applies all pending steps in one transaction: a failing step leaves the old version', () => {
    const db = new Database(join(tmp.dir, 'b.sqlite'))
    const steps = [
      { version: 10, sql: 'CREATE TABLE a (x INTEGER)' },
      { version: 20, sql: 'CREATE TABLE b (x INTEGER); THIS IS NOT SQL' },
    ]
    expect(() => migrate(db, 'b.sqlite', steps)).toThrow()
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    expect(tables(db)).toEqual([])
    expect(migrate(db, 'b.sqlite', steps.slice(0, 1))).toBe(10)
    expect(migrate(db, 'b.sqlite', [...steps.slice(0, 1), { version: 20, sql: 'CREATE TABLE b (x INTEGER)' }])).toBe(20)
    expect(tables(db)).toEqual(['a', 'b'])
    db.close()
  })

  it('hot queries use the indexes meant for them', () => {
    const db = openDatabase(join(tmp.dir, 'c.sqlite'))
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ')
    expect(plan(`SELECT idx FROM entities WHERE dataset_id = 1 AND side = 0 AND key = 'x'`)).toMatch(/entities_by_key/)
    expect(plan('SELECT * FROM entities WHERE dataset_id = 1 AND side = 1 ORDER BY idx')).toMatch(/USING PRIMARY KEY/)
    expect(plan('SELECT * FROM interaction_chunks WHERE dataset_id = 1 ORDER BY chunk')).toMatch(/USING PRIMARY KEY/)
    expect(plan(`SELECT step, value FROM metrics WHERE run_id = 1 AND key = 'loss' ORDER BY step`)).toMatch(/metrics_by_run_key/)
    db.close()
  })
})
