/** Display helpers for training runs (labels, sorting, filtering): pure, no Vue. */
import type { Run, RunStatus } from '../../../shared/train'

export const MODEL_LABELS: Record<Run['params']['model'], string> = { 'entity-pairs': 'Entity pairs' }
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

export function modelLabel(r: Run): string {
  return `${MODEL_LABELS[r.params.model] ?? r.params.model} · ${r.params.variant}`
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

const STATUS_ORDER: Record<RunStatus, number> = { running: 0, queued: 1, failed: 2, cancelled: 3, succeeded: 4 }

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
      return r.params.dim
    case 'optimizer':
      return r.params.optimizer
    case 'learningRate':
      return r.params.learningRate
    case 'epochs':
      return r.params.epochs
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
      r.params.optimizer,
      engineLabel(r),
      r.engine?.device ?? '',
      r.status,
    ]
      .join(' ')
      .toLowerCase()
    return words.every((w) => hay.includes(w))
  })
}
