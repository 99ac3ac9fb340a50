/**
 * Maps of the embedding space: a projection stores its row count and how long
 * it took. The 010 table was never written to by a released build, so it is
 * recreated rather than altered (SQLite cannot add NOT NULL columns without
 * defaults to a STRICT table in place).
 */
export const version = 20

export const sql = /* sql */ `
DROP INDEX IF EXISTS projections_by_run;
DROP TABLE IF EXISTS projections;
CREATE TABLE projections (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  side TEXT NOT NULL,
  method TEXT NOT NULL,
  params TEXT NOT NULL,
  dims INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  -- rows × dims float32, row-major
  coords BLOB NOT NULL,
  seconds REAL NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX projections_by_run ON projections (run_id, side);
`
