/**
 * Reads an Embedding Projector folder the way the projector does (its data
 * provider and TensorBoard's plugin), to check what we export — and anything
 * a user brings. Where the projector is lenient in ways that lose data
 * silently, this reader is strict and says where (file and line):
 *
 * - tensors.tsv: split on "\n", each line trimmed, blank lines skipped, fields
 *   split on tabs. A first field that is not a number (or one field more than
 *   the first row had) is a label, as in the projector. Values read as
 *   Math.fround(Number(field)) — the projector's `new Float32Array(row.map(Number))`.
 *   Strict: a field that is not a number (the projector: NaN) or empty (the
 *   projector: 0) is an error; so is a row of another length, or one value.
 * - metadata.tsv: split on "\n"; lines blank after trim() skipped (counted in
 *   `blankLines`); the first line is a header iff it contains a tab, else the
 *   one column is "label"; "" is a missing value (null). Strict: every row
 *   has as many fields as there are columns (the projector ignores extras and
 *   leaves the rest undefined).
 * - Row counts: as many metadata rows as vectors ("Number of tensors (N) do
 *   not match the number of lines in metadata (M)" in the projector).
 * - projector_config.json: { embeddings: [{ tensorName, tensorShape?,
 *   tensorPath?, metadataPath? }] }; a tensorPath ending in ".bytes" is
 *   float32 little-endian and needs tensorShape [rows, dim]. Paths resolve
 *   against the config's folder (as TensorBoard does for the pbtxt).
 * - projector_config.pbtxt: the same as text proto (tensor_name,
 *   tensor_shape, tensor_path, metadata_path).
 *
 * Text is decoded as UTF-8 (a leading BOM dropped, as the browser does);
 * invalid UTF-8 is an error. The projector decodes in 1,000,000-byte chunks,
 * which garbles a multi-byte character that straddles a chunk boundary; we
 * decode the whole file.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { z } from 'zod'

export class ProjectorFormatError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line in the file, when the error has one. */
    readonly line: number | null,
    detail: string,
  ) {
    super(`${file}${line !== null ? `, line ${line}` : ''}: ${detail}`)
    this.name = 'ProjectorFormatError'
  }
}

export interface ParsedTensors {
  rows: number
  dim: number
  /** rows × dim, row-major. */
  data: Float32Array
  /** Labels found in the first field (a tensors file with labels); null when there were none. */
  labels: (string | null)[] | null
}

export interface ParsedMetadata {
  /** The header row's names; null for a one-column file (no header). */
  header: string[] | null
  /** The header's names, or ["label"] for a one-column file. */
  columns: string[]
  /** One per data line, values by column; "" read as null. */
  rows: (string | null)[][]
  /** 1-based line of each row. */
  lines: number[]
  /** Lines skipped because they were blank. */
  blankLines: number
}

const decoder = new TextDecoder('utf-8', { fatal: true })

function decode(content: Uint8Array | string, file: string): string {
  if (typeof content === 'string') return content
  try {
    return decoder.decode(content)
  } catch {
    throw new ProjectorFormatError(file, null, 'not valid UTF-8')
  }
}

export function parseTensorsTsv(content: Uint8Array | string, file = 'tensors.tsv'): ParsedTensors {
  const lines = decode(content, file).split('\n')
  let dim = -1
  let rows = 0
  let data = new Float32Array(1024)
  let labels: (string | null)[] | null = null
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.trim()
    if (line === '') continue
    const fields = line.split('\t')
    let label: string | null = null
    let first = 0
    if (Number.isNaN(Number(fields[0])) || dim === fields.length - 1) {
      label = fields[0]!
      first = 1
    }
    const n = fields.length - first
    if (dim === -1) {
      dim = n
      if (dim <= 1) throw new ProjectorFormatError(file, li + 1, `a vector with ${dim} value${dim === 1 ? '' : 's'}: the projector needs at least 2`)
    } else if (n !== dim) {
      throw new ProjectorFormatError(file, li + 1, `${n} values where the first row had ${dim}`)
    }
    if ((rows + 1) * dim > data.length) {
      const grown = new Float32Array(Math.max(data.length * 2, (rows + 1) * dim))
      grown.set(data)
      data = grown
    }
    for (let j = 0; j < dim; j++) {
      const field = fields[first + j]!
      const x = Number(field)
      if (field === '' || Number.isNaN(x)) throw new ProjectorFormatError(file, li + 1, `field ${first + j + 1} (“${field}”) is not a number`)
      data[rows * dim + j] = x
    }
    if (label !== null) labels ??= new Array<string | null>(rows).fill(null)
    labels?.push(label)
    rows++
  }
  if (dim === -1) dim = 0
  return { rows, dim, data: data.slice(0, rows * dim), labels }
}

export function parseMetadataTsv(content: Uint8Array | string, file = 'metadata.tsv'): ParsedMetadata {
  const lines = decode(content, file).split('\n')
  const out: ParsedMetadata = { header: null, columns: ['label'], rows: [], lines: [], blankLines: 0 }
  let seen = 0
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!
    if (line.trim().length === 0) {
      // The split leaves one empty string after a final "\n": not a line.
      if (li < lines.length - 1 || line !== '') out.blankLines++
      continue
    }
    if (seen++ === 0 && line.includes('\t')) {
      out.header = line.split('\t')
      out.columns = out.header
      continue
    }
    const values = line.split('\t')
    if (values.length !== out.columns.length) {
      const expected = out.header ? `the header has ${out.columns.length}` : 'a file without a header has one column'
      throw new ProjectorFormatError(file, li + 1, `${values.length} fields, but ${expected}`)
    }
    out.rows.push(values.map((v) => (v === '' ? null : v)))
    out.lines.push(li + 1)
  }
  return out
}

/** float32 little-endian, row-major, shaped by the config's tensorShape. */
export function readTensorsBytes(content: Uint8Array, shape: readonly number[], file = 'tensors.bytes'): ParsedTensors {
  if (shape.length !== 2) throw new ProjectorFormatError(file, null, `tensorShape must be [rows, dim], not [${shape.join(', ')}]`)
  const [rows, dim] = shape as [number, number]
  if (content.byteLength !== rows * dim * 4) {
    throw new ProjectorFormatError(file, null, `${content.byteLength} bytes, but tensorShape [${rows}, ${dim}] needs ${rows * dim * 4}`)
  }
  const data = new Float32Array(rows * dim)
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength)
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true)
  return { rows, dim, data, labels: null }
}

export function checkRowCount(tensors: ParsedTensors, metadata: ParsedMetadata, file = 'metadata.tsv'): void {
  if (tensors.rows !== metadata.rows.length) {
    throw new ProjectorFormatError(file, null, `Number of tensors (${tensors.rows}) do not match the number of lines in metadata (${metadata.rows.length}).`)
  }
}

// ---------------------------------------------------------------- configs

const EmbeddingInfo = z.object({
  tensorName: z.string(),
  tensorShape: z.array(z.number().int().min(0)).optional(),
  tensorPath: z.string().optional(),
  metadataPath: z.string().optional(),
  bookmarksPath: z.string().optional(),
  sprite: z.unknown().optional(),
})
export const ProjectorConfig = z.object({ embeddings: z.array(EmbeddingInfo), modelCheckpointPath: z.string().optional() })
export type ProjectorConfig = z.infer<typeof ProjectorConfig>
export type EmbeddingInfo = z.infer<typeof EmbeddingInfo>

export function parseProjectorConfigJson(text: string, file = 'projector_config.json'): ProjectorConfig {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ProjectorFormatError(file, null, `not JSON: ${(err as Error).message}`)
  }
  const parsed = ProjectorConfig.safeParse(json)
  if (!parsed.success) throw new ProjectorFormatError(file, null, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
  return parsed.data
}

type ProtoValue = string | number | ProtoMessage
interface ProtoMessage {
  [field: string]: ProtoValue[]
}

/** TensorBoard's ProjectorConfig text proto (the fields the projector uses). */
export function parseProjectorPbtxt(text: string, file = 'projector_config.pbtxt'): ProjectorConfig {
  const root = parseTextProto(text, file)
  const str = (m: ProtoMessage, f: string) => {
    const v = m[f]?.at(-1)
    return typeof v === 'string' ? v : undefined
  }
  const embeddings = (root.embeddings ?? []).map((e, i): EmbeddingInfo => {
    if (typeof e !== 'object') throw new ProjectorFormatError(file, null, `embeddings #${i + 1} is not a message`)
    const shape = (e.tensor_shape ?? []).filter((v): v is number => typeof v === 'number')
    return {
      tensorName: str(e, 'tensor_name') ?? '',
      ...(shape.length > 0 ? { tensorShape: shape } : {}),
      ...(str(e, 'tensor_path') !== undefined ? { tensorPath: str(e, 'tensor_path') } : {}),
      ...(str(e, 'metadata_path') !== undefined ? { metadataPath: str(e, 'metadata_path') } : {}),
    }
  })
  return { embeddings }
}

/** A small text-proto reader: `name: value`, `name { … }`, `name: { … }`, strings with C escapes, numbers, # comments. */
export function parseTextProto(text: string, file = 'config.pbtxt'): ProtoMessage {
  const tokens = tokenize(text, file)
  let at = 0
  const fail = (detail: string): never => {
    throw new ProjectorFormatError(file, tokens[at]?.line ?? null, detail)
  }
  const message = (closing: boolean): ProtoMessage => {
    const m: ProtoMessage = {}
    for (;;) {
      const t = tokens[at]
      if (!t) return closing ? fail('missing "}"') : m
      if (t.kind === '}') {
        if (!closing) fail('unexpected "}"')
        at++
        return m
      }
      if (t.kind !== 'ident') fail(`expected a field name, found ${t.text}`)
      at++
      let colon = false
      if (tokens[at]?.kind === ':') {
        colon = true
        at++
      }
      const v = tokens[at]
      if (!v) return fail('missing value')
      let value: ProtoValue
      if (v.kind === '{') {
        at++
        value = message(true)
      } else if (!colon) {
        return fail(`expected ":" or "{" after ${t.text}`)
      } else if (v.kind === 'string') {
        value = v.value as string
        at++
        // Adjacent string literals concatenate.
        while (tokens[at]?.kind === 'string') value += tokens[at++]!.value as string
      } else if (v.kind === 'number') {
        value = v.value as number
        at++
      } else if (v.kind === 'ident') {
        value = v.text
        at++
      } else {
        return fail(`unexpected ${v.text}`)
      }
      ;(m[t.text] ??= []).push(value)
      if (tokens[at]?.kind === ',' || tokens[at]?.kind === ';') at++
    }
  }
  return message(false)
}

interface Token {
  kind: 'ident' | 'string' | 'number' | '{' | '}' | ':' | ',' | ';'
  text: string
  value?: string | number
  line: number
}

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (ch === '\n') {
      line++
      i++
    } else if (/\s/.test(ch)) {
      i++
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if ('{}:,;'.includes(ch)) {
      tokens.push({ kind: ch as Token['kind'], text: ch, line })
      i++
    } else if (ch === '"' || ch === "'") {
      const start = i++
      const bytes: number[] = []
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\n') throw new ProjectorFormatError(file, line, 'line break inside a string')
        if (text[i] === '\\') {
          i++
          const e = text[i++]
          const simple: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, '\\': 92, a: 7, b: 8, f: 12, v: 11, '?': 63 }
          if (e !== undefined && e in simple) bytes.push(simple[e]!)
          else if (e !== undefined && /[0-7]/.test(e)) {
            let oct = e
            while (oct.length < 3 && /[0-7]/.test(text[i] ?? '')) oct += text[i++]
            bytes.push(parseInt(oct, 8) & 0xff)
          } else if (e === 'x' || e === 'X') {
            let hex = ''
            while (hex.length < 2 && /[0-9a-fA-F]/.test(text[i] ?? '')) hex += text[i++]
            if (!hex) throw new ProjectorFormatError(file, line, 'bad \\x escape')
            bytes.push(parseInt(hex, 16))
          } else throw new ProjectorFormatError(file, line, `unknown escape \\${e ?? ''}`)
        } else {
          const cp = text.codePointAt(i)!
          bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'))
          i += cp > 0xffff ? 2 : 1
        }
      }
      if (i >= text.length) throw new ProjectorFormatError(file, line, 'unterminated string')
      i++
      tokens.push({ kind: 'string', text: text.slice(start, i), value: decode(Uint8Array.from(bytes), file), line })
    } else {
      const m = /^[A-Za-z0-9_.+-]+/.exec(text.slice(i, i + 64))
      if (!m) throw new ProjectorFormatError(file, line, `unexpected “${ch}”`)
      const word = m[0]
      const n = Number(word)
      tokens.push(/^[-+.\d]/.test(word) && !Number.isNaN(n) ? { kind: 'number', text: word, value: n, line } : { kind: 'ident', text: word, line })
      i += word.length
    }
  }
  return tokens
}

// ---------------------------------------------------------------- a whole folder

export interface LoadedEmbedding {
  tensorName: string
  /** [rows, dim] as read from the tensor file. */
  tensorShape: [number, number]
  /** The entry as the config has it (paths relative). */
  info: EmbeddingInfo
  /** Absolute paths, resolved against the config's folder. */
  tensorFile: string
  metadataFile: string | null
  tensors: ParsedTensors
  metadata: ParsedMetadata | null
}

/** Read a projector_config.json or .pbtxt and every tensor and metadata file it names, checking them against each other. */
export function loadProjectorConfig(configPath: string): { config: ProjectorConfig; embeddings: LoadedEmbedding[] } {
  const text = decode(readFileSync(configPath), configPath)
  const config = configPath.endsWith('.pbtxt') ? parseProjectorPbtxt(text, configPath) : parseProjectorConfigJson(text, configPath)
  const base = dirname(configPath)
  const embeddings = config.embeddings.map((info): LoadedEmbedding => {
    if (!info.tensorPath) throw new ProjectorFormatError(configPath, null, `“${info.tensorName}” has no tensor path`)
    const tensorFile = resolveAsset(base, info.tensorPath)
    const tensors = info.tensorPath.endsWith('.bytes')
      ? readTensorsBytes(readFileSync(tensorFile), requireShape(info, configPath), tensorFile)
      : parseTensorsTsv(readFileSync(tensorFile), tensorFile)
    if (info.tensorShape && (info.tensorShape[0] !== tensors.rows || info.tensorShape[1] !== tensors.dim)) {
      throw new ProjectorFormatError(configPath, null, `“${info.tensorName}”: tensorShape [${info.tensorShape.join(', ')}] but ${tensorFile} holds ${tensors.rows} × ${tensors.dim}`)
    }
    let metadata: ParsedMetadata | null = null
    let metadataFile: string | null = null
    if (info.metadataPath) {
      metadataFile = resolveAsset(base, info.metadataPath)
      metadata = parseMetadataTsv(readFileSync(metadataFile), metadataFile)
      checkRowCount(tensors, metadata, metadataFile)
    }
    return { tensorName: info.tensorName, tensorShape: [tensors.rows, tensors.dim], info, tensorFile, metadataFile, tensors, metadata }
  })
  return { config, embeddings }
}

/**
 * Read an exported folder: projector_config.json and every file it names,
 * and check that projector_config.pbtxt (when there) describes the same
 * tensor file with the same name, shape and metadata.
 */
export async function readProjectorFolder(folder: string): Promise<{ config: ProjectorConfig; embeddings: LoadedEmbedding[] }> {
  const jsonPath = join(folder, 'projector_config.json')
  const pbtxtPath = join(folder, 'projector_config.pbtxt')
  if (!existsSync(jsonPath)) return loadProjectorConfig(pbtxtPath)
  const loaded = loadProjectorConfig(jsonPath)
  if (existsSync(pbtxtPath)) {
    const pbtxt = parseProjectorPbtxt(decode(readFileSync(pbtxtPath), pbtxtPath), pbtxtPath)
    for (const e of pbtxt.embeddings) {
      const twin = loaded.config.embeddings.find((j) => j.tensorPath === e.tensorPath)
      const same = twin && twin.tensorName === e.tensorName && twin.metadataPath === e.metadataPath && (!e.tensorShape || String(twin.tensorShape) === String(e.tensorShape))
      if (!same) throw new ProjectorFormatError(pbtxtPath, null, `“${e.tensorName}” (${e.tensorPath}) differs from projector_config.json`)
    }
  }
  return loaded
}

function requireShape(info: EmbeddingInfo, file: string): number[] {
  if (!info.tensorShape) throw new ProjectorFormatError(file, null, `“${info.tensorName}”: a .bytes tensor needs tensorShape`)
  return info.tensorShape
}

const resolveAsset = (base: string, path: string): string => (isAbsolute(path) ? path : resolve(base, path))
