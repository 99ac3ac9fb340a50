/** The first schema: datasets and their data, runs and what they produce. */
export const version = 10

export const sql = /* sql */ `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('pairs', 'ratings')),
  format TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('importing', 'ready', 'failed')),
  error TEXT,
  created_at TEXT NOT NULL,
  left_label TEXT NOT NULL,
  right_label TEXT NOT NULL,
  stats TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  -- pid of the process that owns an import in progress (NULL once it ends)
  owner_pid INTEGER
) STRICT;

-- side: 0 = left (books, users), 1 = right (links, items).
-- idx is the dense 0-based row of the entity in its side's embedding table.
CREATE TABLE entities (
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  side INTEGER NOT NULL CHECK (side IN (0, 1)),
  idx INTEGER NOT NULL,
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  frequency INTEGER NOT NULL,
  metadata TEXT,
  PRIMARY KEY (dataset_id, side, idx)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX entities_by_key ON entities (dataset_id, side, key);

-- Interactions in file order, stored column-wise in chunks: left and right are
-- Int32 entity indices, value Float32 (NULL when the data has none), ts Float64
-- seconds (NULL when absent), all little-endian BLOBs of n elements.
CREATE TABLE interaction_chunks (
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  chunk INTEGER NOT NULL,
  n INTEGER NOT NULL,
  left_idx BLOB NOT NULL,
  right_idx BLOB NOT NULL,
  value BLOB,
  ts BLOB,
  PRIMARY KEY (dataset_id, chunk)
) STRICT, WITHOUT ROWID;

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  model TEXT NOT NULL,
  -- the full hyper-parameters (JSON), seed included
  params TEXT NOT NULL,
  engine_choice TEXT NOT NULL,
  threads INTEGER NOT NULL,
  -- engine, backend, device, threads and versions actually used (JSON)
  engine TEXT,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  error TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  duration_sec REAL NOT NULL DEFAULT 0,
  epoch INTEGER NOT NULL DEFAULT 0,
  step INTEGER NOT NULL DEFAULT 0,
  total_steps INTEGER NOT NULL DEFAULT 0,
  steps_per_epoch INTEGER NOT NULL DEFAULT 0,
  final_loss REAL,
  final_accuracy REAL,
  examples_per_sec REAL,
  job_id TEXT,
  -- pid of the process owning the running job (NULL once it ends)
  owner_pid INTEGER
) STRICT;
CREATE INDEX runs_by_dataset ON runs (dataset_id);

CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  epoch REAL NOT NULL,
  wall REAL NOT NULL,
  value REAL NOT NULL
) STRICT;
CREATE INDEX metrics_by_run_key ON metrics (run_id, key, step);

CREATE TABLE embeddings (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  side TEXT NOT NULL,
  rows INTEGER NOT NULL,
  dim INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, side)
) STRICT;

CREATE TABLE checkpoints (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  step INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  state BLOB NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT;

CREATE TABLE projections (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  side TEXT NOT NULL,
  method TEXT NOT NULL,
  params TEXT NOT NULL,
  dims INTEGER NOT NULL,
  coords BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX projections_by_run ON projections (run_id, side);
`
