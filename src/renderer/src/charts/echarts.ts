/**
 * ECharts, tree-shaken: only the bar, line and scatter charts and the components we use are
 * registered (brush and a continuous visual map for the embedding maps). Import `VChart` and `ChartOption` from here, never from 'echarts'.
 *
 * Tooltips render as rich text on the canvas: the HTML tooltip writes inline
 * `style` attributes, which the page's CSP (style-src 'self') blocks.
 */
import { use, type ComposeOption } from 'echarts/core'
import {
  BarChart,
  LineChart,
  ScatterChart,
  type BarSeriesOption,
  type LineSeriesOption,
  type ScatterSeriesOption,
} from 'echarts/charts'
import {
  BrushComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  type BrushComponentOption,
  type DataZoomComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TitleComponentOption,
  type TooltipComponentOption,
  type VisualMapComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import VChart from 'vue-echarts'

use([
  BarChart,
  LineChart,
  ScatterChart,
  BrushComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
])

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | ScatterSeriesOption
  | BrushComponentOption
  | DataZoomComponentOption
  | GridComponentOption
  | LegendComponentOption
  | TitleComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>

export { VChart }

/** Shared look: matches the stylesheet's tokens. */
export const CHART = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  text: '#1c2128',
  muted: '#57606a',
  grid: '#e6e9ee',
  left: '#2457c5',
  right: '#d9822b',
} as const

const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches

/** Options every chart starts from. */
export const baseOption: ChartOption = {
  textStyle: { fontFamily: CHART.font },
  animation: !reducedMotion,
  animationDuration: 300,
  animationDurationUpdate: 200,
}

export const baseTooltip: TooltipComponentOption = {
  renderMode: 'richText',
  backgroundColor: '#1c2128',
  borderWidth: 0,
  padding: [6, 9],
  textStyle: { color: '#ffffff', fontSize: 12, fontFamily: CHART.font },
}

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })
export const formatAxisNumber = (v: number): string => (Math.abs(v) >= 10000 ? compact.format(v) : String(v))

/**
 * For charts that manage their own instance (the embedding map: big typed
 * arrays, partial updates that keep the zoom and the brush): `initChart(el)`.
 */
export { init as initChart, type EChartsType } from 'echarts/core'
