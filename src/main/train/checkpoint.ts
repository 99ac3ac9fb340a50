/**
 * An engine's state as one BLOB: a little JSON header (names, lengths, the
 * optimizer step) followed by the float32 arrays, little-endian.
 */
import type { EngineState } from './engine'

const MAGIC = 'EWCK1'

export function serializeState(state: EngineState): Buffer {
  const arrays: [string, Float32Array][] = [
    ['tables.left', state.tables.left],
    ['tables.right', state.tables.right],
    ['tables.head', state.tables.head],
    ...Object.entries(state.slots).map(([k, v]): [string, Float32Array] => [`slots.${k}`, v]),
  ]
  const header = Buffer.from(JSON.stringify({ magic: MAGIC, step: state.step, arrays: arrays.map(([name, a]) => [name, a.length]) }))
  const parts: Buffer[] = [Buffer.alloc(4), header]
  parts[0]!.writeUInt32LE(header.length, 0)
  for (const [, a] of arrays) parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
  return Buffer.concat(parts)
}

export function deserializeState(buf: Buffer): EngineState {
  const headerLength = buf.readUInt32LE(0)
  const header = JSON.parse(buf.subarray(4, 4 + headerLength).toString('utf8')) as { magic: string; step: number; arrays: [string, number][] }
  if (header.magic !== MAGIC) throw new Error('Not a workbench checkpoint.')
  let at = 4 + headerLength
  const read = (n: number): Float32Array => {
    const out = new Float32Array(n)
    new Uint8Array(out.buffer).set(buf.subarray(at, at + 4 * n))
    at += 4 * n
    return out
  }
  const tables: Partial<EngineState['tables']> = {}
  const slots: Record<string, Float32Array> = {}
  for (const [name, n] of header.arrays) {
    const a = read(n)
    if (name.startsWith('tables.')) tables[name.slice(7) as keyof EngineState['tables']] = a
    else slots[name.slice(6)] = a
  }
  if (!tables.left || !tables.right || !tables.head) throw new Error('The checkpoint is incomplete.')
  return { tables: { left: tables.left, right: tables.right, head: tables.head }, slots, step: header.step }
}
