/**
 * Rating models: a finished rating run stores its evaluation on its split
 * (JSON, see `Evaluation` in shared/ratings.ts) and its fitted model, so the
 * user view can predict for any user without retraining. A model is one
 * BLOB: a JSON header (kind, scalars, array layout) followed by the arrays.
 */
export const version = 30

export const sql = /* sql */ `
ALTER TABLE runs ADD COLUMN evaluation TEXT;

CREATE TABLE rating_models (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
`
