import type { WorkbenchApi } from '../shared/api'

/** What the preload exposes as `window.api`: the contract plus one desktop-only helper. */
export type PreloadApi = WorkbenchApi & {
  /** The absolute path of a file the user dropped or chose (Electron's webUtils). */
  pathForFile(file: File): string
}

declare global {
  interface Window {
    api?: PreloadApi
  }
}
