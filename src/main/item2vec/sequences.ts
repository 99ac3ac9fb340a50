/**
 * item2vec's "sentences": each user's items in time order (Barkan &
 * Koenigstein 2016 treat a user's set as a sentence; we keep the order so a
 * window means "consumed around the same time").
 *
 *   1. rating filter: keep interactions with rating ≥ minRating (null = all);
 *   2. item filter: drop items with fewer than minItemCount interactions left
 *      after step 1 (word2vec's min_count; one pass, not repeated after step 3);
 *   3. per user, order by timestamp with ties — and no `ts` at all — in input
 *      (file) order: a stable sort, tie-broken by row index. A NaN timestamp
 *      counts as "undated" and sorts before every dated row of the user;
 *   4. drop users left with fewer than minSequenceLength items.
 * Repeated (user, item) rows stay: a re-watch is a word said twice.
 *
 * Output: one sequence per kept user, in user order (CSR: items of sequence s
 * are items[offsets[s] .. offsets[s + 1])), the owner of each sequence, and
 * the item counts over the kept sequences (the vocabulary counts the trainer
 * uses for subsampling and the negative table, and SIF uses for p(item)).
 */

export interface InteractionInput {
  n: number
  user: Int32Array
  item: Int32Array
  rating: Float32Array
  ts?: Float64Array
}

export interface SequenceOptions {
  minRating: number | null
  minItemCount: number
  minSequenceLength: number
}

export interface Sequences {
  /** nSeq + 1 entries; sequence s is items[offsets[s] .. offsets[s + 1]). */
  offsets: Int32Array
  items: Int32Array
  /** The user of each sequence (ascending). */
  owner: Int32Array
  /** Per item: occurrences in the kept sequences. */
  counts: Float64Array
  /** Σ counts = items.length. */
  totalItems: number
}

export function buildSequences(input: InteractionInput, nUsers: number, nItems: number, opts: SequenceOptions): Sequences {
  const { n, user, item, rating, ts } = input
  const minRating = opts.minRating
  const minItemCount = Math.max(1, opts.minItemCount)
  const minLength = Math.max(1, opts.minSequenceLength)

  // 1. rating filter + item counts.
  const pass = new Uint8Array(n)
  const itemCount = new Int32Array(nItems)
  for (let k = 0; k < n; k++) {
    if (minRating !== null && !(rating[k]! >= minRating)) continue
    const u = user[k]!
    const i = item[k]!
    if (u < 0 || u >= nUsers || i < 0 || i >= nItems) throw new Error(`buildSequences: row ${k} has user ${u} / item ${i} outside ${nUsers} × ${nItems}`)
    pass[k] = 1
    itemCount[i]!++
  }
  // 2. item filter, and each user's row count (counting sort by user keeps input order).
  const start = new Int32Array(nUsers + 1)
  for (let k = 0; k < n; k++) {
    if (pass[k] && itemCount[item[k]!]! < minItemCount) pass[k] = 0
    if (pass[k]) start[user[k]! + 1]!++
  }
  for (let u = 0; u < nUsers; u++) start[u + 1]! += start[u]!
  const rows = new Int32Array(start[nUsers]!)
  const fill = start.slice(0, nUsers)
  for (let k = 0; k < n; k++) if (pass[k]) rows[fill[user[k]!]!++] = k

  // 3. time order within each user; 4. length filter.
  let nSeq = 0
  let total = 0
  for (let u = 0; u < nUsers; u++) {
    const len = start[u + 1]! - start[u]!
    if (len >= minLength) {
      nSeq++
      total += len
    }
  }
  const offsets = new Int32Array(nSeq + 1)
  const items = new Int32Array(total)
  const owner = new Int32Array(nSeq)
  const counts = new Float64Array(nItems)
  const key = (r: number): number => {
    const t = ts![r]!
    return Number.isNaN(t) ? -Infinity : t
  }
  let s = 0
  let o = 0
  for (let u = 0; u < nUsers; u++) {
    const a = start[u]!
    const b = start[u + 1]!
    if (b - a < minLength) continue
    const seg = rows.subarray(a, b)
    if (ts && !isSorted(seg, key)) seg.sort((x, y) => key(x) - key(y) || x - y)
    for (let q = 0; q < seg.length; q++) {
      const i = item[seg[q]!]!
      items[o++] = i
      counts[i]!++
    }
    owner[s] = u
    offsets[++s] = o
  }
  return { offsets, items, owner, counts, totalItems: total }
}

function isSorted(rows: Int32Array, key: (r: number) => number): boolean {
  for (let q = 1; q < rows.length; q++) if (key(rows[q]!) < key(rows[q - 1]!)) return false
  return true
}
