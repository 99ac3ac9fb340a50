/**
 * A Node client of the headless server (HTTP calls, WebSocket events), used
 * by the contract tests and usable by scripts that drive a running workbench.
 */
import WebSocket from 'ws'
import { ApiError, ApiErrorBody, type ClientTransport, type EventName } from '../../shared/api'
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, TOKEN_QUERY, type EventFrame } from '../../shared/headless'

export interface HttpTransport extends ClientTransport {
  /** Resolves once the event socket is open. */
  ready(): Promise<void>
  close(): void
}

export function httpTransport(baseUrl: string, token: string): HttpTransport {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  const wsUrl = new URL(HTTP_EVENTS_PATH, baseUrl)
  wsUrl.protocol = 'ws:'
  wsUrl.searchParams.set(TOKEN_QUERY, token)
  const socket = new WebSocket(wsUrl)
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as EventFrame
    listeners.get(frame.event as EventName)?.forEach((cb) => cb(frame.payload))
  })
  return {
    ready: () => opened,
    close: () => socket.close(),
    async invoke(method, input) {
      const res = await fetch(new URL(`${HTTP_API_PREFIX}${method}`, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input ?? {}),
      })
      const body = (await res.json().catch(() => null)) as { result?: unknown; error?: unknown } | null
      if (res.ok) return body?.result
      const parsed = ApiErrorBody.safeParse(body?.error)
      throw new ApiError(parsed.success ? parsed.data : { code: 'internal', message: `HTTP ${res.status}` })
    },
    subscribe(event, cb) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(cb)
      return () => set.delete(cb)
    },
  }
}
