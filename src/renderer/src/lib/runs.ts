/** Display helpers for training runs (labels, sorting, filtering): pure, no Vue. */
import { isRatingModel, RATING_MODEL_LABELS, type RatingModelParams } from '../../../shared/ratings'
import { epochsOf, paramsSummary, type Run, type RunStatus } from '../../../shared/train'

export const MODEL_LABELS: Record<Run['params']['model'], string> = { 'entity-pairs': 'Entity pairs', ...RATING_MODEL_LABELS }
export const ENGINE_LABELS: Record<'sparse' | 'tfjs' | 'auto', string> = { sparse: 'Sparse CPU', tfjs: 'TensorFlow.js', auto: 'Auto' }
export const OPTIMIZER_LABELS: Record<string, string> = { adam: 'Adam', adagrad: 'Adagrad', sgd: 'SGD' }

export const isActive = (r: Pick<Run, 'status'>): boolean => r.status === 'running' || r.status === 'queued'
/** A stopped run can continue from its last checkpoint. */
export const canResume = (r: Pick<Run, 'status' | 'checkpointEpoch'>): boolean =>
  (r.status === 'cancelled' || r.status === 'failed') && r.checkpointEpoch !== null

/**
 * The name without a leading "<dataset name> · " (default names start with
 * it, and the dataset has its own column): what tables and legends show.
 */
export function shortName(r: Pick<Run, 'name' | 'datasetName'>): string {
  const prefix = `${r.datasetName} · `
  return r.name.startsWith(prefix) && r.name.length > prefix.length ? r.name.slice(prefix.length) : r.name
}

/** A run of a rating model (evaluated on a split, has a user view). */
export function isRatingRun(r: Pick<Run, 'params'>): r is Pick<Run, 'params'> & { params: RatingModelParams } {
  return isRatingModel(r.params.model)
}

/**
 * Runs whose user/item (left/right) tables are stored as embeddings, so they can be
 * explored (the pair model, MF, deep MF, AutoRec, item2vec). A run still training has none yet:
 * then the model says whether it will.
 */
export function hasEmbeddings(r: Pick<Run, 'params' | 'hasEmbeddings' | 'status'>): boolean {
  if (r.status === 'succeeded') return r.hasEmbeddings
  const m = r.params.model
  return m === 'entity-pairs' || m === 'mf' || m === 'deep-mf' || m === 'autorec' || m === 'item2vec'
}

/** The model's second line: the pair model's variant, a rating model's key settings. */
export function modelDetail(r: Pick<Run, 'params'>): string {
  const p = r.params
  return p.model === 'entity-pairs' ? p.variant : paramsSummary(p)
}

export function modelLabel(r: Pick<Run, 'params'>): string {
  const p = r.params
  const name = MODEL_LABELS[p.model] ?? p.model
  return p.model === 'entity-pairs' ? `${name} · ${p.variant}` : name
}

/** A hyper-parameter of a run when its model has it (rating models have no optimizer, some no dim). */
export function paramOf(r: Pick<Run, 'params'>, key: string): unknown {
  return (r.params as Record<string, unknown>)[key]
}

/** "Sparse CPU · js", "TensorFlow.js · wasm", or the choice before the run started. */
export function engineLabel(r: Run): string {
  if (!r.engine) return r.engineChoice === 'auto' ? 'Auto' : ENGINE_LABELS[r.engineChoice]
  return `${ENGINE_LABELS[r.engine.engine]} · ${r.engine.backend}`
}

export function engineTitle(r: Run): string {
  if (!r.engine) return `Engine: ${ENGINE_LABELS[r.engineChoice]} (not started yet)`
  const threads = r.engine.threads > 0 ? `, ${r.engine.threads} thread${r.engine.threads === 1 ? '' : 's'}` : ''
  return `${r.engine.device}${threads}${r.engineChoice === 'auto' ? ' (picked by Auto)' : ''}`
}

export function formatLearningRate(lr: number): string {
  if (lr === 0) return '0'
  return lr < 0.01 ? lr.toExponential(0).replace('e-', 'e−') : String(lr)
}

export type SortKey =
  | 'id'
  | 'name'
  | 'dataset'
  | 'model'
  | 'dim'
  | 'optimizer'
  | 'learningRate'
  | 'epochs'
  | 'engine'
  | 'status'
  | 'duration'
  | 'loss'
  | 'accuracy'
  | 'testRmse'

const STATUS_ORDER: Record<RunStatus, number> = { running: 0, queued: 1, failed: 2, cancelled: 3, succeeded: 4 }

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null)
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

function sortValue(r: Run, key: SortKey): string | number | null {
  switch (key) {
    case 'id':
      return r.id
    case 'name':
      return r.name.toLowerCase()
    case 'dataset':
      return r.datasetName.toLowerCase()
    case 'model':
      return modelLabel(r)
    case 'dim':
      return num(paramOf(r, 'dim'))
    case 'optimizer':
      return str(paramOf(r, 'optimizer'))
    case 'learningRate':
      return num(paramOf(r, 'learningRate'))
    case 'epochs':
      return epochsOf(r.params)
    case 'engine':
      return engineLabel(r)
    case 'status':
      return STATUS_ORDER[r.status]
    case 'duration':
      return r.durationSec
    case 'loss':
      return r.finalLoss
    case 'accuracy':
      return r.finalAccuracy
    case 'testRmse':
      return r.evaluation?.rmse ?? null
  }
}

/** Sorted copy; missing values (null) always last; ties by newest first. */
export function sortRuns(runs: readonly Run[], key: SortKey, dir: 'asc' | 'desc'): Run[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...runs].sort((a, b) => {
    const va = sortValue(a, key)
    const vb = sortValue(b, key)
    if (va === null && vb !== null) return 1
    if (vb === null && va !== null) return -1
    if (va !== null && vb !== null && va !== vb) return (va < vb ? -1 : 1) * sign
    return b.id - a.id
  })
}

export interface RunFilter {
  text: string
  status: RunStatus | ''
  datasetId: number | null
}

export function filterRuns(runs: readonly Run[], f: RunFilter): Run[] {
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean)
  return runs.filter((r) => {
    if (f.status && r.status !== f.status) return false
    if (f.datasetId !== null && r.datasetId !== f.datasetId) return false
    if (words.length === 0) return true
    const hay = [
      `#${r.id}`,
      r.name,
      r.datasetName,
      modelLabel(r),
      modelDetail(r),
      str(paramOf(r, 'optimizer')) ?? '',
      engineLabel(r),
      r.engine?.device ?? '',
      r.status,
    ]
      .join(' ')
      .toLowerCase()
    return words.every((w) => hay.includes(w))
  })
}
