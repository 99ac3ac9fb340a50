/**
 * The renderer's API client. Inside Electron the preload has put `window.api`
 * (IPC); in a browser (headless mode) calls go over HTTP and events over a
 * WebSocket, authenticated by the token cookie the server set when the page
 * was opened with `?token=…`.
 */
import {
  ApiError,
  ApiErrorBody,
  createApiClient,
  eventMethodName,
  type ClientTransport,
  type EventName,
  type WorkbenchApi,
} from '../../../shared/api'
import type { FileRef } from '../../../shared/schemas'
import type { PreloadApi, Reply } from '../../../preload/index.d'
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, HTTP_UPLOAD_PATH, type EventFrame } from '../../../shared/headless'

export interface Client {
  api: WorkbenchApi
  transport: 'ipc' | 'http'
  /** Turn a File the user picked into a path the main process can read. */
  resolveFile(file: File, onProgress?: (fraction: number) => void): Promise<FileRef>
}

export function createClient(): Client {
  const preload = window.api
  if (preload) {
    return { api: createApiClient(ipcTransport(preload)), transport: 'ipc', resolveFile: async (file) => ({ path: preload.pathForFile(file) }) }
  }
  return { api: createApiClient(httpTransport()), transport: 'http', resolveFile: uploadFile }
}

/** Electron: the preload's methods resolve to { result } | { error }. */
function ipcTransport(preload: PreloadApi): ClientTransport {
  const bridge = preload as unknown as Record<string, (arg: unknown) => unknown>
  return {
    async invoke(method, input) {
      const reply = (await bridge[method]!(input ?? {})) as Reply<unknown>
      if ('error' in reply) throw new ApiError(reply.error)
      return reply.result
    },
    subscribe(event, cb) {
      return bridge[eventMethodName(event)]!(cb) as () => void
    },
  }
}

async function readError(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null)
  const parsed = ApiErrorBody.safeParse((body as { error?: unknown } | null)?.error)
  if (parsed.success) return new ApiError(parsed.data)
  return new ApiError({ code: res.status === 401 ? 'unauthorized' : 'internal', message: `${res.status} ${res.statusText}` })
}

function httpTransport(): ClientTransport {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  let socket: WebSocket | null = null
  let retry = 500

  function connect(): void {
    const url = new URL(HTTP_EVENTS_PATH, window.location.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(url)
    socket.onopen = () => (retry = 500)
    socket.onmessage = (e) => {
      const frame = JSON.parse(String(e.data)) as EventFrame
      listeners.get(frame.event as EventName)?.forEach((cb) => cb(frame.payload))
    }
    socket.onclose = () => {
      socket = null
      setTimeout(connect, retry)
      retry = Math.min(retry * 2, 10_000)
    }
  }

  return {
    async invoke(method, input) {
      const res = await fetch(`${HTTP_API_PREFIX}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
      })
      if (!res.ok) throw await readError(res)
      return ((await res.json()) as { result: unknown }).result
    },
    subscribe(event, cb) {
      if (!socket) connect()
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(cb)
      return () => set.delete(cb)
    },
  }
}

/** Headless mode: stream the file to the server, which keeps it in its uploads folder. */
function uploadFile(file: File, onProgress?: (fraction: number) => void): Promise<FileRef> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${HTTP_UPLOAD_PATH}?name=${encodeURIComponent(file.name)}`)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total)
    }
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve((body as { result: FileRef }).result)
      else {
        const parsed = ApiErrorBody.safeParse((body as { error?: unknown } | null)?.error)
        reject(new ApiError(parsed.success ? parsed.data : { code: 'internal', message: `Upload failed: ${xhr.status}` }))
      }
    }
    xhr.onerror = () => reject(new ApiError({ code: 'internal', message: `Upload of ${file.name} failed (network error).` }))
    xhr.send(file)
  })
}
