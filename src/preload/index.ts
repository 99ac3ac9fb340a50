/**
 * The bridge: one typed object on `window.api`, one method per contract
 * channel. No ipcRenderer and no event objects cross into the page.
 *
 * Methods resolve to a reply envelope ({ result } | { error }) rather than
 * throwing, because an error thrown across contextBridge keeps only its
 * message; the renderer's client unwraps it into an ApiError with its code
 * and field issues (src/renderer/src/api/client.ts).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { eventMethodName, eventNames, ipcChannel, ipcEventChannel, methodNames } from '../shared/api'

const api: Record<string, unknown> = {}
for (const name of methodNames) {
  api[name] = (input: unknown) => ipcRenderer.invoke(ipcChannel(name), input ?? {})
}
for (const name of eventNames) {
  api[eventMethodName(name)] = (cb: (payload: unknown) => void) => {
    const listener = (_event: unknown, payload: unknown) => cb(payload)
    ipcRenderer.on(ipcEventChannel(name), listener)
    return () => {
      ipcRenderer.removeListener(ipcEventChannel(name), listener)
    }
  }
}
api.pathForFile = (file: File) => webUtils.getPathForFile(file)

contextBridge.exposeInMainWorld('api', api)
