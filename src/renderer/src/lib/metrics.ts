/**
 * Training metrics in the renderer: series as stored (parallel arrays of
 * step, epoch, wall, value), appending live points, and the x value a chart
 * plots them against. Pure functions: the composable and the charts own the
 * reactivity.
 */
import type { MetricPoint, MetricSeries } from '../../../shared/train'

/** Per-step metrics and the per-epoch means shown beside them. */
export const CHART_KEYS = {
  loss: { batch: 'batch_loss', epoch: 'loss' },
  accuracy: { batch: 'batch_accuracy', epoch: 'accuracy' },
} as const
export const METRIC_KEYS = ['batch_loss', 'batch_accuracy', 'loss', 'accuracy'] as const

export type XAxis = 'step' | 'epoch' | 'wall'
export const X_AXES: { value: XAxis; label: string }[] = [
  { value: 'step', label: 'Step' },
  { value: 'epoch', label: 'Epoch' },
  { value: 'wall', label: 'Wall time' },
]

export type SeriesByKey = Record<string, MetricSeries>

export function emptySeries(): MetricSeries {
  return { step: [], epoch: [], wall: [], value: [] }
}

/**
 * Append points (of one key, in step order) to a series, returning a new
 * series (new arrays: charts compare by identity). A point whose step is not
 * after the last one means the run went back (resumed from a checkpoint):
 * what was recorded from that step on is dropped first.
 */
export function appendPoints(series: MetricSeries | undefined, points: readonly MetricPoint[]): MetricSeries {
  const base = series ?? emptySeries()
  if (points.length === 0) return base
  let keep = base.step.length
  const first = points[0]!.step
  while (keep > 0 && base.step[keep - 1]! >= first) keep--
  const out: MetricSeries = {
    step: base.step.slice(0, keep),
    epoch: base.epoch.slice(0, keep),
    wall: base.wall.slice(0, keep),
    value: base.value.slice(0, keep),
  }
  for (const p of points) {
    const last = out.step.length ? out.step[out.step.length - 1]! : -Infinity
    if (p.step <= last) {
      // Out of order inside one batch of points: same rule.
      let k = out.step.length
      while (k > 0 && out.step[k - 1]! >= p.step) k--
      out.step.length = out.epoch.length = out.wall.length = out.value.length = k
    }
    out.step.push(p.step)
    out.epoch.push(p.epoch)
    out.wall.push(p.wall)
    out.value.push(p.value)
  }
  return out
}

/** Group live points by key, keeping their order. */
export function groupByKey(points: readonly MetricPoint[]): Map<string, MetricPoint[]> {
  const out = new Map<string, MetricPoint[]>()
  for (const p of points) {
    let list = out.get(p.key)
    if (!list) out.set(p.key, (list = []))
    list.push(p)
  }
  return out
}

/** Series as loaded may repeat steps (a run resumed over recorded steps): keep the latest of each. */
export function normaliseSeries(series: MetricSeries): MetricSeries {
  const n = series.step.length
  let sorted = true
  for (let i = 1; i < n && sorted; i++) if (series.step[i]! <= series.step[i - 1]!) sorted = false
  if (sorted) return series
  const points: MetricPoint[] = []
  for (let i = 0; i < n; i++) {
    points.push({ key: '', step: series.step[i]!, epoch: series.epoch[i]!, wall: series.wall[i]!, value: series.value[i]! })
  }
  return appendPoints(undefined, points)
}

/** The x array of a series for an axis: steps, (fractional) epochs, or training seconds. */
export function xValues(series: MetricSeries, axis: XAxis): number[] {
  return axis === 'step' ? series.step : axis === 'epoch' ? series.epoch : series.wall
}

/** The last value of a series, or null. */
export function lastValue(series: MetricSeries | undefined): number | null {
  if (!series || series.value.length === 0) return null
  return series.value[series.value.length - 1]!
}

/**
 * Stable run colours: a palette indexed by run id, so a run has the same
 * colour in every chart and table, whatever else is selected.
 */
export const RUN_PALETTE = [
  '#2457c5', // blue
  '#d9822b', // orange
  '#1a8a5a', // green
  '#c2261d', // red
  '#7b4fc4', // purple
  '#8c5a3c', // brown
  '#c2408f', // pink
  '#5b6472', // grey
  '#9a8a00', // olive
  '#1890a8', // teal
] as const

export function runColor(id: number): string {
  const n = RUN_PALETTE.length
  return RUN_PALETTE[(((Math.trunc(id) - 1) % n) + n) % n]!
}
