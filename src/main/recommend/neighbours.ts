/**
 * Building blocks of exact nearest-neighbour search: L2-normalised rows (a
 * cosine is then a dot product) and a partial selection of the top k.
 */
export interface NormalizedTable {
  rows: number
  dim: number
  data: Float32Array
}

export function normalizeRows(rows: number, dim: number, data: Float32Array): NormalizedTable {
  const out = new Float32Array(rows * dim)
  for (let i = 0; i < rows; i++) {
    const o = i * dim
    let ss = 0
    for (let d = 0; d < dim; d++) ss += data[o + d]! * data[o + d]!
    const inv = 1 / Math.sqrt(Math.max(ss, 1e-12))
    for (let d = 0; d < dim; d++) out[o + d] = data[o + d]! * inv
  }
  return { rows, dim, data: out }
}

/** Indices of the k largest scores, best first (a bounded min-heap); -Infinity and NaN are skipped. */
export function topK(scores: Float32Array | Float64Array, k: number): { index: number; score: number }[] {
  if (k <= 0) return []
  const heapIdx = new Int32Array(k)
  const heapVal = new Float64Array(k)
  let size = 0
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < size && heapVal[l]! < heapVal[m]!) m = l
      if (r < size && heapVal[r]! < heapVal[m]!) m = r
      if (m === i) return
      ;[heapVal[i], heapVal[m]] = [heapVal[m]!, heapVal[i]!]
      ;[heapIdx[i], heapIdx[m]] = [heapIdx[m]!, heapIdx[i]!]
      i = m
    }
  }
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!
    if (!(v > -Infinity)) continue
    if (size < k) {
      let j = size++
      heapVal[j] = v
      heapIdx[j] = i
      while (j > 0) {
        const p = (j - 1) >> 1
        if (heapVal[p]! <= heapVal[j]!) break
        ;[heapVal[p], heapVal[j]] = [heapVal[j]!, heapVal[p]!]
        ;[heapIdx[p], heapIdx[j]] = [heapIdx[j]!, heapIdx[p]!]
        j = p
      }
    } else if (v > heapVal[0]!) {
      heapVal[0] = v
      heapIdx[0] = i
      siftDown(0)
    }
  }
  const out = Array.from({ length: size }, (_, i) => ({ index: heapIdx[i]!, score: heapVal[i]! }))
  return out.sort((a, b) => b.score - a.score || a.index - b.index)
}
