/**
 * Native dialogs, which only exist under Electron. The handlers here answer
 * every runtime: headless mode (and the CLI) get a clear error telling the
 * user to type a path; under Electron, src/main/index.ts installs the real
 * picker (it owns the window and Electron's `dialog`, which this module must
 * not import: it also runs under plain Node).
 */
import { ApiError, type MethodName, type Output, type ParsedInput } from '../../shared/api'
import type { HandlerContext, Handlers } from './handlers'

type DialogMethods = 'chooseFolder'
type DialogHandlers = { [K in DialogMethods & MethodName]: (input: ParsedInput<K>) => Promise<Output<K>> }

/** Shows a folder picker; resolves to the chosen folder, or null when the user cancels. */
export type FolderPicker = (options: ParsedInput<'chooseFolder'>) => Promise<string | null>

export function createDialogHandlers(ctx: HandlerContext): DialogHandlers {
  return {
    async chooseFolder() {
      throw new ApiError({
        code: 'conflict',
        message:
          ctx.runtime === 'electron'
            ? 'The folder picker is not ready yet (no window): type a folder path.'
            : 'The folder picker is not available in headless mode: type a folder path.',
      })
    },
  }
}

/** Electron: replace the stub with the native picker. Calls still go through `dispatch`, so inputs stay validated. */
export function installFolderPicker(handlers: Handlers, pick: FolderPicker): void {
  handlers.chooseFolder = async (input) => ({ path: await pick(input) })
}
