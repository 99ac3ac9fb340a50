/**
 * Buffered file output for exports. Each file is written to `<name>.partial`
 * through a 1 MiB buffer (flushed with writeSync: this runs in a worker) and
 * renamed into place only when the whole export has succeeded, so a failed or
 * cancelled export never leaves a truncated file under a real name.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_FLOAT32_CHARS, writeFloat32 } from './float32'

const BUFFER_BYTES = 1 << 20

export class FileSink {
  private fd: number | null
  private buf = Buffer.allocUnsafe(BUFFER_BYTES)
  private pos = 0
  /** Bytes handed to the file so far (flushed or buffered). */
  get bytes(): number {
    return this.flushed + this.pos
  }
  private flushed = 0

  constructor(
    readonly name: string,
    readonly partialPath: string,
  ) {
    this.fd = openSync(partialPath, 'w')
  }

  /** UTF-8 text (lone surrogates become U+FFFD, as Buffer does). */
  text(s: string): void {
    this.reserve(s.length * 3)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  byte(c: number): void {
    this.reserve(1)
    this.buf[this.pos++] = c
  }

  /** data[from..to) as shortest float32 decimals, `sep` between them, nothing after. */
  floats(data: Float32Array, from: number, to: number, sep: number): void {
    this.reserve((to - from) * (MAX_FLOAT32_CHARS + 1))
    const buf = this.buf
    let pos = this.pos
    for (let i = from; i < to; i++) {
      if (i > from) buf[pos++] = sep
      pos = writeFloat32(buf, pos, data[i]!)
    }
    this.pos = pos
  }

  /** Bytes as they are (the buffer is flushed first; large writes go straight to the file). */
  raw(bytes: Uint8Array): void {
    if (bytes.byteLength <= this.buf.length - this.pos) {
      this.buf.set(bytes, this.pos)
      this.pos += bytes.byteLength
      return
    }
    this.flush()
    this.writeAll(bytes)
    this.flushed += bytes.byteLength
  }

  flush(): void {
    if (this.pos === 0) return
    this.writeAll(this.buf.subarray(0, this.pos))
    this.flushed += this.pos
    this.pos = 0
  }

  /** Flush and close (the file stays `.partial` until OutputFiles.commit). */
  close(): void {
    if (this.fd === null) return
    this.flush()
    closeSync(this.fd)
    this.fd = null
  }

  /** Close without flushing (on failure). */
  abandon(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return
    this.flush()
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n)
  }

  private writeAll(bytes: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.name} is closed`)
    let off = 0
    while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off)
  }
}

/** The files of one export: opened as `.partial`, renamed into place together by `commit`. */
export class OutputFiles {
  private readonly sinks: FileSink[] = []

  constructor(readonly folder: string) {}

  open(name: string): FileSink {
    const sink = new FileSink(name, join(this.folder, `${name}.partial`))
    this.sinks.push(sink)
    return sink
  }

  /** A small file in one go (configs). */
  writeText(name: string, text: string): void {
    const sink = this.open(name)
    sink.text(text)
    sink.close()
  }

  /** Relative names, in the order they were opened. */
  get names(): string[] {
    return this.sinks.map((s) => s.name)
  }

  get bytes(): number {
    return this.sinks.reduce((n, s) => n + s.bytes, 0)
  }

  commit(): void {
    for (const s of this.sinks) s.close()
    for (const s of this.sinks) renameSync(s.partialPath, join(this.folder, s.name))
  }

  /** Drop every partial file (after a failure). */
  discard(): void {
    for (const s of this.sinks) {
      s.abandon()
      rmSync(s.partialPath, { force: true })
    }
  }
}

/** Let queued messages (progress) go out between blocks of synchronous writing. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
