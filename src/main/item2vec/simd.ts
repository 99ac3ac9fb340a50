/**
 * The SGNS training loop (./sgns.ts) as WebAssembly SIMD (f32x4), hand-written
 * WAT assembled by the sparse engine's assembler (../train/sparse/wat.ts).
 * One call trains a run of sequences — subsampling, reduced window, negative
 * draws (mulberry32 in i32 ops), the pair updates, α and the loss — so the
 * JS↔wasm boundary is crossed once per few thousand words, not once per pair
 * (the per-pair call and the JS bookkeeping around it were ~30% of the time).
 * The JS loop in ./sgns.ts (`sequence`) is the reference: same random draws
 * in the same order, so the two differ only in float rounding (here the dot
 * product sums in two f32x4 accumulators, g and e are float32; there
 * everything is float64 until stored).
 *
 * train(block, from, to, epoch) — sequences [from, to) of one epoch, for the
 * thread whose block (BLOCK_BYTES, fields B_* below, written by the caller)
 * is at `block`. Per sequence:
 *   α = α0 − (α0 − αmin)·raw/totalRaw   (raw: the run's words before this
 *       sequence; the caller sets it in the block per chunk, the kernel adds)
 *   subsample: per item a draw r, kept when r < keep[w] (f64 thresholds);
 *   per centre: a draw for the reduced window (window > 0), then per context
 *   the negatives' draws (a draw equal to the centre skipped), then pair();
 *   stats += raw words, kept words, and at HEAD + 3·epoch: loss, pairs, raw
 *   words (per sequence, so the sums do not depend on how a run is cut).
 * The RNG state and raw are read from and written back to the block.
 *
 * pair(in, tg, n, rowBytes, lr, neu) → loss, for one (centre, context) pair:
 *   h = the syn0 row at byte `in` (rows padded to a multiple of 4 floats
 *   with zeros, which stay zero); targets = n syn1neg row byte offsets at
 *   `tg`, the first the positive (label 1), the rest negatives; neu = this
 *   thread's scratch row (e, word2vec.c's neu1e).
 *     per target o (label l):  f = h·o
 *       f > 6:   g = (l − 1)·lr, loss += l ? 0 : f
 *       f < −6:  g = l·lr,       loss += l ? −f : 0
 *       else:    b = ⌊(f + 6)·1000/12⌋, g = (l − σ[b])·lr,
 *                loss += l ? −log σ[b] : −log(1 − σ[b])     (tables below)
 *       g ≠ 0:   e += g·o (the first such target sets e = g·o);  o += g·h
 *     h += e   (when some g ≠ 0)
 * One pass over the rows per target: the update of target d also computes
 * f for target d + 1 (reading its row after this one's store, so a negative
 * drawn twice sees its first update), and the last target's pass adds e to
 * h; h is loaded once per vector in each pass.
 * It first touches every cache line of the input row and of all targets, so
 * that on tables larger than the caches their misses overlap instead of
 * stalling one row at a time (on 50,000 items: 1.8× faster).
 * Tables at fixed byte offsets (written by the caller): σ (f32 × 1001) at
 * SIG_AT, −log σ (f64 × 1001) at LOSS_POS_AT, −log(1 − σ) (f64) at
 * LOSS_NEG_AT.
 */
import { type WasmModule, wasmApi } from '../train/sparse/wasm-api'
import { assembleWat } from '../train/sparse/wat'

export const SIG_AT = 0
export const LOSS_POS_AT = 8192
export const LOSS_NEG_AT = 16384
/** First byte after the tables. */
export const TABLES_END = 24576

/** A thread's block: i32 fields, then f64 ones (byte offsets). */
export const B_RNG = 0
export const B_WINDOW = 4
export const B_NEGATIVES = 8
export const B_ROW_BYTES = 12
export const B_SYN0 = 16
export const B_SYN1 = 20
export const B_TABLE = 24
/** 0 = no subsampling. */
export const B_KEEP = 28
export const B_OFFSETS = 32
export const B_ITEMS = 36
/** The current sequence after subsampling (item indices). */
export const B_SEN = 40
export const B_NEU = 44
export const B_TARGETS = 48
export const B_STATS = 52
/** Negative table length / 2^32. */
export const B_TABLE_SCALE = 56
export const B_LR0 = 64
export const B_LR_MIN = 72
export const B_RAW = 80
export const B_TOTAL_RAW = 88
export const BLOCK_BYTES = 128

/** The stats a thread writes (f64 indices; ./sgns.ts's program reads them): raw words, kept words, then (loss, pairs, raw words) per epoch from STATS_HEAD. */
export const STATS_RAW = 0
export const STATS_EFFECTIVE = 1
export const STATS_HEAD = 4
/** Per epoch: loss sum, pairs, raw words. */
export const STATS_EPOCH_STRIDE = 3

export interface ThreadBlock {
  rng: number
  window: number
  negatives: number
  rowBytes: number
  syn0: number
  syn1: number
  table: number
  tableLength: number
  keep: number
  offsets: number
  items: number
  sen: number
  neu: number
  targets: number
  stats: number
  lr0: number
  lrMin: number
  totalRaw: number
}

export function writeThreadBlock(buffer: ArrayBufferLike, at: number, b: ThreadBlock): void {
  const v = new DataView(buffer, at, BLOCK_BYTES)
  const i32 = (o: number, x: number): void => v.setInt32(o, x, true)
  const f64 = (o: number, x: number): void => v.setFloat64(o, x, true)
  i32(B_RNG, b.rng)
  i32(B_WINDOW, b.window)
  i32(B_NEGATIVES, b.negatives)
  i32(B_ROW_BYTES, b.rowBytes)
  i32(B_SYN0, b.syn0)
  i32(B_SYN1, b.syn1)
  i32(B_TABLE, b.table)
  i32(B_KEEP, b.keep)
  i32(B_OFFSETS, b.offsets)
  i32(B_ITEMS, b.items)
  i32(B_SEN, b.sen)
  i32(B_NEU, b.neu)
  i32(B_TARGETS, b.targets)
  i32(B_STATS, b.stats)
  f64(B_TABLE_SCALE, b.tableLength / 4294967296)
  f64(B_LR0, b.lr0)
  f64(B_LR_MIN, b.lrMin)
  f64(B_RAW, 0)
  f64(B_TOTAL_RAW, b.totalRaw)
}

/** mulberry32, as in ./sgns.ts: advances $st, leaves the uint32 draw in $r (uses $t). */
const DRAW = String.raw`
  (local.set $st (i32.add (local.get $st) (i32.const 0x6d2b79f5)))
  (local.set $t (i32.mul (i32.xor (local.get $st) (i32.shr_u (local.get $st) (i32.const 15))) (i32.or (local.get $st) (i32.const 1))))
  (local.set $t (i32.xor (local.get $t)
    (i32.add (local.get $t) (i32.mul (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 7))) (i32.or (local.get $t) (i32.const 61))))))
  (local.set $r (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 14))))`

/** Byte address of element $i of a table of `size`-byte elements at $base. */
/** The vector at byte $p + off of the row at `base`, and a store there. */
const V = (base: string, off: number): string => `(v128.load offset=${off} (i32.add (local.get ${base}) (local.get $p)))`
const STORE = (base: string, off: number, value: string): string => `(v128.store offset=${off} (i32.add (local.get ${base}) (local.get $p)) ${value})`
/** acc += h·on at off, h given. */
const DOT = (off: number, acc: string, h: string): string => `(local.set ${acc} (f32x4.add (local.get ${acc}) (f32x4.mul ${h} ${V('$on', off)})))`
const ZERO_ACC = '(local.set $a0 (f32x4.splat (f32.const 0))) (local.set $a1 (local.get $a0))'
/** $f = the sum of the lanes of $a0 + $a1. */
const HSUM = String.raw`
  (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
  (local.set $f (f64.promote_f32 (f32.add
    (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
    (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))))`
/**
 * A pass over a row ($rb bytes): two vectors a step (body at offsets 0 and
 * 16, accumulating into $a0 and $a1), then the odd one (offset 0, $a0).
 */
function rowLoop(label: string, body: (off: number, acc: string) => string): string {
  return String.raw`
    (local.set $p (i32.const 0))
    (block $${label}Done (loop $${label}
      (br_if $${label}Done (i32.ge_s (local.get $p) (local.get $rb2)))
      ${body(0, '$a0')}
      ${body(16, '$a1')}
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br $${label})))
    (if (i32.lt_s (local.get $p) (local.get $rb)) (then ${body(0, '$a0')}))`
}

const at = (base: string, i: string, log2: number): string => `(i32.add (local.get ${base}) (i32.shl (local.get ${i}) (i32.const ${log2})))`

export const SGNS_WAT = String.raw`
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $train (export "train") (param $b i32) (param $from i32) (param $to i32) (param $epoch i32)
    (local $window i32) (local $neg i32) (local $rb i32) (local $syn0 i32) (local $syn1 i32) (local $table i32)
    (local $keep i32) (local $offs i32) (local $items i32) (local $sen i32) (local $neu i32) (local $tg i32) (local $stats i32)
    (local $st i32) (local $t i32) (local $r i32)
    (local $q i32) (local $k i32) (local $start i32) (local $end i32) (local $L i32) (local $pos i32) (local $word i32)
    (local $wordRow i32) (local $lo i32) (local $hi i32) (local $c i32) (local $n i32) (local $d i32) (local $x i32) (local $pairs i32)
    (local $scale f64) (local $lr0 f64) (local $lrMin f64) (local $raw f64) (local $total f64) (local $lrD f64) (local $loss f64)
    (local $fwindow f64) (local $lr f32)
    (local.set $st (i32.load offset=${B_RNG} (local.get $b)))
    (local.set $window (i32.load offset=${B_WINDOW} (local.get $b)))
    (local.set $neg (i32.load offset=${B_NEGATIVES} (local.get $b)))
    (local.set $rb (i32.load offset=${B_ROW_BYTES} (local.get $b)))
    (local.set $syn0 (i32.load offset=${B_SYN0} (local.get $b)))
    (local.set $syn1 (i32.load offset=${B_SYN1} (local.get $b)))
    (local.set $table (i32.load offset=${B_TABLE} (local.get $b)))
    (local.set $keep (i32.load offset=${B_KEEP} (local.get $b)))
    (local.set $offs (i32.load offset=${B_OFFSETS} (local.get $b)))
    (local.set $items (i32.load offset=${B_ITEMS} (local.get $b)))
    (local.set $sen (i32.load offset=${B_SEN} (local.get $b)))
    (local.set $neu (i32.load offset=${B_NEU} (local.get $b)))
    (local.set $tg (i32.load offset=${B_TARGETS} (local.get $b)))
    (local.set $stats (i32.load offset=${B_STATS} (local.get $b)))
    (local.set $scale (f64.load offset=${B_TABLE_SCALE} (local.get $b)))
    (local.set $lr0 (f64.load offset=${B_LR0} (local.get $b)))
    (local.set $lrMin (f64.load offset=${B_LR_MIN} (local.get $b)))
    (local.set $raw (f64.load offset=${B_RAW} (local.get $b)))
    (local.set $total (f64.load offset=${B_TOTAL_RAW} (local.get $b)))
    (local.set $fwindow (f64.convert_i32_s (local.get $window)))

    (local.set $q (local.get $from))
    (block $seqsDone (loop $seqs
      (br_if $seqsDone (i32.ge_s (local.get $q) (local.get $to)))
      ;; α for this sequence
      (local.set $lrD (local.get $lr0))
      (if (f64.gt (local.get $total) (f64.const 0))
        (then (local.set $lrD (f64.sub (local.get $lr0)
          (f64.div (f64.mul (f64.sub (local.get $lr0) (local.get $lrMin)) (local.get $raw)) (local.get $total))))))
      (local.set $lr (f32.demote_f64 (local.get $lrD)))
      (local.set $start (i32.load ${at('$offs', '$q', 2)}))
      (local.set $end (i32.load offset=4 ${at('$offs', '$q', 2)}))

      ;; subsample into sen
      (local.set $L (i32.const 0))
      (local.set $k (local.get $start))
      (block $subDone (loop $sub
        (br_if $subDone (i32.ge_s (local.get $k) (local.get $end)))
        (local.set $x (i32.load ${at('$items', '$k', 2)}))
        (if (local.get $keep)
          (then
            ${DRAW}
            (if (f64.lt (f64.convert_i32_u (local.get $r)) (f64.load ${at('$keep', '$x', 3)}))
              (then
                (i32.store ${at('$sen', '$L', 2)} (local.get $x))
                (local.set $L (i32.add (local.get $L) (i32.const 1))))))
          (else
            (i32.store ${at('$sen', '$L', 2)} (local.get $x))
            (local.set $L (i32.add (local.get $L) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $sub)))

      ;; every (centre, context) pair
      (local.set $loss (f64.const 0))
      (local.set $pairs (i32.const 0))
      (local.set $pos (i32.const 0))
      (block $centresDone (loop $centres
        (br_if $centresDone (i32.ge_s (local.get $pos) (local.get $L)))
        (local.set $word (i32.load ${at('$sen', '$pos', 2)}))
        (local.set $lo (i32.const 0))
        (local.set $hi (i32.sub (local.get $L) (i32.const 1)))
        (if (i32.gt_s (local.get $window) (i32.const 0))
          (then
            ${DRAW}
            (local.set $x (i32.sub (local.get $window)
              (i32.trunc_f64_s (f64.mul (f64.div (f64.convert_i32_u (local.get $r)) (f64.const 4294967296)) (local.get $fwindow)))))
            (local.set $lo (i32.sub (local.get $pos) (local.get $x)))
            (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))
            (if (i32.lt_s (i32.add (local.get $pos) (local.get $x)) (local.get $hi))
              (then (local.set $hi (i32.add (local.get $pos) (local.get $x)))))))
        (local.set $wordRow (i32.add (local.get $syn1) (i32.mul (local.get $word) (local.get $rb))))
        (local.set $c (local.get $lo))
        (block $contextsDone (loop $contexts
          (br_if $contextsDone (i32.gt_s (local.get $c) (local.get $hi)))
          (if (i32.ne (local.get $c) (local.get $pos))
            (then
              (local.set $pairs (i32.add (local.get $pairs) (i32.const 1)))
              ;; targets: the centre (label 1), then the negatives (a draw equal to the centre is skipped)
              (i32.store (local.get $tg) (local.get $wordRow))
              (local.set $n (i32.const 1))
              (local.set $d (i32.const 0))
              (block $negDone (loop $negs
                (br_if $negDone (i32.ge_s (local.get $d) (local.get $neg)))
                ${DRAW}
                (local.set $x (i32.load (i32.add (local.get $table)
                  (i32.shl (i32.trunc_f64_s (f64.mul (f64.convert_i32_u (local.get $r)) (local.get $scale))) (i32.const 2)))))
                (if (i32.ne (local.get $x) (local.get $word))
                  (then
                    (i32.store ${at('$tg', '$n', 2)} (i32.add (local.get $syn1) (i32.mul (local.get $x) (local.get $rb))))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (local.set $d (i32.add (local.get $d) (i32.const 1)))
                (br $negs)))
              (local.set $loss (f64.add (local.get $loss)
                (call $pair
                  (i32.add (local.get $syn0) (i32.mul (i32.load ${at('$sen', '$c', 2)}) (local.get $rb)))
                  (local.get $tg) (local.get $n) (local.get $rb) (local.get $lr) (local.get $neu))))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $contexts)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $centres)))

      ;; this thread's counters (per sequence, so the sums do not depend on how the caller splits the run)
      (local.set $raw (f64.add (local.get $raw) (f64.convert_i32_s (i32.sub (local.get $end) (local.get $start)))))
      (f64.store offset=${STATS_RAW * 8} (local.get $stats)
        (f64.add (f64.load offset=${STATS_RAW * 8} (local.get $stats)) (f64.convert_i32_s (i32.sub (local.get $end) (local.get $start)))))
      (f64.store offset=${STATS_EFFECTIVE * 8} (local.get $stats)
        (f64.add (f64.load offset=${STATS_EFFECTIVE * 8} (local.get $stats)) (f64.convert_i32_s (local.get $L))))
      (local.set $x (i32.add (local.get $stats) (i32.mul (local.get $epoch) (i32.const ${STATS_EPOCH_STRIDE * 8}))))
      (f64.store offset=${STATS_HEAD * 8} (local.get $x) (f64.add (f64.load offset=${STATS_HEAD * 8} (local.get $x)) (local.get $loss)))
      (f64.store offset=${STATS_HEAD * 8 + 8} (local.get $x)
        (f64.add (f64.load offset=${STATS_HEAD * 8 + 8} (local.get $x)) (f64.convert_i32_s (local.get $pairs))))
      (f64.store offset=${STATS_HEAD * 8 + 16} (local.get $x)
        (f64.add (f64.load offset=${STATS_HEAD * 8 + 16} (local.get $x)) (f64.convert_i32_s (i32.sub (local.get $end) (local.get $start)))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $seqs)))
    (i32.store offset=${B_RNG} (local.get $b) (local.get $st))
    (f64.store offset=${B_RAW} (local.get $b) (local.get $raw)))

  (func $pair (param $in i32) (param $tg i32) (param $n i32) (param $rb i32) (param $lr f32) (param $neu i32) (result f64)
    (local $d i32) (local $o i32) (local $on i32) (local $p i32) (local $rb2 i32) (local $bin i32) (local $fresh i32) (local $last i32)
    (local $a0 v128) (local $a1 v128) (local $gv v128) (local $x v128) (local $y v128)
    (local $f f64) (local $loss f64) (local $g f32)
    (local.set $rb2 (i32.and (local.get $rb) (i32.const -32)))
    ;; touch every cache line of the input row and of the targets (a dummy sum, stored)
    (local.set $o (local.get $in))
    (local.set $d (i32.const -1))
    (loop $rows
      (local.set $p (i32.const 0))
      (loop $lines
        (local.set $bin (i32.add (local.get $bin) (i32.load (i32.add (local.get $o) (local.get $p)))))
        (br_if $lines (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 64))) (local.get $rb))))
      (if (i32.lt_s (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $n))
        (then
          (local.set $o (i32.load ${at('$tg', '$d', 2)}))
          (br $rows))))
    (i32.store (local.get $neu) (local.get $bin))

    ;; f = h·o for the first target; each update pass below also computes the next target's f
    (local.set $o (i32.load (local.get $tg)))
    (local.set $on (local.get $o))
    ${ZERO_ACC}
    ${rowLoop('first', (off, acc) => DOT(off, acc, `${V('$in', off)}`))}
    ${HSUM}
    (local.set $fresh (i32.const 1))
    (local.set $d (i32.const 0))
    (block $targetsDone (loop $targets
      (br_if $targetsDone (i32.ge_s (local.get $d) (local.get $n)))
      ;; g and the loss
      (if (f64.gt (local.get $f) (f64.const 6))
        (then
          (if (i32.eqz (local.get $d))
            (then (local.set $g (f32.const 0)))
            (else
              (local.set $g (f32.sub (f32.const 0) (local.get $lr)))
              (local.set $loss (f64.add (local.get $loss) (local.get $f))))))
        (else
          (if (f64.lt (local.get $f) (f64.const -6))
            (then
              (if (i32.eqz (local.get $d))
                (then
                  (local.set $g (local.get $lr))
                  (local.set $loss (f64.sub (local.get $loss) (local.get $f))))
                (else (local.set $g (f32.const 0)))))
            (else
              (local.set $bin (i32.trunc_f64_s (f64.mul (f64.add (local.get $f) (f64.const 6)) (f64.const 83.33333333333333))))
              (if (i32.eqz (local.get $d))
                (then
                  (local.set $g (f32.mul (f32.sub (f32.const 1) (f32.load offset=${SIG_AT} (i32.shl (local.get $bin) (i32.const 2)))) (local.get $lr)))
                  (local.set $loss (f64.add (local.get $loss) (f64.load offset=${LOSS_POS_AT} (i32.shl (local.get $bin) (i32.const 3))))))
                (else
                  (local.set $g (f32.mul (f32.sub (f32.const 0) (f32.load offset=${SIG_AT} (i32.shl (local.get $bin) (i32.const 2)))) (local.get $lr)))
                  (local.set $loss (f64.add (local.get $loss) (f64.load offset=${LOSS_NEG_AT} (i32.shl (local.get $bin) (i32.const 3)))))))))))
      (local.set $gv (f32x4.splat (local.get $g)))
      (local.set $last (i32.ge_s (i32.add (local.get $d) (i32.const 1)) (local.get $n)))
      (if (local.get $last)
        (then
          ;; the last target: o += g·h, and h += e + g·o (e = g·o when no target before moved)
          (if (f32.ne (local.get $g) (f32.const 0))
            (then
              (if (local.get $fresh)
                (then ${rowLoop('setLast', (off) => `
                  (local.set $x ${V('$o', off)})
                  (local.set $y ${V('$in', off)})
                  ${STORE('$o', off, '(f32x4.add (local.get $x) (f32x4.mul (local.get $gv) (local.get $y)))')}
                  ${STORE('$in', off, '(f32x4.add (local.get $y) (f32x4.mul (local.get $gv) (local.get $x)))')}`)})
                (else ${rowLoop('addLast', (off) => `
                  (local.set $x ${V('$o', off)})
                  (local.set $y ${V('$in', off)})
                  ${STORE('$o', off, '(f32x4.add (local.get $x) (f32x4.mul (local.get $gv) (local.get $y)))')}
                  ${STORE('$in', off, `(f32x4.add (local.get $y) (f32x4.add ${V('$neu', off)} (f32x4.mul (local.get $gv) (local.get $x))))`)}`)})))
            (else
              (if (i32.eqz (local.get $fresh))
                (then ${rowLoop('hOnly', (off) => STORE('$in', off, `(f32x4.add ${V('$in', off)} ${V('$neu', off)})`))})))))
        (else
          ;; e += g·o (the first time: e = g·o); o += g·h; and f for the next target, whose row is
          ;; read after this one's store (the same row drawn twice sees its update)
          (local.set $on (i32.load offset=4 ${at('$tg', '$d', 2)}))
          ${ZERO_ACC}
          (if (f32.ne (local.get $g) (f32.const 0))
            (then
              (if (local.get $fresh)
                (then ${rowLoop('setDot', (off, acc) => `
                  (local.set $x ${V('$o', off)})
                  (local.set $y ${V('$in', off)})
                  ${STORE('$neu', off, '(f32x4.mul (local.get $gv) (local.get $x))')}
                  ${STORE('$o', off, '(f32x4.add (local.get $x) (f32x4.mul (local.get $gv) (local.get $y)))')}
                  ${DOT(off, acc, '(local.get $y)')}`)})
                (else ${rowLoop('addDot', (off, acc) => `
                  (local.set $x ${V('$o', off)})
                  (local.set $y ${V('$in', off)})
                  ${STORE('$neu', off, `(f32x4.add ${V('$neu', off)} (f32x4.mul (local.get $gv) (local.get $x)))`)}
                  ${STORE('$o', off, '(f32x4.add (local.get $x) (f32x4.mul (local.get $gv) (local.get $y)))')}
                  ${DOT(off, acc, '(local.get $y)')}`)}))
              (local.set $fresh (i32.const 0)))
            (else ${rowLoop('dotOnly', (off, acc) => DOT(off, acc, V('$in', off)))}))
          ${HSUM}
          (local.set $o (local.get $on))))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br $targets)))
    (local.get $loss))
)
`

let compiled: { module: WasmModule | null; reason: string | null } | undefined

function compile(): { module: WasmModule | null; reason: string | null } {
  if (compiled === undefined) {
    try {
      const bytes = assembleWat(SGNS_WAT)
      compiled = wasmApi().validate(bytes)
        ? { module: new (wasmApi().Module)(bytes), reason: null }
        : { module: null, reason: 'this runtime rejects the WebAssembly SIMD/threads kernel' }
    } catch (e) {
      compiled = { module: null, reason: `the WebAssembly SIMD kernel failed to compile: ${(e as Error).message}` }
    }
  }
  return compiled
}

/** The compiled training kernel, or null where WebAssembly SIMD or threads are missing. */
export function sgnsSimdModule(): WasmModule | null {
  return compile().module
}

export function sgnsSimdUnavailableReason(): string | null {
  return compile().reason
}
