/**
 * A rating run's view of one user (main process, one user at a time): the
 * user's ratings with the part of the run's split each fell in and the
 * model's prediction, the top-N items the user did not rate in training
 * ranked by the saved model, and for each recommendation the user's rated
 * items most similar to it ("because you rated").
 *
 * Item similarity: cosine of the run's item embeddings when the model has
 * them (MF, deep MF); otherwise cosine of the items' co-rating columns in the
 * training ratings (mean-centred per item), which every model can use.
 *
 * The fitted model, the split and the item columns are cached per run (an LRU
 * of two runs), so browsing users of one run recomputes nothing.
 */
import type { RatingModelParams, UserView } from '../../shared/ratings'
import type { Entity, Side } from '../../shared/schemas'
import type { Run } from '../../shared/train'
import { LruCache, runStamp } from '../recommend/cache'
import type { Db } from '../store/db'
import { getDataset, getEntity, readInteractions } from '../store/datasets'
import { loadEmbedding, loadRatingModel } from '../store/runs'
import { buildCsr } from './csr'
import type { Predictor, RatingTriples } from './model'
import { loadPredictor } from './models'
import { deserializeModel } from './serialize'
import { splitRatings } from './split'

interface RunState {
  datasetId: number
  runId: number
  stamp: string
  predictor: Predictor
  nUsers: number
  nItems: number
  parts: { train: RatingTriples; validation: RatingTriples | null; test: RatingTriples }
  /** Timestamp of each (user, item) of the dataset, by user: filled lazily per user from the interactions. */
  interactions: ReturnType<typeof readInteractions>
  itemTable: { dim: number; data: Float32Array; norms: Float32Array } | null
  /** Training ratings by item (CSR over users), mean-centred, with column norms: co-rating similarity. */
  columns: { start: Int32Array; user: Int32Array; value: Float32Array; norm: Float32Array } | null
}

const cache = new LruCache<RunState>(2)

async function runState(db: Db, run: Run): Promise<RunState> {
  const { stamp } = runStamp(db, run.id)
  const key = String(run.id)
  const hit = cache.get(key)
  if (hit && hit.stamp === stamp) return hit
  const saved = loadRatingModel(db, run.id)
  if (!saved) throw new Error(`Run ${run.id} has no fitted model stored: it did not finish.`)
  const predictor = await loadPredictor(deserializeModel(saved.data))
  const dataset = getDataset(db, run.datasetId)
  if (!dataset?.stats) throw new Error(`Dataset ${run.datasetId} is not ready.`)
  const nUsers = dataset.stats.left.count
  const nItems = dataset.stats.right.count
  const interactions = readInteractions(db, run.datasetId)
  const trainRows = (dataset.options as { predefinedSplit?: { trainRows?: number } }).predefinedSplit?.trainRows
  const split = splitRatings(interactions, run.params as RatingModelParams, nUsers, nItems, trainRows)
  const embedding = loadEmbedding(db, run.id, 'right')
  let itemTable: RunState['itemTable'] = null
  if (embedding && embedding.rows === nItems) {
    const norms = new Float32Array(nItems)
    for (let i = 0; i < nItems; i++) {
      let s = 0
      for (let d = 0; d < embedding.dim; d++) s += embedding.data[i * embedding.dim + d]! ** 2
      norms[i] = Math.sqrt(s)
    }
    itemTable = { dim: embedding.dim, data: embedding.data, norms }
  }
  const state: RunState = {
    datasetId: run.datasetId,
    runId: run.id,
    stamp,
    predictor,
    nUsers,
    nItems,
    parts: { train: split.train, validation: split.validation, test: split.test },
    interactions,
    itemTable,
    columns: itemTable ? null : itemColumns(split.train, nUsers, nItems),
  }
  cache.set(key, state)
  return state
}

export async function userView(db: Db, run: Run, q: { user: number; n: number; because: number }): Promise<UserView> {
  const t0 = performance.now()
  const s = await runState(db, run)
  if (q.user >= s.nUsers) throw new RangeError(`User ${q.user} does not exist: the dataset has ${s.nUsers} users (0–${s.nUsers - 1}).`)
  const entity = (side: Side, index: number) => ref(getEntity(db, s.datasetId, side, index))

  // The user's ratings in each part of the split.
  const rated = new Map<number, { rating: number; part: 'train' | 'validation' | 'test' }>()
  const collect = (t: RatingTriples | null, part: 'train' | 'validation' | 'test') => {
    if (!t) return
    for (let k = 0; k < t.n; k++) if (t.user[k] === q.user) rated.set(t.item[k]!, { rating: t.rating[k]!, part })
  }
  collect(s.parts.train, 'train')
  collect(s.parts.validation, 'validation')
  collect(s.parts.test, 'test')
  const times = new Map<number, number>()
  const { left, right, ts } = s.interactions
  if (ts) for (let k = 0; k < left.length; k++) if (left[k] === q.user) times.set(right[k]!, ts[k]!)

  const items = [...rated.keys()]
  const predicted = new Float32Array(items.length)
  s.predictor.predict(items.length, new Int32Array(items.length).fill(q.user), Int32Array.from(items), predicted)
  const history = items.map((item, k) => ({
    item: entity('right', item),
    rating: rated.get(item)!.rating,
    timestamp: times.get(item) ?? null,
    part: rated.get(item)!.part,
    predicted: predicted[k]!,
  }))
  history.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0) || a.item.index - b.item.index)

  // Top-N among the items the user did not rate in training (nor validation).
  const scores = new Float32Array(s.nItems)
  s.predictor.scoreUser(q.user, scores)
  const candidates: number[] = []
  for (let i = 0; i < s.nItems; i++) {
    const r = rated.get(i)
    if ((!r || r.part === 'test') && Number.isFinite(scores[i]!)) candidates.push(i)
  }
  candidates.sort((a, b) => scores[b]! - scores[a]! || a - b)
  const trainItems = items.filter((i) => rated.get(i)!.part === 'train')
  const recommendations = candidates.slice(0, q.n).map((item) => {
    const because = trainItems
      .map((j) => ({ j, similarity: similarity(s, item, j) }))
      .filter((x) => Number.isFinite(x.similarity))
      .sort((a, b) => b.similarity - a.similarity || a.j - b.j)
      .slice(0, q.because)
      .map(({ j, similarity: sim }) => ({ item: entity('right', j), rating: rated.get(j)!.rating, similarity: sim }))
    const r = rated.get(item)
    return { item: entity('right', item), score: scores[item]!, heldOut: r?.part === 'test' ? r.rating : null, because }
  })
  return {
    user: entity('left', q.user),
    history,
    recommendations,
    similarity: s.itemTable ? 'embeddings' : 'co-ratings',
    tookMs: performance.now() - t0,
  }
}

const ref = (e: Entity) => ({ index: e.index, key: e.key, label: e.label, metadata: e.metadata })

function similarity(s: RunState, a: number, b: number): number {
  if (s.itemTable) {
    const { dim, data, norms } = s.itemTable
    let dot = 0
    for (let d = 0; d < dim; d++) dot += data[a * dim + d]! * data[b * dim + d]!
    const n = norms[a]! * norms[b]!
    return n > 0 ? dot / n : 0
  }
  const c = s.columns!
  // Both columns are sorted by user: merge.
  let i = c.start[a]!
  let j = c.start[b]!
  const ie = c.start[a + 1]!
  const je = c.start[b + 1]!
  let dot = 0
  while (i < ie && j < je) {
    const ui = c.user[i]!
    const uj = c.user[j]!
    if (ui === uj) dot += c.value[i++]! * c.value[j++]!
    else if (ui < uj) i++
    else j++
  }
  const n = c.norm[a]! * c.norm[b]!
  return n > 0 ? dot / n : 0
}

/** CSR of the training ratings by item, users ascending, each column centred on the item's mean. */
export function itemColumns(t: RatingTriples, nUsers: number, nItems: number): NonNullable<RunState['columns']> {
  const { ptr: start, index: user, value } = buildCsr(t, nUsers, nItems, 'item')
  const norm = new Float32Array(nItems)
  for (let i = 0; i < nItems; i++) {
    const a = start[i]!
    const b = start[i + 1]!
    if (b === a) continue
    let mean = 0
    for (let p = a; p < b; p++) mean += value[p]!
    mean /= b - a
    let ss = 0
    for (let p = a; p < b; p++) {
      value[p] = value[p]! - mean
      ss += value[p]! ** 2
    }
    norm[i] = Math.sqrt(ss)
  }
  return { start, user, value, norm }
}
