import { describe, expect, it } from 'vitest'
import { detectDelimiter, parseLines, parseQuotedRecord, parseTimestamp, RecordParser, type RecordSink } from './delimited'
import { readLineBatches } from './lines'
import { tempWorld } from './testing'

interface Seen {
  records: { fields: string[]; line: number }[]
  bad: { line: number; message: string; text: string }[]
}

function collect(): { seen: Seen; sink: RecordSink } {
  const seen: Seen = { records: [], bad: [] }
  const sink: RecordSink = {
    record: (fields, line) => seen.records.push({ fields, line }),
    bad: (line, message, text) => seen.bad.push({ line, message, text }),
  }
  return { seen, sink }
}

function parse(text: string, delimiter = ',', quote = true): Seen {
  const { seen, sink } = collect()
  parseLines(text.split('\n'), { delimiter, quote }, sink, true)
  return seen
}

describe('parseQuotedRecord (RFC 4180)', () => {
  it.each([
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['a,"",b', ['a', '', 'b']],
    ['a,"b"', ['a', 'b']],
    ['"a",', ['a', '']],
    ['5" floppy,x', ['5" floppy', 'x']],
    ['"multi\nline",z', ['multi\nline', 'z']],
  ])('%j → %j', (text, fields) => {
    expect(parseQuotedRecord(text, ',')).toEqual({ fields })
  })

  it('reports an open quote and text after a closing quote', () => {
    expect(parseQuotedRecord('"open,b', ',')).toEqual({ open: true })
    expect(parseQuotedRecord('"a"b,c', ',')).toHaveProperty('error')
  })
})

describe('RecordParser', () => {
  it('numbers records by the physical line where they start, across quoted newlines', () => {
    const seen = parse('h1,h2\n"one\ntwo\nthree",x\nplain,y\n\n"a ""q""",z')
    expect(seen.records).toEqual([
      { fields: ['h1', 'h2'], line: 1 },
      { fields: ['one\ntwo\nthree', 'x'], line: 2 },
      { fields: ['plain', 'y'], line: 5 },
      { fields: ['a "q"', 'z'], line: 7 },
    ])
    expect(seen.bad).toEqual([])
  })

  it('reports an unterminated quote at its line and re-reads the lines after it', () => {
    const seen = parse('a,b\n"never closed,1\nc,d\ne,f')
    expect(seen.bad.map((b) => b.line)).toEqual([2])
    expect(seen.bad[0]!.message).toMatch(/closing quote/)
    expect(seen.records.map((r) => r.line)).toEqual([1, 3, 4])
  })

  it('drops a record still open at the end of a preview head instead of reporting it', () => {
    const { seen, sink } = collect()
    const parser = new RecordParser({ delimiter: ',', quote: true }, sink)
    parser.push('a,"open', 1)
    parser.end(false)
    expect(seen).toEqual({ records: [], bad: [] })
  })

  it('splits multi-character delimiters and ignores quotes when the format has none', () => {
    expect(parse('1::"Toy, Story"::x', '::', false).records[0]!.fields).toEqual(['1', '"Toy, Story"', 'x'])
  })

  it('uses the fast path of a sink that has one, only for lines without quotes', () => {
    const lines: string[] = []
    const { seen, sink } = collect()
    parseLines(['a,b', '"c",d'], { delimiter: ',', quote: true }, { ...sink, line: (text) => lines.push(text) }, true)
    expect(lines).toEqual(['a,b'])
    expect(seen.records).toEqual([{ fields: ['c', 'd'], line: 2 }])
  })
})

describe('detectDelimiter', () => {
  it.each([
    ['user\titem\nu1\ti1\n', '\t'],
    ['user,item\nu1,i1\n', ','],
    ['user;item;note\nu1;i1;"a,b"\n', ';'],
    ['user|item\nu1|i1\n', '|'],
    ['"a,b";c\n"x,y";z\n', ';'],
  ])('%j → %j', (text, delimiter) => {
    expect(detectDelimiter(text.split('\n'))).toBe(delimiter)
  })
})

describe('parseTimestamp', () => {
  it.each([
    ['874724710', 874724710],
    ['1.5', 1.5],
    ['2020-01-02', Date.UTC(2020, 0, 2) / 1000],
    ['2020-01-02T03:04:05Z', Date.UTC(2020, 0, 2, 3, 4, 5) / 1000],
    ['2020-01-02 03:04:05', Date.UTC(2020, 0, 2, 3, 4, 5) / 1000],
    ['2020-01-02T03:04:05+01:00', Date.UTC(2020, 0, 2, 2, 4, 5) / 1000],
  ])('%s → %d', (text, seconds) => {
    expect(parseTimestamp(text)).toBe(seconds)
  })

  it.each(['', 'yesterday', '2020-13-45', 'NaN'])('%j is not a timestamp', (text) => {
    expect(parseTimestamp(text)).toBeNaN()
  })
})

describe('readLineBatches', () => {
  it('keeps line numbers across chunk boundaries, drops \\r and a UTF-8 BOM, decodes split characters', async () => {
    const world = tempWorld()
    try {
      const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1} é€`)
      const path = world.file('x.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n'))]))
      const seen: [number, string][] = []
      for await (const batch of readLineBatches(path, { chunkSize: 7 })) batch.lines.forEach((l, i) => seen.push([batch.firstLine + i, l]))
      expect(seen).toEqual(lines.map((l, i) => [i + 1, l]))
    } finally {
      world.cleanup()
    }
  })
})
