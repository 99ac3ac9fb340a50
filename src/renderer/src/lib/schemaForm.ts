/**
 * A form described by a zod object schema: walk its shape once and get one
 * field per key — numbers become number inputs bounded by the schema's
 * checks, enums become selects, booleans checkboxes, literals are fixed
 * (hidden) values. Labels come from the key, help lines from `.describe()`,
 * initial values from `.default()`. The schema stays the one source of truth:
 * validation is `schema.safeParse(values(...))`, messages mapped by key.
 */
import { z } from 'zod'

interface FieldBase {
  key: string
  label: string
  help: string | null
}
export interface NumberField extends FieldBase {
  kind: 'number'
  default: number | null
  integer: boolean
  min: number | null
  max: number | null
  /** `min` itself is not allowed (z.number().positive() → min 0, exclusive). */
  minExclusive: boolean
  maxExclusive: boolean
  /** z.number().nullable(): an empty field means null ("none"). */
  nullable?: boolean
}
export interface EnumField extends FieldBase {
  kind: 'enum'
  default: string | null
  options: string[]
}
export interface BooleanField extends FieldBase {
  kind: 'boolean'
  default: boolean | null
}
export interface StringField extends FieldBase {
  kind: 'string'
  default: string | null
}
/** A `z.literal`: part of the value, never shown. */
export interface ConstField extends FieldBase {
  kind: 'const'
  default: unknown
}
export type FormField = NumberField | EnumField | BooleanField | StringField | ConstField

/** What the form holds: numbers as typed text (so "" and "1e-3" survive editing), the rest as values. */
export type FormValues = Record<string, string | boolean>

/** "learningRate" → "Learning rate", "nPositive" → "N positive". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function unwrap(schema: z.ZodType): { inner: z.ZodType; def: unknown; hasDefault: boolean; nullable: boolean; description: string | undefined } {
  let inner = schema
  let def: unknown = undefined
  let hasDefault = false
  let nullable = false
  let description = schema.description
  for (;;) {
    if (inner instanceof z.ZodDefault) {
      if (!hasDefault) def = inner.def.defaultValue
      hasDefault = true
      inner = inner.def.innerType as z.ZodType
    } else if (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
      if (inner instanceof z.ZodNullable) nullable = true
      inner = inner.def.innerType as z.ZodType
    } else break
    description ??= inner.description
  }
  return { inner, def, hasDefault, nullable, description }
}

function numberBounds(schema: z.ZodNumber): Pick<NumberField, 'min' | 'max' | 'minExclusive' | 'maxExclusive'> {
  let min: number | null = null
  let max: number | null = null
  let minExclusive = false
  let maxExclusive = false
  for (const check of schema.def.checks ?? []) {
    const d = check._zod.def as { check: string; value?: unknown; inclusive?: boolean }
    if (typeof d.value !== 'number') continue
    if (d.check === 'greater_than' && (min === null || d.value >= min)) {
      min = d.value
      minExclusive = d.inclusive === false
    } else if (d.check === 'less_than' && (max === null || d.value <= max)) {
      max = d.value
      maxExclusive = d.inclusive === false
    }
  }
  // .int() adds the safe-integer range; keep only bounds the author wrote.
  if (min !== null && min <= Number.MIN_SAFE_INTEGER) min = null
  if (max !== null && max >= Number.MAX_SAFE_INTEGER) max = null
  return { min, max, minExclusive, maxExclusive }
}

/** One field per key of the object, in declaration order. Unknown kinds are skipped. */
export function describeFields(schema: z.ZodObject, labels: Record<string, string> = {}): FormField[] {
  const fields: FormField[] = []
  for (const [key, raw] of Object.entries(schema.shape)) {
    const { inner, def, hasDefault, nullable, description } = unwrap(raw as z.ZodType)
    const base: FieldBase = { key, label: labels[key] ?? humanize(key), help: description ?? null }
    if (inner instanceof z.ZodLiteral) {
      fields.push({ ...base, kind: 'const', default: inner.def.values[0] })
    } else if (inner instanceof z.ZodNumber) {
      fields.push({
        ...base,
        kind: 'number',
        default: hasDefault && typeof def === 'number' ? def : null,
        integer: inner.isInt,
        nullable,
        ...numberBounds(inner),
      })
    } else if (inner instanceof z.ZodEnum) {
      fields.push({ ...base, kind: 'enum', default: hasDefault ? String(def) : null, options: inner.options.map(String) })
    } else if (inner instanceof z.ZodBoolean) {
      fields.push({ ...base, kind: 'boolean', default: hasDefault ? Boolean(def) : null })
    } else if (inner instanceof z.ZodString) {
      fields.push({ ...base, kind: 'string', default: hasDefault ? String(def) : null })
    }
  }
  return fields
}

/** The form's starting values: each field's default (numbers as text). */
export function initialValues(fields: FormField[]): FormValues {
  const out: FormValues = {}
  for (const f of fields) {
    if (f.kind === 'const') continue
    if (f.kind === 'number') out[f.key] = f.default === null ? '' : String(f.default)
    else if (f.kind === 'boolean') out[f.key] = f.default ?? false
    else out[f.key] = f.default ?? ''
  }
  return out
}

/** Values (e.g. a preset) as form values: unset keys take their defaults. */
export function toFormValues(fields: FormField[], values: Record<string, unknown>): FormValues {
  const out = initialValues(fields)
  for (const f of fields) {
    const v = values[f.key]
    if (v === undefined || f.kind === 'const') continue
    out[f.key] = f.kind === 'boolean' ? Boolean(v) : String(v)
  }
  return out
}

/**
 * Form values → the object to parse. Number text is converted; an empty
 * number field becomes NaN (not `undefined`, which would silently take the
 * default): `fieldIssues` then says it is required.
 */
export function toInput(fields: FormField[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    if (f.kind === 'const') {
      out[f.key] = f.default
      continue
    }
    const v = values[f.key]
    if (f.kind === 'number') {
      const text = typeof v === 'string' ? v.trim() : ''
      out[f.key] = text === '' ? (f.nullable ? null : Number.NaN) : Number(text)
    } else out[f.key] = v
  }
  return out
}

/** A zod issue as a short sentence for the field it is shown under. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'Must be a whole number.'
      if (issue.expected === 'number') return 'Enter a number.'
      return issue.message
    case 'too_small': {
      const min = Number(issue.minimum)
      return issue.inclusive ? `Must be at least ${min}.` : `Must be greater than ${min}.`
    }
    case 'too_big': {
      const max = Number(issue.maximum)
      return issue.inclusive ? `Must be at most ${max}.` : `Must be less than ${max}.`
    }
    case 'invalid_value':
      return `Choose one of: ${issue.values.map(String).join(', ')}.`
    case 'invalid_format': {
      // A regex's own message ("layer sizes separated by commas, e.g. 64,32") as a sentence.
      const m = issue.message.trim()
      const sentence = m.charAt(0).toUpperCase() + m.slice(1)
      return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`
    }
    default:
      return issue.message
  }
}

/** Validate form values against the schema: the first message per field key ("" for the object itself). */
export function fieldIssues(schema: z.ZodType, fields: FormField[], values: FormValues): Record<string, string> {
  const parsed = schema.safeParse(toInput(fields, values))
  if (parsed.success) return {}
  const out: Record<string, string> = {}
  for (const issue of parsed.error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : ''
    out[key] ??= issueMessage(issue)
  }
  return out
}

/** The step of a number input: 1 for integers, else "any" (learning rates like 3e-4 must be typeable). */
export function inputStep(f: NumberField): string {
  return f.integer ? '1' : 'any'
}

/** "2–1,024", "> 0, ≤ 10": the allowed range, for the help line. */
export function rangeText(f: NumberField): string | null {
  const fmt = (n: number): string => n.toLocaleString('en-US')
  const lo = f.min === null ? null : f.minExclusive ? `> ${fmt(f.min)}` : `≥ ${fmt(f.min)}`
  const hi = f.max === null ? null : f.maxExclusive ? `< ${fmt(f.max)}` : `≤ ${fmt(f.max)}`
  if (f.min !== null && f.max !== null && !f.minExclusive && !f.maxExclusive) return `${fmt(f.min)}–${fmt(f.max)}`
  const parts = [lo, hi].filter((p): p is string => p !== null)
  return parts.length ? parts.join(', ') : null
}
