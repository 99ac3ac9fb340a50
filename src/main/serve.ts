/**
 * Headless mode (`npm run serve`): the workbench over HTTP + WebSocket on
 * 127.0.0.1, for a remote GPU box or a browser. Flags: --data-dir <dir>,
 * --port <n> (default 0 = any free port; EW_PORT also works), --host <addr>.
 */
import { join } from 'node:path'
import { createWorkbench } from './app'
import { readFlag, resolveDataDir } from './paths'
import { startHttpServer } from './server/http'

export async function serve(argv: readonly string[] = process.argv): Promise<void> {
  const dataDir = resolveDataDir(argv)
  const port = Number(readFlag(argv, '--port') ?? process.env.EW_PORT ?? 0)
  const host = readFlag(argv, '--host') ?? '127.0.0.1'
  const wb = createWorkbench({ dataDir, samples: process.env.EW_NO_SAMPLES !== '1' })
  const server = await startHttpServer({
    handlers: wb.handlers,
    events: wb.events,
    uploadDir: join(dataDir, 'uploads'),
    staticDir: join(__dirname, '..', 'renderer'),
    host,
    port,
    token: process.env.EW_TOKEN || undefined,
  })
  if (host !== '127.0.0.1' && host !== 'localhost') {
    console.warn(`Warning: listening on ${host}: anyone who can reach it and has the token can use the workbench.`)
  }
  console.log(`Embedding Workbench (headless) — data in ${dataDir}`)
  console.log(`Open this URL in a browser (it contains the access token):\n\n    ${server.loginUrl}\n`)
  console.log('Press Ctrl+C to stop.')
  const stop = () => {
    void server.close().finally(() => {
      wb.close()
      process.exit(0)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (require.main === module) {
  serve().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  })
}
