/**
 * The slice of the WebAssembly JS API the sparse engine uses, typed here
 * because this project's TypeScript libs (ES2023 + @types/node, no DOM) do
 * not declare it. Runtime: the global `WebAssembly` of Node / Electron.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
}

/** A compiled module (opaque; can be handed to worker threads). */
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module'
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory
  Module: new (bytes: Uint8Array) => WasmModule
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance
  validate(bytes: Uint8Array): boolean
}

export function wasmApi(): WasmApi {
  return (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
}
