/** Helpers of the Explore view (pure, no Vue): names, sides, the route's state, lists as text, virtual lists. */
import type { Dataset, Entity, Job, Side } from '../../../shared/schemas'

export type ExploreTab = 'browser' | 'map' | 'export'
export const EXPLORE_TABS: readonly ExploreTab[] = ['browser', 'map', 'export']

export const otherSide = (s: Side): Side => (s === 'left' ? 'right' : 'left')

export function sideLabel(dataset: Pick<Dataset, 'leftLabel' | 'rightLabel'> | null | undefined, side: Side): string {
  if (!dataset) return side
  return side === 'left' ? dataset.leftLabel : dataset.rightLabel
}

/** What to call an entity: its label, else its key. */
export const entityName = (e: Pick<Entity, 'label' | 'key'>): string => e.label || e.key

/** A regex the user typed: null if JavaScript accepts it, else why not. */
export function regexError(text: string): string | null {
  if (text === '') return null
  try {
    new RegExp(text, 'i')
    return null
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err)
  }
}

export interface ExploreQuery {
  side: Side
  tab: ExploreTab
  /** The entity shown in the browser (an index of `side`). */
  entity: number | null
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v)

/** The Explore view's state from the route's query (`?side=right&tab=map&entity=12`), bad values ignored. */
export function parseExploreQuery(query: Record<string, unknown>): ExploreQuery {
  const side = first(query.side) === 'right' ? 'right' : 'left'
  const t = first(query.tab)
  const tab = EXPLORE_TABS.includes(t as ExploreTab) ? (t as ExploreTab) : 'browser'
  const raw = first(query.entity)
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : null
  return { side, tab, entity: n }
}

export function exploreQuery(q: ExploreQuery): Record<string, string> {
  const out: Record<string, string> = {}
  if (q.side !== 'left') out.side = q.side
  if (q.tab !== 'browser') out.tab = q.tab
  if (q.entity !== null) out.entity = String(q.entity)
  return out
}

/** A list of entities as text: one per line, tab-separated key, label and the given metadata columns, with a header. */
export function entitiesAsText(rows: readonly { key: string; label: string; metadata?: Record<string, string> }[], columns: readonly string[] = []): string {
  const clean = (v: string | undefined): string => (v ?? '').replace(/[\t\r\n]+/g, ' ')
  const lines = [['key', 'label', ...columns].join('\t')]
  for (const r of rows) lines.push([clean(r.key), clean(r.label), ...columns.map((c) => clean(r.metadata?.[c]))].join('\t'))
  return `${lines.join('\n')}\n`
}

/** Rows [from, to) to render in a virtual list of fixed-height rows, with `overscan` rows either side. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 8): [number, number] {
  if (total <= 0 || rowHeight <= 0) return [0, 0]
  const from = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const to = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan)
  return [Math.min(from, to), to]
}

/** The pages (of `size` rows) a range of rows [from, to) touches. */
export function pagesFor(from: number, to: number, size: number): number[] {
  if (to <= from) return []
  const out: number[] = []
  for (let p = Math.floor(from / size); p <= Math.floor((to - 1) / size); p++) out.push(p)
  return out
}

/** Export columns ticked by default: the label, and a genre column when the data has one (books). */
export function defaultExportColumns(columns: readonly string[]): string[] {
  const want = ['label', 'genre', 'genres']
  const picked = columns.filter((c) => want.includes(c.toLowerCase()))
  return picked.length ? picked : columns.slice(0, 1)
}

/** Metadata columns worth colouring a map by first: genre-like before the rest. */
export function preferredColorColumn(columns: readonly string[]): string | null {
  const order = ['genre', 'genres', 'category', 'country', 'language', 'author']
  for (const name of order) {
    const c = columns.find((x) => x.toLowerCase() === name)
    if (c) return c
  }
  return null
}

/** The projection a finished map job wrote, if its result says so (`projectionId`, or `id`). */
export function projectionIdOf(job: Pick<Job, 'result'> | null): number | null {
  const r = job?.result
  if (!r) return null
  for (const key of ['projectionId', 'id']) {
    const v = r[key]
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v
  }
  return null
}
