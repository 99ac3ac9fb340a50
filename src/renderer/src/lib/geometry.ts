/**
 * Map geometry: which points a brush (rectangle or lasso polygon, in data
 * coordinates) holds, and the 2-D view of a projection. Pure, no Vue.
 */

/** A brush area as ECharts reports it in data coordinates (`coordRange`). */
export type BrushArea =
  | { brushType: 'rect'; coordRange: [[number, number], [number, number]] }
  | { brushType: 'polygon'; coordRange: [number, number][] }

/** Even–odd rule: is (x, y) inside the polygon? Points on an edge may go either way. */
export function pointInPolygon(x: number, y: number, poly: readonly (readonly [number, number])[]): boolean {
  let inside = false
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!
    const [xj, yj] = poly[j]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/**
 * Indices of the points (xy: x0, y0, x1, y1, …) inside any of the areas, in
 * index order. A point hidden by the caller (`visible(i)` false) is skipped.
 */
export function selectInAreas(xy: ArrayLike<number>, areas: readonly BrushArea[], visible?: (i: number) => boolean): Int32Array {
  const n = Math.floor(xy.length / 2)
  const out: number[] = []
  const boxes = areas.map((a) => {
    if (a.brushType === 'rect') {
      const [[x0, x1], [y0, y1]] = a.coordRange
      return { area: a, minX: Math.min(x0, x1), maxX: Math.max(x0, x1), minY: Math.min(y0, y1), maxY: Math.max(y0, y1) }
    }
    let minX = Infinity
    let maxX = -Infinity
    let minY = Infinity
    let maxY = -Infinity
    for (const [x, y] of a.coordRange) {
      minX = Math.min(minX, x)
      maxX = Math.max(maxX, x)
      minY = Math.min(minY, y)
      maxY = Math.max(maxY, y)
    }
    return { area: a, minX, maxX, minY, maxY }
  })
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i]!
    const y = xy[2 * i + 1]!
    for (const b of boxes) {
      if (x < b.minX || x > b.maxX || y < b.minY || y > b.maxY) continue
      if (b.area.brushType === 'polygon' && !pointInPolygon(x, y, b.area.coordRange)) continue
      if (visible && !visible(i)) break
      out.push(i)
      break
    }
  }
  return Int32Array.from(out)
}

/** The first two axes of row-major coordinates with `dims` per row (a 3-D map seen from above). */
export function planar(coords: ArrayLike<number>, dims: number): Float32Array {
  const d = Math.max(1, Math.floor(dims))
  const rows = Math.floor(coords.length / d)
  const out = new Float32Array(rows * 2)
  for (let i = 0; i < rows; i++) {
    out[2 * i] = coords[i * d]!
    out[2 * i + 1] = d >= 2 ? coords[i * d + 1]! : 0
  }
  return out
}

/** A brush area from an ECharts event, or null if it is neither a rectangle nor a polygon in data coordinates. */
export function toBrushArea(raw: unknown): BrushArea | null {
  if (!raw || typeof raw !== 'object') return null
  const a = raw as { brushType?: unknown; coordRange?: unknown }
  if (!Array.isArray(a.coordRange)) return null
  if (a.brushType === 'rect' && a.coordRange.length === 2 && a.coordRange.every((r) => Array.isArray(r) && r.length === 2)) {
    return { brushType: 'rect', coordRange: a.coordRange as [[number, number], [number, number]] }
  }
  if (a.brushType === 'polygon' && a.coordRange.length >= 3 && a.coordRange.every((p) => Array.isArray(p) && p.length === 2)) {
    return { brushType: 'polygon', coordRange: a.coordRange as [number, number][] }
  }
  return null
}

/** The points of each group: codes[i] is point i's group (0 … groups−1); other codes are dropped. */
export function groupIndices(codes: ArrayLike<number>, groups: number): Int32Array[] {
  const counts = new Int32Array(groups)
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    if (c >= 0 && c < groups) counts[c]!++
  }
  const out = Array.from(counts, (n) => new Int32Array(n))
  const fill = new Int32Array(groups)
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    if (c >= 0 && c < groups) out[c]![fill[c]!++] = i
  }
  return out
}

/** x, y of the given points, packed (for one scatter series). Indices past the end are skipped. */
export function subsetXY(xy: ArrayLike<number>, indices: ArrayLike<number>): Float32Array {
  const n = Math.floor(xy.length / 2)
  const out = new Float32Array(indices.length * 2)
  let k = 0
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!
    if (i < 0 || i >= n) continue
    out[k++] = xy[2 * i]!
    out[k++] = xy[2 * i + 1]!
  }
  return k === out.length ? out : out.slice(0, k)
}

export interface Bounds {
  x: [number, number]
  y: [number, number]
}

/**
 * Axis ranges that show every point with one data unit the same length on
 * both axes (a map must not stretch), centred on the points, with a margin
 * of `pad` (a fraction of the half-range) around them.
 */
export function equalAspectBounds(xy: ArrayLike<number>, width: number, height: number, pad = 0.04, trim = 0): Bounds | null {
  let minX = Infinity
  let maxX = -Infinity
  let minY = Infinity
  let maxY = -Infinity
  if (trim > 0) {
    ;[minX, maxX] = trimmedRange(xy, 0, trim)
    ;[minY, maxY] = trimmedRange(xy, 1, trim)
  } else {
    for (let i = 0; i + 1 < xy.length; i += 2) {
      const x = xy[i]!
      const y = xy[i + 1]!
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue
      if (x < minX) minX = x
      if (x > maxX) maxX = x
      if (y < minY) minY = y
      if (y > maxY) maxY = y
    }
  }
  if (!(minX <= maxX) || width <= 0 || height <= 0) return null
  const cx = (minX + maxX) / 2
  const cy = (minY + maxY) / 2
  // Data units per pixel: whichever axis needs more.
  const perPx = Math.max((maxX - minX) / width, (maxY - minY) / height) * (1 + pad) || 1 / Math.min(width, height)
  const hx = (perPx * width) / 2
  const hy = (perPx * height) / 2
  return { x: [cx - hx, cx + hx], y: [cy - hy, cy + hy] }
}

const TRIM_SAMPLE = 20_000

/**
 * The [trim, 1 − trim] quantile range of one axis (0: x, 1: y), from at most
 * TRIM_SAMPLE evenly spaced points: the bulk of a layout, without the few
 * points an optimisation has flung far out in its first steps.
 */
export function trimmedRange(xy: ArrayLike<number>, axis: 0 | 1, trim: number): [number, number] {
  const n = Math.floor(xy.length / 2)
  const step = Math.max(1, Math.floor(n / TRIM_SAMPLE))
  const values: number[] = []
  for (let i = 0; i < n; i += step) {
    const v = xy[2 * i + axis]!
    if (Number.isFinite(v)) values.push(v)
  }
  if (values.length === 0) return [Infinity, -Infinity]
  values.sort((a, b) => a - b)
  const at = (q: number): number => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!
  return [at(trim), at(1 - trim)]
}
