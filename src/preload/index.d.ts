import type { ApiErrorBody, EventName, EventPayload, Input, MethodName, Output } from '../shared/api'

export type Reply<T> = { result: T } | { error: ApiErrorBody }

/**
 * What the preload exposes as `window.api`: one method per contract channel,
 * resolving to a reply envelope (see src/preload/index.ts), the event
 * subscriptions, and one desktop-only helper.
 */
export type PreloadApi = {
  [K in MethodName]: (input: Input<K>) => Promise<Reply<Output<K>>>
} & {
  [E in EventName as `on${Capitalize<E>}`]: (cb: (payload: EventPayload<E>) => void) => () => void
} & {
  /** The absolute path of a file the user dropped or chose (Electron's webUtils). */
  pathForFile(file: File): string
}

declare global {
  interface Window {
    api?: PreloadApi
  }
}
