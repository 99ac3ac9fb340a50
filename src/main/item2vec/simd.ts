/**
 * The SGNS pair update (./sgns.ts) as WebAssembly SIMD (f32x4), hand-written
 * WAT assembled by the sparse engine's assembler (../train/sparse/wat.ts).
 * The JS kernel in ./sgns.ts is the reference; they differ only in float
 * rounding (here the dot product sums in four f32 lanes, there in float64).
 *
 * pair(in, tg, n, nv, lr, neu) → loss, for one (centre, context) pair:
 *   h = the syn0 row at byte `in` (nv vectors of 4 floats: rows padded to a
 *   multiple of 4 with zeros, which stay zero); targets = n syn1neg row byte
 *   offsets at `tg`, the first the positive (label 1), the rest negatives;
 *   neu = this thread's scratch row (e in word2vec.c's neu1e).
 *     e = 0
 *     per target o (label l):  f = h·o
 *       f > 6:   g = (l − 1)·lr, loss += l ? 0 : f
 *       f < −6:  g = l·lr,       loss += l ? −f : 0
 *       else:    b = ⌊(f + 6)·1000/12⌋, g = (l − σ[b])·lr,
 *                loss += l ? −log σ[b] : −log(1 − σ[b])     (tables below)
 *       g ≠ 0:   e += g·o;  o += g·h
 *     h += e
 * Tables at fixed byte offsets (written by the caller): σ (f32 × 1001) at
 * SIG_AT, −log σ (f64 × 1001) at LOSS_POS_AT, −log(1 − σ) (f64) at
 * LOSS_NEG_AT. The dot product runs two accumulators (two vectors a step)
 * for instruction-level parallelism.
 */
import { type WasmModule, wasmApi } from '../train/sparse/wasm-api'
import { assembleWat } from '../train/sparse/wat'

export const SIG_AT = 0
export const LOSS_POS_AT = 8192
export const LOSS_NEG_AT = 16384
/** First byte after the tables. */
export const TABLES_END = 24576

export const SGNS_WAT = String.raw`
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $pair (export "pair")
    (param $in i32) (param $tg i32) (param $n i32) (param $nv i32) (param $lr f32) (param $neu i32)
    (result f64)
    (local $d i32) (local $o i32) (local $p i32) (local $vb i32) (local $vb2 i32) (local $bin i32)
    (local $acc v128) (local $acc2 v128) (local $gv v128) (local $x v128)
    (local $f f64) (local $loss f64) (local $g f32)
    local.get $nv
    i32.const 4
    i32.shl
    local.set $vb
    local.get $vb
    i32.const -32
    i32.and
    local.set $vb2
    ;; Touch every cache line of the input row and of all targets first, so their
    ;; misses overlap instead of stalling one row at a time (a dummy sum, stored).
    local.get $in
    local.set $o
    i32.const -1
    local.set $d
    loop $rows
      i32.const 0
      local.set $p
      loop $lines
        local.get $bin
        local.get $o
        local.get $p
        i32.add
        i32.load
        i32.add
        local.set $bin
        local.get $p
        i32.const 64
        i32.add
        local.tee $p
        local.get $vb
        i32.lt_s
        br_if $lines
      end
      local.get $d
      i32.const 1
      i32.add
      local.tee $d
      local.get $n
      i32.lt_s
      if
        local.get $tg
        local.get $d
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $o
        br $rows
      end
    end
    local.get $neu
    local.get $bin
    i32.store
    ;; e = 0
    i32.const 0
    local.set $p
    block $zdone
      loop $zero
        local.get $p
        local.get $vb
        i32.ge_s
        br_if $zdone
        local.get $neu
        local.get $p
        i32.add
        f32.const 0
        f32x4.splat
        v128.store
        local.get $p
        i32.const 16
        i32.add
        local.set $p
        br $zero
      end
    end
    i32.const 0
    local.set $d
    block $tdone
      loop $targets
        local.get $d
        local.get $n
        i32.ge_s
        br_if $tdone
        local.get $tg
        local.get $d
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $o
        ;; f = h·o, two vectors a step, then the odd one
        f32.const 0
        f32x4.splat
        local.tee $acc
        local.set $acc2
        i32.const 0
        local.set $p
        block $ddone
          loop $dot
            local.get $p
            local.get $vb2
            i32.ge_s
            br_if $ddone
            local.get $acc
            local.get $in
            local.get $p
            i32.add
            v128.load
            local.get $o
            local.get $p
            i32.add
            v128.load
            f32x4.mul
            f32x4.add
            local.set $acc
            local.get $acc2
            local.get $in
            local.get $p
            i32.add
            v128.load offset=16
            local.get $o
            local.get $p
            i32.add
            v128.load offset=16
            f32x4.mul
            f32x4.add
            local.set $acc2
            local.get $p
            i32.const 32
            i32.add
            local.set $p
            br $dot
          end
        end
        local.get $p
        local.get $vb
        i32.lt_s
        if
          local.get $acc
          local.get $in
          local.get $p
          i32.add
          v128.load
          local.get $o
          local.get $p
          i32.add
          v128.load
          f32x4.mul
          f32x4.add
          local.set $acc
        end
        local.get $acc
        local.get $acc2
        f32x4.add
        local.tee $acc
        f32x4.extract_lane 0
        local.get $acc
        f32x4.extract_lane 1
        f32.add
        local.get $acc
        f32x4.extract_lane 2
        local.get $acc
        f32x4.extract_lane 3
        f32.add
        f32.add
        f64.promote_f32
        local.set $f
        ;; g and the loss
        local.get $f
        f64.const 6
        f64.gt
        if
          local.get $d
          i32.eqz
          if
            f32.const 0
            local.set $g
          else
            f32.const 0
            local.get $lr
            f32.sub
            local.set $g
            local.get $loss
            local.get $f
            f64.add
            local.set $loss
          end
        else
          local.get $f
          f64.const -6
          f64.lt
          if
            local.get $d
            i32.eqz
            if
              local.get $lr
              local.set $g
              local.get $loss
              local.get $f
              f64.sub
              local.set $loss
            else
              f32.const 0
              local.set $g
            end
          else
            local.get $f
            f64.const 6
            f64.add
            f64.const 83.33333333333333
            f64.mul
            i32.trunc_f64_s
            local.set $bin
            local.get $d
            i32.eqz
            if
              f32.const 1
              local.get $bin
              i32.const 2
              i32.shl
              f32.load offset=${SIG_AT}
              f32.sub
              local.get $lr
              f32.mul
              local.set $g
              local.get $loss
              local.get $bin
              i32.const 3
              i32.shl
              f64.load offset=${LOSS_POS_AT}
              f64.add
              local.set $loss
            else
              f32.const 0
              local.get $bin
              i32.const 2
              i32.shl
              f32.load offset=${SIG_AT}
              f32.sub
              local.get $lr
              f32.mul
              local.set $g
              local.get $loss
              local.get $bin
              i32.const 3
              i32.shl
              f64.load offset=${LOSS_NEG_AT}
              f64.add
              local.set $loss
            end
          end
        end
        ;; e += g·o; o += g·h
        local.get $g
        f64.promote_f32
        f64.const 0
        f64.ne
        if
          local.get $g
          f32x4.splat
          local.set $gv
          i32.const 0
          local.set $p
          block $udone
            loop $update
              local.get $p
              local.get $vb
              i32.ge_s
              br_if $udone
              local.get $o
              local.get $p
              i32.add
              v128.load
              local.set $x
              local.get $neu
              local.get $p
              i32.add
              local.get $neu
              local.get $p
              i32.add
              v128.load
              local.get $gv
              local.get $x
              f32x4.mul
              f32x4.add
              v128.store
              local.get $o
              local.get $p
              i32.add
              local.get $x
              local.get $gv
              local.get $in
              local.get $p
              i32.add
              v128.load
              f32x4.mul
              f32x4.add
              v128.store
              local.get $p
              i32.const 16
              i32.add
              local.set $p
              br $update
            end
          end
        end
        local.get $d
        i32.const 1
        i32.add
        local.set $d
        br $targets
      end
    end
    ;; h += e
    i32.const 0
    local.set $p
    block $hdone
      loop $h
        local.get $p
        local.get $vb
        i32.ge_s
        br_if $hdone
        local.get $in
        local.get $p
        i32.add
        local.get $in
        local.get $p
        i32.add
        v128.load
        local.get $neu
        local.get $p
        i32.add
        v128.load
        f32x4.add
        v128.store
        local.get $p
        i32.const 16
        i32.add
        local.set $p
        br $h
      end
    end
    local.get $loss
  )
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

/** The compiled pair kernel, or null where WebAssembly SIMD or threads are missing. */
export function sgnsSimdModule(): WasmModule | null {
  return compile().module
}

export function sgnsSimdUnavailableReason(): string | null {
  return compile().reason
}
