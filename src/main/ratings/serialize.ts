/**
 * A fitted rating model as one BLOB: a 4-byte little-endian header length, a
 * UTF-8 JSON header ({ kind, header, arrays: [{ name, type, length }] }),
 * padding to 8 bytes, then each array's bytes in order (each padded to 8).
 */
import type { SavedModel } from './model'

interface Layout {
  kind: string
  header: Record<string, unknown>
  arrays: { name: string; type: 'f32' | 'i32'; length: number }[]
}

const pad8 = (n: number) => (n + 7) & ~7

export function serializeModel(model: SavedModel): Buffer {
  const layout: Layout = {
    kind: model.kind,
    header: model.header,
    arrays: Object.entries(model.arrays).map(([name, a]) => ({ name, type: a instanceof Int32Array ? 'i32' : 'f32', length: a.length })),
  }
  const json = Buffer.from(JSON.stringify(layout), 'utf8')
  let size = pad8(4 + json.length)
  for (const a of Object.values(model.arrays)) size += pad8(a.byteLength)
  const out = Buffer.alloc(size)
  out.writeUInt32LE(json.length, 0)
  json.copy(out, 4)
  let offset = pad8(4 + json.length)
  for (const a of Object.values(model.arrays)) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset)
    offset += pad8(a.byteLength)
  }
  return out
}

export function deserializeModel(data: Buffer): SavedModel {
  const jsonLength = data.readUInt32LE(0)
  const layout = JSON.parse(data.subarray(4, 4 + jsonLength).toString('utf8')) as Layout
  let offset = pad8(4 + jsonLength)
  const arrays: SavedModel['arrays'] = {}
  for (const a of layout.arrays) {
    const bytes = a.length * 4
    const copy = new Uint8Array(bytes)
    copy.set(data.subarray(offset, offset + bytes))
    arrays[a.name] = a.type === 'i32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer)
    offset += pad8(bytes)
  }
  return { kind: layout.kind, header: layout.header, arrays }
}
