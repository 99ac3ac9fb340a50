/**
 * The streaming line reader every importer and preview shares: reads a file
 * in 1 MiB chunks, decodes it (UTF-8 with a leading BOM dropped, or latin-1),
 * splits on \n (dropping a trailing \r) and hands out batches of physical
 * lines with the 1-based line number of the first and the bytes read so far.
 * Memory is one chunk plus one partial line, whatever the file size.
 */
import { open, stat } from 'node:fs/promises'
import { basename } from 'node:path'

export type Encoding = 'utf8' | 'latin1'

export interface LineBatch {
  lines: string[]
  /** 1-based file line number of lines[0]. */
  firstLine: number
  bytesRead: number
}

export interface ReadOptions {
  encoding?: Encoding
  /** Stop after this many bytes (the partial last line is then dropped). */
  maxBytes?: number
  chunkSize?: number
}

const CHUNK_SIZE = 1 << 20

/** Size of a file to import, with a clear message when it is missing or empty. */
export async function fileSize(path: string): Promise<number> {
  let size: number
  try {
    const s = await stat(path)
    if (!s.isFile()) throw new Error(`${path} is not a file.`)
    size = s.size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`File not found: ${path}`)
    throw err
  }
  if (size === 0) throw new Error(`${basename(path)} is empty (${path}).`)
  return size
}

const stripCr = (line: string): string => (line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line)

export async function* readLineBatches(path: string, options: ReadOptions = {}): AsyncGenerator<LineBatch> {
  const chunkSize = options.chunkSize ?? CHUNK_SIZE
  const maxBytes = options.maxBytes ?? Infinity
  // TextDecoder('latin1') is windows-1252 (the WHATWG label), a superset of
  // ISO-8859-1 for printable text: 0xE9 → "é".
  const decoder = new TextDecoder(options.encoding === 'latin1' ? 'latin1' : 'utf-8')
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(chunkSize)
    let carry = ''
    let line = 1
    let bytesRead = 0
    let truncated = false
    for (;;) {
      const want = Math.min(chunkSize, maxBytes - bytesRead)
      if (want <= 0) {
        truncated = true
        break
      }
      const { bytesRead: n } = await handle.read(buffer, 0, want, null)
      if (n === 0) break
      bytesRead += n
      const lines = (carry + decoder.decode(buffer.subarray(0, n), { stream: true })).split('\n')
      carry = lines.pop()!
      if (lines.length === 0) continue
      for (let i = 0; i < lines.length; i++) lines[i] = stripCr(lines[i]!)
      yield { lines, firstLine: line, bytesRead }
      line += lines.length
    }
    if (!truncated) {
      const tail = carry + decoder.decode()
      if (tail.length > 0) yield { lines: [stripCr(tail)], firstLine: line, bytesRead }
    }
  } finally {
    await handle.close()
  }
}

export interface Head {
  /** Physical lines from line 1. */
  lines: string[]
  /** True when the whole file was read. */
  complete: boolean
  fileSize: number
}

/** The first `maxLines` lines within the first `maxBytes` bytes, for previews and format detection. */
export async function readHead(path: string, maxLines = 1000, maxBytes = 1 << 20, encoding: Encoding = 'utf8'): Promise<Head> {
  const size = await fileSize(path)
  const lines: string[] = []
  let bytes = 0
  for await (const batch of readLineBatches(path, { encoding, maxBytes, chunkSize: Math.min(maxBytes, 1 << 16) })) {
    bytes = batch.bytesRead
    for (const l of batch.lines) {
      if (lines.length === maxLines) break
      lines.push(l)
    }
    if (lines.length === maxLines) break
  }
  const complete = bytes >= size && lines.length < maxLines
  return { lines, complete, fileSize: size }
}
