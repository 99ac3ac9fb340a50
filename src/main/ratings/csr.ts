/**
 * Ratings as compressed sparse rows, by user or by item — the layout the
 * neighbourhood model, the RBM and the user view's co-rating similarity read.
 */
import type { RatingTriples } from './model'

/** Compressed sparse rows: row r's entries are index/value[ptr[r] … ptr[r+1]). */
export interface Csr {
  ptr: Int32Array
  index: Int32Array
  value: Float32Array
}

/**
 * The first t.n triples as CSR by user (index = item) or by item (index =
 * user), each row sorted by index (stable for duplicates).
 */
export function buildCsr(t: RatingTriples, nUsers: number, nItems: number, by: 'user' | 'item'): Csr {
  // Bucket by the other side first, then transpose: a transpose visits rows
  // in order, so the result's rows come out sorted.
  const other = by === 'user' ? bucket(t.n, t.item, t.user, t.rating, nItems) : bucket(t.n, t.user, t.item, t.rating, nUsers)
  return transpose(other, by === 'user' ? nUsers : nItems)
}

/** CSR by the `rows` array (rows unsorted inside). */
function bucket(n: number, rows: Int32Array, cols: Int32Array, values: Float32Array, nRows: number): Csr {
  const ptr = new Int32Array(nRows + 1)
  for (let k = 0; k < n; k++) ptr[rows[k]! + 1]!++
  for (let r = 0; r < nRows; r++) ptr[r + 1]! += ptr[r]!
  const fill = ptr.slice(0, nRows)
  const index = new Int32Array(n)
  const value = new Float32Array(n)
  for (let k = 0; k < n; k++) {
    const at = fill[rows[k]!]!++
    index[at] = cols[k]!
    value[at] = values[k]!
  }
  return { ptr, index, value }
}

/** The transpose of a CSR (nCols columns), rows of the result sorted. */
export function transpose(m: Csr, nCols: number): Csr {
  const n = m.index.length
  const ptr = new Int32Array(nCols + 1)
  for (let k = 0; k < n; k++) ptr[m.index[k]! + 1]!++
  for (let c = 0; c < nCols; c++) ptr[c + 1]! += ptr[c]!
  const fill = ptr.slice(0, nCols)
  const index = new Int32Array(n)
  const value = new Float32Array(n)
  const nRows = m.ptr.length - 1
  for (let r = 0; r < nRows; r++) {
    for (let k = m.ptr[r]!; k < m.ptr[r + 1]!; k++) {
      const at = fill[m.index[k]!]!++
      index[at] = r
      value[at] = m.value[k]!
    }
  }
  return { ptr, index, value }
}
