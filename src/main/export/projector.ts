/**
 * The Embedding Projector folder: tensors.tsv, metadata.tsv (when there are
 * columns), optional tensors.bytes, projector_config.json (standalone
 * projector) and projector_config.pbtxt (TensorBoard's projector plugin),
 * every path relative to the folder.
 *
 * The projector's reading rules (its data provider), which fix the format:
 * - tensors.tsv: lines split on "\n" and trimmed, blank ones skipped; fields
 *   split on tabs; a first field that is not a number is taken as a label;
 *   values are `new Float32Array(row.map(Number))`, every row the same length
 *   (≥ 2). We write numbers only: the shortest decimal per float32 (float32.ts).
 * - metadata.tsv: lines split on "\n"; a line blank after trim() is SKIPPED,
 *   which would shift every later label, so no row may be blank; the first
 *   line is a header iff it contains a tab, otherwise the single column is
 *   "label". Hence: a header only with two or more columns; no tab or line
 *   break inside a value (replaced by a space, as are the other control
 *   characters and U+0085/U+2028/U+2029); no empty or blank value (written as
 *   PLACEHOLDER); exactly one line per vector; UTF-8.
 * - tensors.bytes: float32 little-endian, row-major; found by its extension,
 *   and needs tensorShape [rows, dim] in the JSON config. TensorBoard's plugin
 *   reads a `.bytes` tensor_path only as a fallback when the file fails to
 *   decode as text, so the pbtxt points at tensors.tsv.
 * - TensorBoard puts the tensor name unescaped in request URLs and strips a
 *   trailing ":0", so the name keeps to letters, digits, spaces and ._()-.
 */
import { endianness } from 'node:os'
import type { ExportTable, WriteContext } from './table'
import { forEachBlock, plural, wellFormed } from './table'
import { uniqueNames } from './columns'

export const PLACEHOLDER = '(empty)'
export const TENSORS_TSV = 'tensors.tsv'
export const TENSORS_BYTES = 'tensors.bytes'
export const METADATA_TSV = 'metadata.tsv'
export const CONFIG_JSON = 'projector_config.json'
export const CONFIG_PBTXT = 'projector_config.pbtxt'

const TAB = 9
const LF = 10
// CR LF counts as one break; then every C0 control (tab, LF, CR among them), DEL, NEL, LS and PS.
const BREAKS = /\r\n|[\u0000-\u001f\u007f\u0085\u2028\u2029]/g
const NEEDS_CHANGE = /[\u0000-\u001f\u007f\u0085\u2028\u2029\uD800-\uDFFF]/

/** A metadata value as the projector will show it. */
export function projectorCell(value: string | undefined): string {
  if (value === undefined) return PLACEHOLDER
  const s = NEEDS_CHANGE.test(value) ? wellFormed(value).replace(BREAKS, ' ') : value
  return s.trim() === '' ? PLACEHOLDER : s
}

/** A tensor name TensorBoard can put in a URL. */
export function tensorName(runName: string, sideLabel: string): string {
  const name = `${runName} (${sideLabel})`
    .replace(/[^\p{L}\p{N} ._()-]+/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
  return name || 'embedding'
}

export interface EmbeddingInfo {
  tensorName: string
  tensorShape: [number, number]
  tensorPath: string
  metadataPath?: string
}

export async function writeProjector(t: ExportTable, ctx: WriteContext, withBytes: boolean): Promise<void> {
  const { rows, dim, data, entities, columns } = t
  const tensors = ctx.files.open(TENSORS_TSV)
  const metadata = columns.length > 0 ? ctx.files.open(METADATA_TSV) : null
  const bytes = withBytes ? ctx.files.open(TENSORS_BYTES) : null

  if (metadata && columns.length > 1) metadata.text(`${uniqueNames(columns.map((c) => projectorCell(c.name))).join('\t')}\n`)
  let placeholders = 0
  let broken = 0
  const message = `Writing ${[TENSORS_TSV, metadata && METADATA_TSV, bytes && TENSORS_BYTES].filter(Boolean).join(', ')}`
  await forEachBlock(rows, ctx, message, (from, to) => {
    for (let i = from; i < to; i++) {
      tensors.floats(data, i * dim, (i + 1) * dim, TAB)
      tensors.byte(LF)
      if (!metadata) continue
      const e = entities[i]!
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) metadata.byte(TAB)
        const value = columns[c]!.get(e)
        const cell = projectorCell(value)
        if (cell === PLACEHOLDER && value !== PLACEHOLDER) placeholders++
        else if (cell !== value && hasBreak(value!)) broken++
        metadata.text(cell)
      }
      metadata.byte(LF)
    }
    bytes?.raw(float32LE(data, from * dim, to * dim))
  })

  const embeddings: EmbeddingInfo[] = [{ tensorName: t.name, tensorShape: [rows, dim], tensorPath: TENSORS_TSV }]
  if (bytes) embeddings.push({ tensorName: `${t.name} bytes`, tensorShape: [rows, dim], tensorPath: TENSORS_BYTES })
  if (metadata) for (const e of embeddings) e.metadataPath = METADATA_TSV
  ctx.files.writeText(CONFIG_JSON, `${JSON.stringify({ embeddings }, null, 2)}\n`)
  ctx.files.writeText(CONFIG_PBTXT, projectorPbtxt(embeddings[0]!))

  if (placeholders > 0) {
    ctx.warnings.push(`${plural(placeholders, 'empty or missing metadata value was', 'empty or missing metadata values were')} written as “${PLACEHOLDER}” (the projector skips blank lines).`)
  }
  if (broken > 0) ctx.warnings.push(`${plural(broken, 'metadata value had', 'metadata values had')} tabs or line breaks, replaced by spaces.`)
}

function hasBreak(s: string): boolean {
  BREAKS.lastIndex = 0
  return BREAKS.test(s)
}

/** data[from..to) as float32 little-endian bytes (a view on little-endian hosts). */
function float32LE(data: Float32Array, from: number, to: number): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset + from * 4, (to - from) * 4)
  if (endianness() === 'LE') return view
  const out = new Uint8Array(view.byteLength)
  const dv = new DataView(out.buffer)
  for (let i = from; i < to; i++) dv.setFloat32((i - from) * 4, data[i]!, true)
  return out
}

/** TensorBoard's ProjectorConfig as text proto (one `embeddings` block). */
export function projectorPbtxt(e: EmbeddingInfo): string {
  const lines = [
    'embeddings {',
    `  tensor_name: ${protoString(e.tensorName)}`,
    `  tensor_shape: ${e.tensorShape[0]}`,
    `  tensor_shape: ${e.tensorShape[1]}`,
    `  tensor_path: ${protoString(e.tensorPath)}`,
  ]
  if (e.metadataPath) lines.push(`  metadata_path: ${protoString(e.metadataPath)}`)
  lines.push('}', '')
  return lines.join('\n')
}

/** A text-proto string literal: UTF-8 bytes, printable ASCII as is, the rest escaped (octal). */
export function protoString(s: string): string {
  let out = '"'
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22) out += '\\"'
    else if (b === 0x5c) out += '\\\\'
    else if (b === 0x0a) out += '\\n'
    else if (b === 0x0d) out += '\\r'
    else if (b === 0x09) out += '\\t'
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`
    else out += String.fromCharCode(b)
  }
  return `${out}"`
}
