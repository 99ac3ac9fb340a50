/**
 * A side's vocabulary while importing: key → dense index in order of first
 * appearance, with the number of interactions of each key (the entity's
 * `frequency`). Memory grows with the distinct keys, not with the rows.
 */
import type { EntityRecord } from '../store/datasets'

export class Vocab {
  private readonly byKey = new Map<string, number>()
  readonly keys: string[] = []
  private counts = new Int32Array(1024)

  get size(): number {
    return this.keys.length
  }

  /** Index of `key`, added if new; does not count an interaction. */
  index(key: string): number {
    let i = this.byKey.get(key)
    if (i === undefined) {
      i = this.keys.length
      this.byKey.set(key, i)
      this.keys.push(key)
      if (i === this.counts.length) {
        const grown = new Int32Array(this.counts.length * 2)
        grown.set(this.counts)
        this.counts = grown
      }
    }
    return i
  }

  /** Index of `key` (added if new), counting one interaction. */
  add(key: string): number {
    const i = this.index(key)
    this.counts[i]!++
    return i
  }

  /** Count one interaction of an index already added. */
  bump(i: number): void {
    this.counts[i]!++
  }

  get(key: string): number | undefined {
    return this.byKey.get(key)
  }

  count(i: number): number {
    return this.counts[i] ?? 0
  }

  /** Entity rows in index order; `describe` supplies label and metadata (default: the key, none). */
  *entities(describe?: (key: string, index: number) => Pick<EntityRecord, 'label' | 'metadata'>): Generator<EntityRecord> {
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]!
      const d = describe ? describe(key, i) : { label: key, metadata: null }
      yield { key, label: d.label, metadata: d.metadata, frequency: this.counts[i]! }
    }
  }
}
