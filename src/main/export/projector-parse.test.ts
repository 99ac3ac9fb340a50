import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import {
  checkRowCount,
  loadProjectorConfig,
  parseMetadataTsv,
  parseProjectorPbtxt,
  parseTensorsTsv,
  ProjectorFormatError,
  readProjectorFolder,
  readTensorsBytes,
} from './projector-parse'
import { projectorPbtxt, protoString } from './projector'

const utf8 = (s: string) => Buffer.from(s, 'utf8')

describe('tensors.tsv', () => {
  it('reads rows of numbers as float32, skipping blank lines and trimming', () => {
    const t = parseTensorsTsv(utf8('0.1\t2\t-3e-5\n\n  4\t5\t6  \r\n'))
    expect(t.rows).toBe(2)
    expect(t.dim).toBe(3)
    expect([...t.data]).toEqual([0.1, 2, -3e-5, 4, 5, 6].map(Math.fround))
    expect(t.labels).toBeNull()
  })

  it('takes a first field that is not a number as a label, as the projector does', () => {
    const t = parseTensorsTsv('cat\t1\t2\ndog\t3\t4\n')
    expect(t.labels).toEqual(['cat', 'dog'])
    expect(t.dim).toBe(2)
    // …and so is a first field when the row has one field more than the first row.
    expect(parseTensorsTsv('1\t2\n7\t3\t4\n').labels).toEqual([null, '7'])
  })

  it.each([
    ['1\t2\n3\t4\t5\t6\n', 2, '4 values where the first row had 2'],
    ['1\t2\n3\tx\n', 2, 'field 2 (“x”) is not a number'],
    ['1\t2\t3\n\n3\t\t4\n', 3, 'field 2 (“”) is not a number'],
    ['7\n', 1, 'a vector with 1 value'],
  ])('reports %j at line %i', (text, line, detail) => {
    const err = (() => {
      try {
        parseTensorsTsv(text)
      } catch (e) {
        return e
      }
    })() as ProjectorFormatError
    expect(err).toBeInstanceOf(ProjectorFormatError)
    expect(err.line).toBe(line)
    expect(err.message).toContain(detail)
    expect(err.message).toContain(`tensors.tsv, line ${line}`)
  })

  it('rejects invalid UTF-8', () => {
    expect(() => parseTensorsTsv(Uint8Array.of(0x31, 0x09, 0xff, 0x0a))).toThrow(/not valid UTF-8/)
  })
})

describe('metadata.tsv', () => {
  it('a one-column file has no header: its column is "label"', () => {
    const m = parseMetadataTsv('Dune\nEmma\n')
    expect(m.header).toBeNull()
    expect(m.columns).toEqual(['label'])
    expect(m.rows).toEqual([['Dune'], ['Emma']])
  })

  it('a first line with a tab is the header; "" is a missing value', () => {
    const m = parseMetadataTsv('title\tgenre\nDune\tsf\nEmma\t\n')
    expect(m.header).toEqual(m.columns)
    expect(m.columns).toEqual(['title', 'genre'])
    expect(m.rows).toEqual([
      ['Dune', 'sf'],
      ['Emma', null],
    ])
    expect(m.lines).toEqual([2, 3])
  })

  it('skips blank lines (a blank label would shift the rest) and counts them', () => {
    const m = parseMetadataTsv('a\n  \nb\n\nc')
    expect(m.rows).toEqual([['a'], ['b'], ['c']])
    expect(m.blankLines).toBe(2)
  })

  it('strips a UTF-8 byte order mark, as the browser does', () => {
    expect(parseMetadataTsv(Buffer.concat([Uint8Array.of(0xef, 0xbb, 0xbf), utf8('é\n')])).rows).toEqual([['é']])
  })

  it('requires every row to have the header’s number of fields', () => {
    expect(() => parseMetadataTsv('a\tb\n1\t2\n3\n')).toThrow(/line 3: 1 fields, but the header has 2/)
    expect(() => parseMetadataTsv('a\nb\tc\n')).toThrow(/line 2: 2 fields, but a file without a header has one column/)
  })

  it('checks the row count against the tensors', () => {
    const t = parseTensorsTsv('1\t2\n3\t4\n')
    expect(() => checkRowCount(t, parseMetadataTsv('a\n'))).toThrow('Number of tensors (2) do not match the number of lines in metadata (1).')
    expect(() => checkRowCount(t, parseMetadataTsv('x\ty\na\tb\nc\td\n'))).not.toThrow()
  })
})

describe('tensors.bytes', () => {
  it('reads float32 little-endian by tensorShape', () => {
    const values = [1.5, -2, 3.25, 1e-30].map(Math.fround)
    const buf = Buffer.alloc(16)
    values.forEach((v, i) => buf.writeFloatLE(v, i * 4))
    const t = readTensorsBytes(buf, [2, 2])
    expect([...t.data]).toEqual(values)
    expect(() => readTensorsBytes(buf, [3, 2])).toThrow(/16 bytes, but tensorShape \[3, 2\] needs 24/)
  })
})

describe('configs', () => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => {
    tmp = tempDir()
  })
  afterEach(() => tmp.cleanup())

  it('reads the pbtxt we write, escapes included', () => {
    const name = 'Böoks "1" \\ x'
    const text = projectorPbtxt({ tensorName: name, tensorShape: [3, 2], tensorPath: 'tensors.tsv', metadataPath: 'metadata.tsv' })
    expect(text).toMatch(/^embeddings \{\n {2}tensor_name: "B\\303\\266oks \\"1\\" \\\\ x"\n/)
    expect(parseProjectorPbtxt(text).embeddings).toEqual([{ tensorName: name, tensorShape: [3, 2], tensorPath: 'tensors.tsv', metadataPath: 'metadata.tsv' }])
    expect(protoString('tab\there')).toBe('"tab\\there"')
  })

  it('reads a hand-written pbtxt (comments, colon before a message, several embeddings)', () => {
    const text = '# config\nembeddings: {\n  tensor_name: "a"\n  tensor_path: \'a.tsv\'\n}\nembeddings { tensor_name: "b" tensor_path: "b.tsv" }\n'
    expect(parseProjectorPbtxt(text).embeddings.map((e) => e.tensorPath)).toEqual(['a.tsv', 'b.tsv'])
  })

  it('resolves relative paths against the config folder and checks the files against each other', async () => {
    const dir = join(tmp.dir, 'export')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'sub', 't.tsv'), '1\t2\n3\t4\n')
    writeFileSync(join(dir, 'm.tsv'), 'a\nb\n')
    const bytes = Buffer.alloc(16)
    ;[1, 2, 3, 4].forEach((v, i) => bytes.writeFloatLE(v, i * 4))
    writeFileSync(join(dir, 't.bytes'), bytes)
    const config = {
      embeddings: [
        { tensorName: 'tsv', tensorShape: [2, 2], tensorPath: 'sub/t.tsv', metadataPath: 'm.tsv' },
        { tensorName: 'bytes', tensorShape: [2, 2], tensorPath: 't.bytes', metadataPath: 'm.tsv' },
      ],
    }
    writeFileSync(join(dir, 'projector_config.json'), JSON.stringify(config))
    const loaded = loadProjectorConfig(join(dir, 'projector_config.json'))
    expect(loaded.embeddings.map((e) => e.tensorFile)).toEqual([join(dir, 'sub', 't.tsv'), join(dir, 't.bytes')])
    expect([...loaded.embeddings[1]!.tensors.data]).toEqual([...loaded.embeddings[0]!.tensors.data])

    // A folder: the pbtxt must describe the same tensor file as the JSON.
    writeFileSync(join(dir, 'projector_config.pbtxt'), projectorPbtxt({ tensorName: 'tsv', tensorShape: [2, 2], tensorPath: 'sub/t.tsv', metadataPath: 'm.tsv' }))
    expect((await readProjectorFolder(dir)).embeddings[0]!.tensorShape).toEqual([2, 2])
    writeFileSync(join(dir, 'projector_config.pbtxt'), projectorPbtxt({ tensorName: 'other', tensorShape: [2, 2], tensorPath: 'sub/t.tsv' }))
    await expect(readProjectorFolder(dir)).rejects.toThrow(/“other” \(sub\/t\.tsv\) differs from projector_config\.json/)

    writeFileSync(join(dir, 'projector_config.json'), JSON.stringify({ embeddings: [{ ...config.embeddings[1], tensorShape: undefined }] }))
    expect(() => loadProjectorConfig(join(dir, 'projector_config.json'))).toThrow(/a \.bytes tensor needs tensorShape/)
    writeFileSync(join(dir, 'projector_config.json'), JSON.stringify({ embeddings: [{ ...config.embeddings[0], tensorShape: [3, 2] }] }))
    expect(() => loadProjectorConfig(join(dir, 'projector_config.json'))).toThrow(/tensorShape \[3, 2\] but .* holds 2 × 2/)
  })
})
