/**
 * Headless transport: the API over HTTP (POST /api/<method>) and events over
 * a WebSocket (/events), plus file upload and the built renderer. Binds
 * 127.0.0.1 by default; every request and socket must carry the token (a
 * cookie set when the page is opened with ?token=…, an Authorization: Bearer
 * header, or ?token= on the socket URL).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename, extname, join, normalize, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { WebSocketServer, type WebSocket } from 'ws'
import { ApiError, type ApiErrorBody } from '../../shared/api'
import {
  HTTP_API_PREFIX,
  HTTP_EVENTS_PATH,
  HTTP_UPLOAD_PATH,
  TOKEN_COOKIE,
  TOKEN_QUERY,
  type EventFrame,
} from '../../shared/headless'
import type { EventBus } from '../app'
import { dispatch, type Handlers } from '../api/handlers'

export interface HttpServerOptions {
  handlers: Handlers
  events: EventBus
  /** Where uploads are kept. */
  uploadDir: string
  /** The built renderer (out/renderer); null serves the API only. */
  staticDir: string | null
  host?: string
  port?: number
  token?: string
}

export interface RunningServer {
  url: string
  /** The URL to open in a browser: logs in with the token. */
  loginUrl: string
  token: string
  port: number
  close(): Promise<void>
}

/**
 * Same policy as the renderer's meta tag, sent as a header too. `connect-src 'self'` also
 * admits the page's own WebSocket (/events): since CSP Level 3, 'self' matches ws:/wss: on the
 * page's own host and port (Chromium does), so no other host, and no bare ws: scheme, is needed.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const MAX_JSON_BODY = 10 * 1024 * 1024

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}

const STATUS: Record<ApiErrorBody['code'], number> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  internal: 500,
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('hex')
  const host = opts.host ?? '127.0.0.1'
  const tokenBuf = Buffer.from(token)
  // Cookies are per host, not per port: name the cookie after the port so two servers don't clash.
  let cookieName = TOKEN_COOKIE

  const tokenMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false
    const b = Buffer.from(candidate)
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf)
  }

  const requestToken = (req: IncomingMessage, url: URL): string | null => {
    const auth = req.headers.authorization
    if (auth?.startsWith('Bearer ')) return auth.slice(7)
    const cookie = parseCookies(req.headers.cookie)[cookieName]
    if (cookie) return cookie
    return url.searchParams.get(TOKEN_QUERY)
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, ApiError.from(err))
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')

    // Opening the printed URL: remember the token in a cookie and drop it from the address bar.
    const queryToken = url.searchParams.get(TOKEN_QUERY)
    if (req.method === 'GET' && queryToken !== null && !url.pathname.startsWith(HTTP_API_PREFIX)) {
      if (!tokenMatches(queryToken)) return sendError(res, unauthorized())
      res.setHeader('Set-Cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`)
      url.searchParams.delete(TOKEN_QUERY)
      res.writeHead(303, { Location: url.pathname + url.search })
      res.end()
      return
    }

    if (!tokenMatches(requestToken(req, url))) return sendError(res, unauthorized())

    if (url.pathname.startsWith(HTTP_API_PREFIX)) {
      if (req.method !== 'POST') return sendError(res, new ApiError({ code: 'invalid_request', message: 'API calls are POST requests.' }))
      const method = url.pathname.slice(HTTP_API_PREFIX.length)
      const body = await readJson(req)
      const result = await dispatch(opts.handlers, method, body)
      return sendJson(res, 200, { result })
    }
    if (url.pathname === HTTP_UPLOAD_PATH) {
      if (req.method !== 'POST') return sendError(res, new ApiError({ code: 'invalid_request', message: 'Uploads are POST requests.' }))
      const path = await receiveUpload(req, opts.uploadDir, url.searchParams.get('name') ?? 'upload')
      return sendJson(res, 200, { result: { path } })
    }
    if (req.method === 'GET' && opts.staticDir) return serveStatic(res, opts.staticDir, url.pathname)
    sendError(res, new ApiError({ code: 'not_found', message: `Nothing at ${url.pathname}.` }))
  }

  const wss = new WebSocketServer({ noServer: true })
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const origin = req.headers.origin
    const sameOrigin = !origin || origin === `http://${req.headers.host}`
    if (url.pathname !== HTTP_EVENTS_PATH || !sameOrigin || !tokenMatches(requestToken(req, url))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
    })
  })
  const unsubscribe = opts.events.on((event, payload) => {
    const frame: EventFrame = { event, payload }
    const data = JSON.stringify(frame)
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data)
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolvePromise())
  })
  const port = (server.address() as AddressInfo).port
  cookieName = `${TOKEN_COOKIE}_${port}`
  const base = `http://${host}:${port}`
  return {
    url: base,
    loginUrl: `${base}/?${TOKEN_QUERY}=${token}`,
    token,
    port,
    async close() {
      unsubscribe()
      for (const ws of sockets) ws.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections()
    },
  }
}

function unauthorized(): ApiError {
  return new ApiError({ code: 'unauthorized', message: 'Missing or wrong token: open the URL printed by `npm run serve`.' })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(data)
}

function sendError(res: ServerResponse, err: ApiError): void {
  if (err.code === 'internal') console.error(err)
  sendJson(res, STATUS[err.code], { error: err.toBody() })
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_JSON_BODY) throw new ApiError({ code: 'invalid_request', message: 'Request body too large.' })
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text.trim()) return {}
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ApiError({ code: 'invalid_request', message: `Request body is not valid JSON: ${(err as Error).message}` })
  }
}

/** Each upload in its own folder, so the file keeps the name the user chose. */
async function receiveUpload(req: IncomingMessage, dir: string, name: string): Promise<string> {
  const safe = basename(name).replace(/[^\w.\- ]+/g, '_').slice(-120) || 'upload'
  const folder = join(dir, randomUUID())
  mkdirSync(folder, { recursive: true })
  const target = join(folder, safe)
  await pipeline(req, createWriteStream(target))
  return target
}

function serveStatic(res: ServerResponse, root: string, pathname: string): void {
  const rootAbs = resolve(root)
  let file = normalize(join(rootAbs, decodeURIComponent(pathname)))
  if (file !== rootAbs && !file.startsWith(rootAbs + sep)) {
    sendError(res, new ApiError({ code: 'not_found', message: 'Not found.' }))
    return
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(rootAbs, 'index.html')
  if (!existsSync(file)) {
    sendError(res, new ApiError({ code: 'not_found', message: 'The renderer is not built: run `npm run build`.' }))
    return
  }
  res.writeHead(200, {
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cache-Control': 'no-cache',
  })
  createReadStream(file).pipe(res)
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim())
  }
  return out
}
