/**
 * word2vec text format (what gensim's `KeyedVectors.load_word2vec_format`,
 * fastText and most tools read): a first line `<rows> <dim>`, then one line
 * per vector, `<token> <v1> … <vdim>`, separated by single spaces. Readers
 * split on whitespace, so a token is the label with each run of whitespace
 * (and control characters) replaced by one underscore, ends trimmed; an empty
 * label becomes PLACEHOLDER. Tokens are keys, so repeats are suffixed _2, _3, …
 * (skipping any suffix already taken).
 */
import { PLACEHOLDER } from './projector'
import type { ExportTable, WriteContext } from './table'
import { forEachBlock, plural, wellFormed } from './table'

export const WORD2VEC_FILE = 'word2vec.txt'

const SPACE = 32
const LF = 10
const SEPARATORS = /[\s\u0000-\u001f\u007f\u0085]+/g
const NEEDS_CHANGE = /[\s\u0000-\u001f\u007f\u0085\uD800-\uDFFF]/

export function word2vecToken(label: string): string {
  if (label !== '' && !NEEDS_CHANGE.test(label)) return label
  const token = wellFormed(label).replace(SEPARATORS, ' ').trim().replace(/ /g, '_')
  return token === '' ? PLACEHOLDER : token
}

/** Hands out unique tokens: the first "x" is "x", the next "x_2", then "x_3". */
export class UniqueTokens {
  private readonly used = new Set<string>()
  private readonly next = new Map<string, number>()
  renamed = 0
  example: [string, string] | null = null

  take(token: string): string {
    if (!this.used.has(token)) {
      this.used.add(token)
      return token
    }
    let n = this.next.get(token) ?? 2
    while (this.used.has(`${token}_${n}`)) n++
    const out = `${token}_${n}`
    this.next.set(token, n + 1)
    this.used.add(out)
    this.renamed++
    this.example ??= [token, out]
    return out
  }
}

export async function writeWord2vec(t: ExportTable, ctx: WriteContext): Promise<void> {
  const { rows, dim, data, entities } = t
  const out = ctx.files.open(WORD2VEC_FILE)
  out.text(`${rows} ${dim}\n`)
  const tokens = new UniqueTokens()
  let empty = 0
  await forEachBlock(rows, ctx, `Writing ${WORD2VEC_FILE}`, (from, to) => {
    for (let i = from; i < to; i++) {
      const token = word2vecToken(entities[i]!.label)
      if (token === PLACEHOLDER) empty++
      out.text(tokens.take(token))
      out.byte(SPACE)
      out.floats(data, i * dim, (i + 1) * dim, SPACE)
      out.byte(LF)
    }
  })
  if (empty > 0) ctx.warnings.push(`${plural(empty, 'empty label was', 'empty labels were')} written as “${PLACEHOLDER}”.`)
  if (tokens.example) {
    const [a, b] = tokens.example
    const what = plural(tokens.renamed, 'token repeated an earlier one and was', 'tokens repeated an earlier one and were')
    ctx.warnings.push(`${what} made unique with _2, _3, … (e.g. “${a}” → “${b}”).`)
  }
}
