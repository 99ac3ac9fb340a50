/**
 * The API contract: every call and event between the UI (or CLI) and the
 * main process, with its runtime schema. Channel names derive from the keys
 * of `methods` and `events`: there is no second list to drift.
 *
 * Calls take exactly one request object and resolve to one response.
 * Events are pushed from main: `onJobUpdate(cb)` returns an unsubscribe.
 */
import { z } from 'zod'
import {
  AppInfo,
  BadRowPolicy,
  Dataset,
  Entity,
  Id,
  ImportPreview,
  ImportSpec,
  Job,
  PreviewSpec,
  Side,
} from './schemas'
import { EntityRecord, ExportRequest, Projection, ProjectionData, ProjectionParams, ProjectionProgress, SearchQuery, SearchResult, SimilarQuery, SimilarResult } from './explore'
import { Comparison, ComparisonQuery, UserQuery, UserView } from './ratings'
import { EngineOptions, LiveProgress, NeighbourQuery, Neighbours, Run, RunConfig, RunMetrics } from './train'

const Empty = z.object({}).strict()
const Ok = z.object({ ok: z.literal(true) })

export const methods = {
  appInfo: { input: Empty, output: AppInfo },

  listDatasets: { input: Empty, output: z.array(Dataset) },
  getDataset: { input: z.object({ id: Id }).strict(), output: Dataset },
  deleteDataset: { input: z.object({ id: Id }).strict(), output: Ok },
  renameDataset: {
    input: z.object({ id: Id, name: z.string().trim().min(1, 'a name is required').max(200) }).strict(),
    output: Dataset,
  },
  listEntities: {
    input: z
      .object({
        datasetId: Id,
        side: Side,
        /** Case-insensitive substring of key or label. */
        query: z.string().default(''),
        orderBy: z.enum(['index', 'frequency']).default('frequency'),
        limit: z.number().int().min(1).max(1000).default(50),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    output: z.object({ total: z.number().int(), items: z.array(Entity) }),
  },

  previewImport: { input: z.object({ spec: PreviewSpec }).strict(), output: ImportPreview },
  startImport: {
    input: z
      .object({
        spec: ImportSpec,
        name: z.string().trim().max(200).nullable().default(null),
        badRows: BadRowPolicy.default('abort'),
      })
      .strict(),
    output: Job,
  },
  addSampleDatasets: { input: Empty, output: Job },

  listJobs: { input: Empty, output: z.array(Job) },
  cancelJob: { input: z.object({ id: z.string().min(1) }).strict(), output: Job },

  trainEngines: { input: z.object({ model: z.literal('entity-pairs').default('entity-pairs') }).strict(), output: EngineOptions },
  startRun: { input: RunConfig.strict(), output: Run },
  listRuns: { input: z.object({ datasetId: Id.nullable().default(null) }).strict(), output: z.array(Run) },
  getRun: { input: z.object({ id: Id }).strict(), output: Run },
  deleteRun: { input: z.object({ id: Id }).strict(), output: Ok },
  cancelRun: { input: z.object({ id: Id }).strict(), output: Run },
  /** Continue a stopped (cancelled or failed) run from its last checkpoint. */
  resumeRun: { input: z.object({ id: Id }).strict(), output: Run },
  getRunMetrics: {
    input: z.object({ ids: z.array(Id).min(1).max(20), keys: z.array(z.string()).nullable().default(null) }).strict(),
    output: z.array(RunMetrics),
  },
  neighbours: { input: NeighbourQuery, output: Neighbours },

  searchEntities: { input: SearchQuery, output: SearchResult },
  similarEntities: { input: SimilarQuery, output: SimilarResult },
  entityRecord: {
    input: z.object({ datasetId: Id, side: Side, index: z.number().int().min(0), linksLimit: z.number().int().min(0).max(1000).default(50) }).strict(),
    output: EntityRecord,
  },
  startProjection: { input: z.object({ runId: Id, side: Side, params: ProjectionParams }).strict(), output: Job },
  listProjections: { input: z.object({ runId: Id }).strict(), output: z.array(Projection) },
  getProjection: { input: z.object({ id: Id }).strict(), output: ProjectionData },
  deleteProjection: { input: z.object({ id: Id }).strict(), output: Ok },
  /** Writes the files in a worker; the job's result lists them (and any warnings). */
  startExport: { input: ExportRequest, output: Job },
  /** Checks before an export: size warnings, the metadata columns available, a default folder. */
  exportInfo: {
    input: z.object({ runId: Id, side: Side }).strict(),
    output: z.object({ rows: z.number().int(), dim: z.number().int(), columns: z.array(z.string()), warnings: z.array(z.string()), defaultFolder: z.string() }),
  },

  /** Rating runs of a dataset evaluated on one split, with their metrics (the comparison table). */
  compareRuns: { input: ComparisonQuery, output: Comparison },
  /** The same configuration again with another seed (the split stays), to see the spread. */
  rerunRun: { input: z.object({ id: Id, seed: z.number().int().min(0).max(2 ** 31 - 1).nullable().default(null) }).strict(), output: Run },
  /** A rating run's view of one user: history, top-N unseen items, and why. */
  userRecommendations: { input: UserQuery, output: UserView },

  // ---------------------------------------------------------------- desktop dialogs
  /** Electron's native folder picker (null when the user cancels); headless mode answers an error: type a path. */
  chooseFolder: {
    input: z.object({ title: z.string().max(200).optional(), defaultPath: z.string().max(4096).optional() }).strict(),
    output: z.object({ path: z.string().nullable() }),
  },
} as const

export const events = {
  jobUpdate: Job,
  datasetsChanged: z.object({ ids: z.array(Id) }),
  runUpdate: Run,
  /** Live training progress, about 10 per second per running run. */
  runProgress: LiveProgress,
  /** A map's layout while it optimises, about once a second. */
  projectionProgress: ProjectionProgress,
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type EventName = keyof typeof events
/** What a caller may send (defaults optional). */
export type Input<K extends MethodName> = z.input<Methods[K]['input']>
/** What a handler receives (defaults applied). */
export type ParsedInput<K extends MethodName> = z.output<Methods[K]['input']>
export type Output<K extends MethodName> = z.output<Methods[K]['output']>
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

type EventMethodName<E extends string> = `on${Capitalize<E>}`

/** The typed object the renderer sees as `window.api` and the CLI calls. */
export type WorkbenchApi = {
  [K in MethodName]: (input: Input<K>) => Promise<Output<K>>
} & {
  [E in EventName as EventMethodName<E>]: (cb: (payload: EventPayload<E>) => void) => () => void
}

export const methodNames = Object.keys(methods) as MethodName[]
export const eventNames = Object.keys(events) as EventName[]

export function eventMethodName<E extends EventName>(name: E): EventMethodName<E> {
  return `on${name[0]!.toUpperCase()}${name.slice(1)}` as EventMethodName<E>
}

export const ipcChannel = (name: MethodName): string => `api:${name}`
export const ipcEventChannel = (name: EventName): string => `event:${name}`

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name)
}

// ---------------------------------------------------------------- errors

export const ApiErrorCode = z.enum(['invalid_request', 'not_found', 'conflict', 'unauthorized', 'internal'])
export type ApiErrorCode = z.infer<typeof ApiErrorCode>
export const ApiErrorBody = z.object({
  code: ApiErrorCode,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
})
export type ApiErrorBody = z.infer<typeof ApiErrorBody>

/** An error every transport carries unchanged from handler to caller. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly issues: ApiErrorBody['issues']
  constructor(body: ApiErrorBody) {
    super(body.message)
    this.name = 'ApiError'
    this.code = body.code
    this.issues = body.issues
  }
  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
  }
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err
    const parsed = ApiErrorBody.safeParse(err)
    if (parsed.success) return new ApiError(parsed.data)
    const message = err instanceof Error ? err.message : String(err)
    return new ApiError({ code: 'internal', message })
  }
}

/** Validate a request against the contract; a clear error names the call and each bad field. */
export function parseInput<K extends MethodName>(name: K, raw: unknown): ParsedInput<K> {
  const result = methods[name].input.safeParse(raw ?? {})
  if (result.success) return result.data as ParsedInput<K>
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(request)',
    message: issue.message,
  }))
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  throw new ApiError({ code: 'invalid_request', message: `Invalid request to ${name}: ${summary}`, issues })
}

/** A transport moves calls and events; `createApiClient` turns one into a `WorkbenchApi`. */
export interface ClientTransport {
  invoke(method: MethodName, input: unknown): Promise<unknown>
  subscribe(event: EventName, cb: (payload: unknown) => void): () => void
}

export function createApiClient(transport: ClientTransport): WorkbenchApi {
  const api: Record<string, unknown> = {}
  for (const name of methodNames) {
    api[name] = (input: unknown) => transport.invoke(name, input)
  }
  for (const name of eventNames) {
    api[eventMethodName(name)] = (cb: (payload: unknown) => void) => transport.subscribe(name, cb)
  }
  return api as WorkbenchApi
}
