/** Paths and names of the headless HTTP + WebSocket transport, shared by server and clients. */
export const HTTP_API_PREFIX = '/api/'
export const HTTP_EVENTS_PATH = '/events'
export const HTTP_UPLOAD_PATH = '/upload'
export const TOKEN_COOKIE = 'ew_token'
export const TOKEN_QUERY = 'token'

/** A WebSocket frame from the server. */
export interface EventFrame {
  event: string
  payload: unknown
}
