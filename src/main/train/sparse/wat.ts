/**
 * A tiny WebAssembly text → binary assembler for the subset the sparse
 * engine's kernels are written in, so the kernels stay readable WAT (they
 * assemble unchanged with wabt's `wat2wasm --enable-threads`) without adding
 * a build step or a dependency.
 *
 * Supported: `(module …)` with imports of one memory and of functions,
 * `(func $name (export "name") (param $p t)… (result t)? (local $l t)… body)`
 * where the body is flat instructions, folded ones — `(i32.add (local.get $a)
 * (i32.const 4))`, `(i32.load offset=8 (local.get $p))`: operands first, then
 * the instruction with its immediates — or a mix; `block`/`loop`/`if` with an
 * optional `$label` and no result type, flat (`else`, `end`) or folded
 * (`(block $l …)`, `(if (cond) (then …) (else …))`), `br`/`br_if` by label, `call $f`, locals by name, memory accesses
 * with `offset=`/`align=`, numeric constants and the f32x4 SIMD subset in
 * OPCODES below. Anything else is an error naming the token.
 */

type SExpr = string | SExpr[]

const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b }

/** Immediate kinds: n none, l local, b label, c call, k block, m memarg (natural alignment log2), i/F/D constants, x lane. */
type Imm = 'n' | 'l' | 'b' | 'c' | 'k' | 'i' | 'F' | 'D' | 'x' | `m${number}`

/** name → [opcode bytes, immediate kind]. SIMD opcodes are 0xfd + LEB128. */
const OPCODES: Record<string, [number[], Imm]> = {
  unreachable: [[0x00], 'n'],
  nop: [[0x01], 'n'],
  block: [[0x02], 'k'],
  loop: [[0x03], 'k'],
  if: [[0x04], 'k'],
  else: [[0x05], 'n'],
  end: [[0x0b], 'n'],
  br: [[0x0c], 'b'],
  br_if: [[0x0d], 'b'],
  return: [[0x0f], 'n'],
  call: [[0x10], 'c'],
  drop: [[0x1a], 'n'],
  select: [[0x1b], 'n'],
  'local.get': [[0x20], 'l'],
  'local.set': [[0x21], 'l'],
  'local.tee': [[0x22], 'l'],
  'i32.load': [[0x28], 'm2'],
  'f32.load': [[0x2a], 'm2'],
  'f64.load': [[0x2b], 'm3'],
  'i32.store': [[0x36], 'm2'],
  'f32.store': [[0x38], 'm2'],
  'f64.store': [[0x39], 'm3'],
  'i32.const': [[0x41], 'i'],
  'i64.const': [[0x42], 'i'],
  'f32.const': [[0x43], 'F'],
  'f64.const': [[0x44], 'D'],
  'i32.eqz': [[0x45], 'n'],
  'i32.eq': [[0x46], 'n'],
  'i32.ne': [[0x47], 'n'],
  'i32.lt_s': [[0x48], 'n'],
  'i32.lt_u': [[0x49], 'n'],
  'i32.gt_s': [[0x4a], 'n'],
  'i32.gt_u': [[0x4b], 'n'],
  'i32.le_s': [[0x4c], 'n'],
  'i32.ge_s': [[0x4e], 'n'],
  'f32.ne': [[0x5c], 'n'],
  'f64.eq': [[0x61], 'n'],
  'f64.ne': [[0x62], 'n'],
  'f64.lt': [[0x63], 'n'],
  'f64.gt': [[0x64], 'n'],
  'f64.le': [[0x65], 'n'],
  'f64.ge': [[0x66], 'n'],
  'i32.add': [[0x6a], 'n'],
  'i32.sub': [[0x6b], 'n'],
  'i32.mul': [[0x6c], 'n'],
  'i32.rem_u': [[0x70], 'n'],
  'i32.and': [[0x71], 'n'],
  'i32.or': [[0x72], 'n'],
  'i32.xor': [[0x73], 'n'],
  'i32.shl': [[0x74], 'n'],
  'i32.shr_u': [[0x76], 'n'],
  'f32.sqrt': [[0x91], 'n'],
  'f32.add': [[0x92], 'n'],
  'f32.sub': [[0x93], 'n'],
  'f32.mul': [[0x94], 'n'],
  'f32.div': [[0x95], 'n'],
  'f64.abs': [[0x99], 'n'],
  'f64.nearest': [[0x9e], 'n'],
  'f64.neg': [[0x9a], 'n'],
  'f64.sqrt': [[0x9f], 'n'],
  'f64.add': [[0xa0], 'n'],
  'f64.sub': [[0xa1], 'n'],
  'f64.mul': [[0xa2], 'n'],
  'f64.div': [[0xa3], 'n'],
  'f64.min': [[0xa4], 'n'],
  'f64.max': [[0xa5], 'n'],
  'i64.shl': [[0x86], 'n'],
  'i32.trunc_f64_s': [[0xaa], 'n'],
  'i64.extend_i32_s': [[0xac], 'n'],
  'f32.demote_f64': [[0xb6], 'n'],
  'f64.convert_i32_s': [[0xb7], 'n'],
  'f64.convert_i32_u': [[0xb8], 'n'],
  'f64.promote_f32': [[0xbb], 'n'],
  'f64.reinterpret_i64': [[0xbf], 'n'],
  'v128.load': [[0xfd, 0x00], 'm4'],
  'v128.store': [[0xfd, 0x0b], 'm4'],
  'f32x4.splat': [[0xfd, 0x13], 'n'],
  'f32x4.extract_lane': [[0xfd, 0x1f], 'x'],
  'f32x4.abs': [[0xfd, 0xe0, 0x01], 'n'],
  'f32x4.neg': [[0xfd, 0xe1, 0x01], 'n'],
  'f32x4.sqrt': [[0xfd, 0xe3, 0x01], 'n'],
  'f32x4.add': [[0xfd, 0xe4, 0x01], 'n'],
  'f32x4.sub': [[0xfd, 0xe5, 0x01], 'n'],
  'f32x4.mul': [[0xfd, 0xe6, 0x01], 'n'],
  'f32x4.div': [[0xfd, 0xe7, 0x01], 'n'],
  'f32x4.min': [[0xfd, 0xe8, 0x01], 'n'],
  'f32x4.max': [[0xfd, 0xe9, 0x01], 'n'],
}

export function parseSExpr(text: string): SExpr[] {
  const src = text.replace(/\(;[\s\S]*?;\)/g, ' ').replace(/;;[^\n]*/g, ' ')
  const tokens = src.match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()]+/g) ?? []
  const stack: SExpr[][] = [[]]
  for (const t of tokens) {
    if (t === '(') stack.push([])
    else if (t === ')') {
      const done = stack.pop()
      if (!done || stack.length === 0) throw new Error('wat: unbalanced )')
      stack[stack.length - 1]!.push(done)
    } else stack[stack.length - 1]!.push(t)
  }
  if (stack.length !== 1) throw new Error('wat: unbalanced (')
  return stack[0]!
}

function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f
    n = Math.floor(n / 128)
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return
    }
    out.push(byte | 0x80)
  }
}

function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s)
  uleb(bytes.length, out)
  out.push(...bytes)
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id)
  uleb(body.length, out)
  out.push(...body)
}

function vec(items: number[][], out: number[]): void {
  uleb(items.length, out)
  for (const it of items) out.push(...it)
}

const str = (s: SExpr | undefined): string => {
  if (typeof s !== 'string' || !s.startsWith('"')) throw new Error(`wat: expected a string, got ${JSON.stringify(s)}`)
  return JSON.parse(s) as string
}
const isList = (s: SExpr | undefined, head: string): s is SExpr[] => Array.isArray(s) && s[0] === head

function valtype(t: SExpr | undefined): number {
  const v = typeof t === 'string' ? VALTYPE[t] : undefined
  if (v === undefined) throw new Error(`wat: unknown value type ${JSON.stringify(t)}`)
  return v
}

interface FuncSig {
  params: number[]
  results: number[]
}

interface Func {
  name: string
  sig: FuncSig
  exportName: string | null
  /** Local names in index order (params first). */
  locals: { name: string; type: number }[]
  body: SExpr[]
}

/** Reads `(param $x t)`, `(param t t)`, `(result t)`, `(local $x t)` items. */
function readSignature(items: SExpr[]): { sig: FuncSig; locals: Func['locals']; exportName: string | null; rest: SExpr[] } {
  const sig: FuncSig = { params: [], results: [] }
  const locals: Func['locals'] = []
  let exportName: string | null = null
  let i = 0
  for (; i < items.length; i++) {
    const it = items[i]
    if (!Array.isArray(it)) break
    const [head, ...args] = it
    if (head === 'export') exportName = str(args[0])
    else if (head === 'param' || head === 'local') {
      const named = typeof args[0] === 'string' && args[0].startsWith('$')
      const types = named ? [args[1]] : args
      for (const t of types) {
        const vt = valtype(t)
        if (head === 'param') sig.params.push(vt)
        locals.push({ name: named ? (args[0] as string) : `#${locals.length}`, type: vt })
      }
    } else if (head === 'result') for (const t of args) sig.results.push(valtype(t))
    else break
  }
  return { sig, locals, exportName, rest: items.slice(i) }
}

function sigKey(s: FuncSig): string {
  return `${s.params.join(',')}>${s.results.join(',')}`
}

/** Assembles a module in the subset described at the top of this file. */
export function assembleWat(text: string): Uint8Array {
  const top = parseSExpr(text)
  const mod = top[0]
  if (!isList(mod, 'module') || top.length !== 1) throw new Error('wat: expected one (module …)')
  const imports: { module: string; field: string; kind: 'memory' | 'func'; name: string; sig?: FuncSig; limits?: number[] }[] = []
  const funcs: Func[] = []
  for (const field of mod.slice(1)) {
    if (!Array.isArray(field)) throw new Error(`wat: unexpected ${field} in module`)
    if (field[0] === 'import') {
      const desc = field[3]
      if (!Array.isArray(desc)) throw new Error('wat: import without a description')
      if (desc[0] === 'memory') {
        const nums = desc.slice(1).filter((t): t is string => typeof t === 'string' && /^\d+$/.test(t)).map(Number)
        const shared = desc.includes('shared')
        const limits: number[] = [shared ? 0x03 : nums.length > 1 ? 0x01 : 0x00]
        uleb(nums[0] ?? 0, limits)
        if (nums.length > 1) uleb(nums[1]!, limits)
        imports.push({ module: str(field[1]), field: str(field[2]), kind: 'memory', name: '', limits })
      } else if (desc[0] === 'func') {
        const fname = typeof desc[1] === 'string' && desc[1].startsWith('$') ? desc[1] : ''
        const { sig } = readSignature(desc.slice(fname ? 2 : 1))
        imports.push({ module: str(field[1]), field: str(field[2]), kind: 'func', name: fname, sig })
      } else throw new Error('wat: only memory and func imports are supported')
    } else if (field[0] === 'func') {
      const fname = typeof field[1] === 'string' && field[1].startsWith('$') ? field[1] : `#${funcs.length}`
      const { sig, locals, exportName, rest } = readSignature(field.slice(fname.startsWith('$') ? 2 : 1))
      funcs.push({ name: fname, sig, exportName, locals, body: rest })
    } else throw new Error(`wat: unsupported module field ${JSON.stringify(field[0])}`)
  }

  const types: FuncSig[] = []
  const typeIndex = (s: FuncSig): number => {
    const k = sigKey(s)
    let i = types.findIndex((t) => sigKey(t) === k)
    if (i < 0) i = types.push(s) - 1
    return i
  }
  const funcIndex = new Map<string, number>()
  const importedFuncs = imports.filter((im) => im.kind === 'func')
  importedFuncs.forEach((im, i) => funcIndex.set(im.name, i))
  funcs.forEach((f, i) => funcIndex.set(f.name, importedFuncs.length + i))

  const importEntries = imports.map((im) => {
    const out: number[] = []
    name(im.module, out)
    name(im.field, out)
    if (im.kind === 'func') {
      out.push(0x00)
      uleb(typeIndex(im.sig!), out)
    } else out.push(0x02, ...im.limits!)
    return out
  })
  const funcTypeEntries = funcs.map((f) => {
    const out: number[] = []
    uleb(typeIndex(f.sig), out)
    return out
  })
  const exportEntries = funcs.flatMap((f) => {
    if (f.exportName === null) return []
    const out: number[] = []
    name(f.exportName, out)
    out.push(0x00)
    uleb(funcIndex.get(f.name)!, out)
    return [out]
  })
  const codeEntries = funcs.map((f) => {
    const body: number[] = []
    const extra = f.locals.slice(f.sig.params.length)
    const groups: number[][] = []
    for (const l of extra) {
      const last = groups[groups.length - 1]
      if (last && last[1] === l.type) last[0]!++
      else groups.push([1, l.type])
    }
    uleb(groups.length, body)
    for (const [n, t] of groups) {
      uleb(n!, body)
      body.push(t!)
    }
    encodeBody(f, funcIndex, body)
    body.push(0x0b)
    const out: number[] = []
    uleb(body.length, out)
    out.push(...body)
    return out
  })
  const typeEntries = types.map((t) => {
    const out = [0x60]
    uleb(t.params.length, out)
    out.push(...t.params)
    uleb(t.results.length, out)
    out.push(...t.results)
    return out
  })

  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  const sec = (id: number, entries: number[][]) => {
    if (entries.length === 0) return
    const body: number[] = []
    vec(entries, body)
    section(id, body, out)
  }
  sec(1, typeEntries)
  sec(2, importEntries)
  sec(3, funcTypeEntries)
  sec(7, exportEntries)
  sec(10, codeEntries)
  return new Uint8Array(out)
}

/** Folded instructions → the flat sequence they stand for (flat tokens pass through). */
export function unfold(items: SExpr[]): string[] {
  const out: string[] = []
  for (const it of items) {
    if (typeof it === 'string') {
      out.push(it)
      continue
    }
    const [head, ...rest] = it
    if (typeof head !== 'string') throw new Error(`wat: expected an instruction, got ${JSON.stringify(it)}`)
    if (head === 'result') throw new Error('wat: block results are not supported: use locals')
    const isBlock = head === 'block' || head === 'loop' || head === 'if'
    const label = isBlock && typeof rest[0] === 'string' && rest[0].startsWith('$') ? [rest.shift() as string] : []
    if (head === 'block' || head === 'loop') out.push(head, ...label, ...unfold(rest), 'end')
    else if (head === 'if') {
      const then = rest.findIndex((x) => isList(x, 'then'))
      if (then < 0) throw new Error('wat: folded if without (then …)')
      const otherwise = rest[then + 1]
      if (rest.length > then + (otherwise === undefined ? 1 : 2) || (otherwise !== undefined && !isList(otherwise, 'else'))) {
        throw new Error('wat: folded if: only (then …) and (else …) may follow the condition')
      }
      out.push(...unfold(rest.slice(0, then)), 'if', ...label, ...unfold((rest[then] as SExpr[]).slice(1)))
      if (otherwise !== undefined) out.push('else', ...unfold((otherwise as SExpr[]).slice(1)))
      out.push('end')
    } else {
      let n = 0
      while (n < rest.length && typeof rest[n] === 'string') n++
      out.push(...unfold(rest.slice(n)), head, ...(rest.slice(0, n) as string[]))
    }
  }
  return out
}

function encodeBody(f: Func, funcIndex: Map<string, number>, out: number[]): void {
  const localIndex = new Map(f.locals.map((l, i) => [l.name, i]))
  const labels: (string | null)[] = []
  const toks = unfold(f.body)
  let i = 0
  const next = (): string | undefined => toks[i++]
  const fail = (msg: string): never => {
    throw new Error(`wat: ${f.name}: ${msg}`)
  }
  while (i < toks.length) {
    const op = next()
    const def = OPCODES[op as string] ?? fail(`unknown instruction ${op as string}`)
    const [bytes, imm] = def
    out.push(...bytes)
    const arg = (): string => {
      const a = next()
      if (typeof a !== 'string') return fail(`${op as string} needs an immediate`)
      return a
    }
    switch (imm) {
      case 'n':
        if (op === 'end') {
          if (labels.length === 0) fail('end without block')
          labels.pop()
        }
        break
      case 'l': {
        const a = arg()
        const idx = a.startsWith('$') ? localIndex.get(a) : Number(a)
        if (idx === undefined || Number.isNaN(idx)) fail(`unknown local ${a}`)
        uleb(idx!, out)
        break
      }
      case 'b': {
        const a = arg()
        let depth: number
        if (a.startsWith('$')) {
          const at = labels.lastIndexOf(a)
          if (at < 0) fail(`unknown label ${a}`)
          depth = labels.length - 1 - at
        } else depth = Number(a)
        uleb(depth, out)
        break
      }
      case 'c': {
        const a = arg()
        const idx = funcIndex.get(a) ?? fail(`unknown function ${a}`)
        uleb(idx, out)
        break
      }
      case 'k': {
        const a = toks[i]
        if (typeof a === 'string' && a.startsWith('$')) {
          labels.push(a)
          i++
        } else labels.push(null)
        out.push(0x40)
        break
      }
      case 'i':
        sleb(Number(arg()) | 0, out)
        break
      case 'F': {
        const b = new Uint8Array(new Float32Array([Number(arg())]).buffer)
        out.push(...b)
        break
      }
      case 'D': {
        const b = new Uint8Array(new Float64Array([Number(arg())]).buffer)
        out.push(...b)
        break
      }
      case 'x':
        out.push(Number(arg()))
        break
      default: {
        let align = Number(imm.slice(1))
        let offset = 0
        while (typeof toks[i] === 'string' && /^(offset|align)=/.test(toks[i] as string)) {
          const [k, v] = (next() as string).split('=')
          if (k === 'offset') offset = Number(v)
          else align = Math.log2(Number(v))
        }
        uleb(align, out)
        uleb(offset, out)
      }
    }
  }
  if (labels.length !== 0) fail('missing end')
}
