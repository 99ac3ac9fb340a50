/**
 * Electron entry. One window, contextIsolation + sandbox, no nodeIntegration,
 * a strict CSP; the API over IPC, one channel per contract method, every
 * payload validated by `dispatch` and every sender frame checked.
 */
/// <reference types="electron-vite/node" />
import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ApiError, ipcChannel, ipcEventChannel, methodNames } from '../shared/api'
import { createWorkbench, type Workbench } from './app'
import { dispatch } from './api/handlers'
import { installFolderPicker } from './api/dialogs'
import { electronNativeBinding } from './native'
import { APP_NAME, resolveDataDir } from './paths'
import { CONTENT_SECURITY_POLICY } from './server/http'
// electron-vite copies the file into out/main/chunks/ and this resolves to its absolute path there.
import iconPath from '../../resources/icon.png?asset'

const rendererIndex = join(__dirname, '..', 'renderer', 'index.html')
const rendererUrl = pathToFileURL(rendererIndex).href

let workbench: Workbench | null = null
let mainWindow: BrowserWindow | null = null

/** Only our own renderer's top frame may call the API. */
function validSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame
  if (!frame || !mainWindow || event.sender !== mainWindow.webContents || frame !== mainWindow.webContents.mainFrame) return false
  return frame.url.split('#')[0] === rendererUrl
}

function registerIpc(wb: Workbench): void {
  for (const name of methodNames) {
    ipcMain.handle(ipcChannel(name), async (event, input: unknown) => {
      if (!validSender(event)) return { error: new ApiError({ code: 'unauthorized', message: 'Unknown sender.' }).toBody() }
      try {
        return { result: await dispatch(wb.handlers, name, input) }
      } catch (err) {
        return { error: ApiError.from(err).toBody() }
      }
    })
  }
  wb.events.on((event, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(ipcEventChannel(event), payload)
  })
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: APP_NAME,
    icon: iconPath,
    show: false,
    webPreferences: {
      preload: join(__dirname, '..', 'preload', 'index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  mainWindow.once('ready-to-show', () => mainWindow?.show())
  // Never navigate away from the app or open new windows inside it; external links go to the browser.
  mainWindow.webContents.on('will-navigate', (e, url) => {
    if (url.split('#')[0] !== rendererUrl) e.preventDefault()
  })
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  void mainWindow.loadFile(rendererIndex)
}

async function main(): Promise<void> {
  const dataDir = resolveDataDir()
  app.setName(APP_NAME)
  app.setPath('userData', dataDir)
  await app.whenReady()
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  const nativeBinding = electronNativeBinding()
  workbench = createWorkbench({ dataDir, runtime: 'electron', nativeBinding })
  installFolderPicker(workbench.handlers, async ({ title, defaultPath }) => {
    const options: OpenDialogOptions = {
      title: title ?? 'Choose a folder',
      properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
      ...(defaultPath ? { defaultPath } : {}),
    }
    const parent = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null
    const res = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
    return res.canceled ? null : (res.filePaths[0] ?? null)
  })
  registerIpc(workbench)
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
app.on('will-quit', () => {
  workbench?.close()
  workbench = null
})

if (!existsSync(rendererIndex)) console.error(`The renderer is not built (${rendererIndex}): run npm run build.`)
main().catch((err: unknown) => {
  console.error(err)
  app.exit(1)
})
