/**
 * Read the header row of a delimited file in the browser, so the column
 * selects can be filled before the first preview: the contract's specs need
 * the columns chosen before main will preview a pairs or metadata file.
 * main's preview stays the authority (its `columns` replace these).
 */
const CANDIDATES = [',', '\t', ';', '|'] as const

export interface SniffedHeader {
  delimiter: string
  columns: string[]
}

export async function sniffHeader(file: Blob, delimiter: string): Promise<SniffedHeader | null> {
  const text = await file.slice(0, 64 * 1024).text()
  const firstLine = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((l) => l.trim() !== '')
  if (firstLine === undefined) return null
  const d = delimiter === 'auto' ? detect(firstLine) : delimiter
  const columns = splitRecord(firstLine, d).map((c) => c.trim())
  return { delimiter: d, columns }
}

function detect(line: string): string {
  let best: string = ','
  let bestCount = 0
  for (const c of CANDIDATES) {
    const n = splitRecord(line, c).length - 1
    if (n > bestCount) {
      best = c
      bestCount = n
    }
  }
  return best
}

/** One line, RFC 4180 quotes ("a ""b""" → a "b"). */
function splitRecord(line: string, delimiter: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"' && field.trim() === '') {
      quoted = true
      field = ''
    } else if (line.startsWith(delimiter, i)) {
      out.push(field)
      field = ''
      i += delimiter.length - 1
    } else field += ch
  }
  out.push(field)
  return out
}
