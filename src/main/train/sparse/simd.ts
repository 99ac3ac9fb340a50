/**
 * The sparse engine's inner loops as WebAssembly SIMD (f32x4), hand-written
 * WAT assembled at start-up by ./wat.ts. They do exactly what the JS kernels
 * in ./program.ts do (the reference, and the fallback where SIMD is missing);
 * sparse.test.ts checks one against the other.
 *
 * All pointers are byte offsets into the shared arena (see ./layout.ts). A
 * row is padded to P floats (P a multiple of 4, `nv` = P / 4 vectors; the pad
 * stays zero) and stored as a record [θ | slot 1 | slot 2] of `rec` bytes.
 *
 * fwdbwd(examples [begin, end) of the batch) — per example (i, j, y):
 *   uu = u·u, vv = v·v, uv = u·v (f32x4 partial sums, then f64)
 *   su = 1/sqrt(max(uu, 1e-12)), sv = 1/sqrt(max(vv, 1e-12)), c = uv·su·sv
 *   classification: z = w·c + b, e = exp(−|z|), loss += max(z, 0) + log(1 + e) − y·z
 *                   (the log(1 + e) terms as one log of their product, see below),
 *                   σ = z ≥ 0 ? 1/(1+e) : e/(1+e), gz = (σ − y)/B, gw += gz·c, gb += gz, g = gz·w
 *   regression:     loss += (c − y)², g = 2(c − y)/B
 *   ∂c/∂u = su·(sv·v − c·su·u) (the projection term only when uu ≥ 1e-12, as tf.maximum's gradient):
 *     gu += a·v − bu·u,  gv += a·u − bv·v  with a = g·su·sv, bu = g·c·su², bv = g·c·sv²
 *   into this thread's compact gradient slot of each row (assigned on first use
 *   with a stamp = generation, so nothing is cleared between steps).
 * collect(table, thread k): the (row, gradient) pairs of the rows thread k updates and
 *   the (dst, src) pairs that sum the other threads' gradients of those rows.
 * merge(list of (dst, src)): dst += src (summing another thread's gradient of a row).
 * adam / adagrad / sgd(list of (row, grad pointer)): the optimizer on those rows.
 * expneg(x ≤ 0): exp, exported for its accuracy test.
 * exp is computed here (a polynomial, ~2e-10) rather than imported from JS, and
 * Σ log(1 + e) as log Π(1 + e) (one Math.log per thread and step, taken by the
 * caller from the block's prod and scale): a call out to Math.exp/Math.log
 * costs ~25 ns, a third of an example's whole work.
 * Random rows miss the caches, so each loop touches the next group's rows
 * first (touchPairs / touchRows) to keep many misses in flight.
 */
import { assembleWat } from './wat'
import { type WasmModule, wasmApi } from './wasm-api'

export const KERNELS_WAT = String.raw`
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; exp(x) for x ≤ 0: x = k·ln2 + r with |r| ≤ ln2/2; exp(r) by its Taylor polynomial
  ;; of degree 8 (error < 2e-10 relative) in Estrin's form (short dependency chains);
  ;; × 2^k built from the exponent bits. Below −708 (exp < 2^−1021) it returns 0; NaN stays
  ;; NaN (a NaN weight must show up as a NaN loss, not trap in i32.trunc_f64_s).
  (func $expneg (export "expneg") (param $x f64) (result f64) (local $k f64) (local $r f64) (local $r2 f64) (local $r4 f64)
    local.get $x
    local.get $x
    f64.ne
    if
      local.get $x
      return
    end
    local.get $x
    f64.const -708
    f64.lt
    if
      f64.const 0
      return
    end
    local.get $x
    f64.const 1.4426950408889634
    f64.mul
    f64.nearest
    local.set $k
    local.get $x
    local.get $k
    f64.const 0.6931471803691238
    f64.mul
    f64.sub
    local.get $k
    f64.const 1.9082149292705877e-10
    f64.mul
    f64.sub
    local.tee $r
    local.get $r
    f64.mul
    local.tee $r2
    local.get $r2
    f64.mul
    local.set $r4
    ;; (1 + r) + r²(1/2 + r/6)
    f64.const 1
    local.get $r
    f64.add
    local.get $r
    f64.const 0.16666666666666666
    f64.mul
    f64.const 0.5
    f64.add
    local.get $r2
    f64.mul
    f64.add
    ;; + r⁴((1/24 + r/120) + r²(1/720 + r/5040) + r⁴/40320)
    local.get $r
    f64.const 8.333333333333333e-3
    f64.mul
    f64.const 4.1666666666666664e-2
    f64.add
    local.get $r
    f64.const 1.984126984126984e-4
    f64.mul
    f64.const 1.388888888888889e-3
    f64.add
    local.get $r2
    f64.mul
    f64.add
    local.get $r4
    f64.const 2.48015873015873e-5
    f64.mul
    f64.add
    local.get $r4
    f64.mul
    f64.add
    ;; × 2^k: bits (k + 1023) << 52
    local.get $k
    i32.trunc_f64_s
    i32.const 1023
    i32.add
    i64.extend_i32_s
    i64.const 52
    i64.shl
    f64.reinterpret_i64
    f64.mul
  )

  ;; Memory-level parallelism: random rows miss the caches, and a core only overlaps
  ;; the misses it can see. So before a group of 8 examples (or rows) is computed, one
  ;; tight loop touches a line in every cache line of the NEXT group's rows: their
  ;; misses are then in flight together instead of one row at a time. The OR of the
  ;; loaded words is returned so the loads stay.
  ;; Examples [from, min(to, end)): the first $bytes of both rows' records.
  (func $touchPairs (param $bl i32) (param $br i32) (param $from i32) (param $to i32) (param $end i32)
    (param $tl i32) (param $tr i32) (param $rec i32) (param $bytes i32) (result i32)
    (local $e i32) (local $pu i32) (local $pv i32) (local $o i32) (local $acc i32)
    local.get $to
    local.get $end
    local.get $to
    local.get $end
    i32.lt_s
    select
    local.set $to
    local.get $from
    local.set $e
    block $done
      local.get $e
      local.get $to
      i32.ge_s
      br_if $done
      loop $ex
        local.get $tl
        local.get $bl
        local.get $e
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rec
        i32.mul
        i32.add
        local.set $pu
        local.get $tr
        local.get $br
        local.get $e
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rec
        i32.mul
        i32.add
        local.set $pv
        i32.const 0
        local.set $o
        loop $lines
          local.get $acc
          local.get $pu
          local.get $o
          i32.add
          i32.load
          i32.or
          local.get $pv
          local.get $o
          i32.add
          i32.load
          i32.or
          local.set $acc
          local.get $o
          i32.const 64
          i32.add
          local.tee $o
          local.get $bytes
          i32.lt_s
          br_if $lines
        end
        local.get $e
        i32.const 1
        i32.add
        local.tee $e
        local.get $to
        i32.lt_s
        br_if $ex
      end
    end
    local.get $acc
  )

  ;; List entries [from, min(to, n)) of (row, grad pointer): the whole record and the gradient.
  (func $touchRows (param $list i32) (param $from i32) (param $to i32) (param $n i32)
    (param $base i32) (param $rec i32) (param $rb i32) (result i32)
    (local $k i32) (local $p i32) (local $g i32) (local $o i32) (local $acc i32)
    local.get $to
    local.get $n
    local.get $to
    local.get $n
    i32.lt_s
    select
    local.set $to
    local.get $from
    local.set $k
    block $done
      local.get $k
      local.get $to
      i32.ge_s
      br_if $done
      loop $rows
        local.get $list
        local.get $k
        i32.const 3
        i32.shl
        i32.add
        local.tee $p
        i32.load offset=4
        local.set $g
        local.get $base
        local.get $p
        i32.load
        local.get $rec
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        local.set $o
        loop $lines
          local.get $acc
          local.get $p
          local.get $o
          i32.add
          i32.load
          i32.or
          local.set $acc
          local.get $o
          i32.const 64
          i32.add
          local.tee $o
          local.get $rec
          i32.lt_s
          br_if $lines
        end
        i32.const 0
        local.set $o
        loop $glines
          local.get $acc
          local.get $g
          local.get $o
          i32.add
          i32.load
          i32.or
          local.set $acc
          local.get $o
          i32.const 64
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $glines
        end
        local.get $k
        i32.const 1
        i32.add
        local.tee $k
        local.get $to
        i32.lt_s
        br_if $rows
      end
    end
    local.get $acc
  )

  ;; Thread block (see layout.ts): i32 pointers stampL 0, slotL 4, rowsL 8, gradsL 12,
  ;; stampR 16, slotR 20, rowsR 24, gradsR 28; outputs nL 32, nR 36, touch 40;
  ;; f64 loss 64, correct 72, gw 80, gb 88, prod 96, scale 104 (loss += log(prod) + scale·512·ln2).
  (func $fwdbwd (export "fwdbwd")
    (param $bl i32) (param $br i32) (param $by i32) (param $begin i32) (param $end i32)
    (param $tl i32) (param $tr i32) (param $rec i32) (param $nv i32) (param $thr i32) (param $gen i32)
    (param $w f64) (param $b f64) (param $inv f64) (param $regression i32)
    (local $e i32) (local $i i32) (local $j i32) (local $pu i32) (local $pv i32) (local $gu i32) (local $gv i32)
    (local $o i32) (local $rb i32) (local $p i32) (local $nl i32) (local $nr i32)
    (local $x v128) (local $y v128) (local $suu v128) (local $svv v128) (local $suv v128)
    (local $va v128) (local $vbu v128) (local $vbv v128)
    (local $uu f64) (local $vv f64) (local $uv f64) (local $su f64) (local $sv f64) (local $c f64)
    (local $z f64) (local $yv f64) (local $g f64) (local $ex f64) (local $sig f64)
    (local $loss f64) (local $correct f64) (local $gw f64) (local $gb f64) (local $bu f64) (local $bv f64)
    (local $next i32) (local $acc i32) (local $prod f64) (local $scale f64)
    local.get $nv
    i32.const 16
    i32.mul
    local.set $rb
    local.get $thr
    i32.load offset=32
    local.set $nl
    local.get $thr
    i32.load offset=36
    local.set $nr
    local.get $begin
    local.set $e
    local.get $begin
    local.set $next
    f64.const 1
    local.set $prod
    ;; the first group's rows
    local.get $bl
    local.get $br
    local.get $begin
    local.get $begin
    i32.const 8
    i32.add
    local.get $end
    local.get $tl
    local.get $tr
    local.get $rec
    local.get $rb
    call $touchPairs
    local.set $acc
    block $done
      local.get $e
      local.get $end
      i32.ge_s
      br_if $done
      loop $examples
        ;; at a group boundary: touch the next group's rows
        local.get $e
        local.get $next
        i32.eq
        if
          local.get $acc
          local.get $bl
          local.get $br
          local.get $e
          i32.const 8
          i32.add
          local.tee $next
          local.get $e
          i32.const 16
          i32.add
          local.get $end
          local.get $tl
          local.get $tr
          local.get $rec
          local.get $rb
          call $touchPairs
          i32.or
          local.set $acc
        end
        ;; i, j, y
        local.get $bl
        local.get $e
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $i
        local.get $br
        local.get $e
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $j
        local.get $by
        local.get $e
        i32.const 2
        i32.shl
        i32.add
        f32.load
        f64.promote_f32
        local.set $yv

        ;; left gradient slot: p = stampL + 4i
        local.get $thr
        i32.load offset=0
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        local.set $p
        local.get $p
        i32.load
        local.get $gen
        i32.eq
        if
          ;; gu = gradsL + slotL[i]·rb
          local.get $thr
          i32.load offset=12
          local.get $thr
          i32.load offset=4
          local.get $i
          i32.const 2
          i32.shl
          i32.add
          i32.load
          local.get $rb
          i32.mul
          i32.add
          local.set $gu
        else
          local.get $p
          local.get $gen
          i32.store
          local.get $thr
          i32.load offset=4
          local.get $i
          i32.const 2
          i32.shl
          i32.add
          local.get $nl
          i32.store
          local.get $thr
          i32.load offset=8
          local.get $nl
          i32.const 2
          i32.shl
          i32.add
          local.get $i
          i32.store
          local.get $thr
          i32.load offset=12
          local.get $nl
          local.get $rb
          i32.mul
          i32.add
          local.set $gu
          local.get $nl
          i32.const 1
          i32.add
          local.set $nl
          i32.const 0
          local.set $o
          loop $zl
            local.get $gu
            local.get $o
            i32.add
            f32.const 0
            f32x4.splat
            v128.store
            local.get $o
            i32.const 16
            i32.add
            local.tee $o
            local.get $rb
            i32.lt_s
            br_if $zl
          end
        end

        ;; right gradient slot: p = stampR + 4j
        local.get $thr
        i32.load offset=16
        local.get $j
        i32.const 2
        i32.shl
        i32.add
        local.set $p
        local.get $p
        i32.load
        local.get $gen
        i32.eq
        if
          local.get $thr
          i32.load offset=28
          local.get $thr
          i32.load offset=20
          local.get $j
          i32.const 2
          i32.shl
          i32.add
          i32.load
          local.get $rb
          i32.mul
          i32.add
          local.set $gv
        else
          local.get $p
          local.get $gen
          i32.store
          local.get $thr
          i32.load offset=20
          local.get $j
          i32.const 2
          i32.shl
          i32.add
          local.get $nr
          i32.store
          local.get $thr
          i32.load offset=24
          local.get $nr
          i32.const 2
          i32.shl
          i32.add
          local.get $j
          i32.store
          local.get $thr
          i32.load offset=28
          local.get $nr
          local.get $rb
          i32.mul
          i32.add
          local.set $gv
          local.get $nr
          i32.const 1
          i32.add
          local.set $nr
          i32.const 0
          local.set $o
          loop $zr
            local.get $gv
            local.get $o
            i32.add
            f32.const 0
            f32x4.splat
            v128.store
            local.get $o
            i32.const 16
            i32.add
            local.tee $o
            local.get $rb
            i32.lt_s
            br_if $zr
          end
        end

        ;; rows
        local.get $tl
        local.get $i
        local.get $rec
        i32.mul
        i32.add
        local.set $pu
        local.get $tr
        local.get $j
        local.get $rec
        i32.mul
        i32.add
        local.set $pv

        ;; dot products
        f32.const 0
        f32x4.splat
        local.tee $suu
        local.tee $svv
        local.set $suv
        i32.const 0
        local.set $o
        loop $dots
          local.get $pu
          local.get $o
          i32.add
          v128.load
          local.set $x
          local.get $pv
          local.get $o
          i32.add
          v128.load
          local.set $y
          local.get $suu
          local.get $x
          local.get $x
          f32x4.mul
          f32x4.add
          local.set $suu
          local.get $svv
          local.get $y
          local.get $y
          f32x4.mul
          f32x4.add
          local.set $svv
          local.get $suv
          local.get $x
          local.get $y
          f32x4.mul
          f32x4.add
          local.set $suv
          local.get $o
          i32.const 16
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $dots
        end
        ;; horizontal sums in f64: (l0 + l1) + (l2 + l3)
        local.get $suu
        f32x4.extract_lane 0
        f64.promote_f32
        local.get $suu
        f32x4.extract_lane 1
        f64.promote_f32
        f64.add
        local.get $suu
        f32x4.extract_lane 2
        f64.promote_f32
        local.get $suu
        f32x4.extract_lane 3
        f64.promote_f32
        f64.add
        f64.add
        local.set $uu
        local.get $svv
        f32x4.extract_lane 0
        f64.promote_f32
        local.get $svv
        f32x4.extract_lane 1
        f64.promote_f32
        f64.add
        local.get $svv
        f32x4.extract_lane 2
        f64.promote_f32
        local.get $svv
        f32x4.extract_lane 3
        f64.promote_f32
        f64.add
        f64.add
        local.set $vv
        local.get $suv
        f32x4.extract_lane 0
        f64.promote_f32
        local.get $suv
        f32x4.extract_lane 1
        f64.promote_f32
        f64.add
        local.get $suv
        f32x4.extract_lane 2
        f64.promote_f32
        local.get $suv
        f32x4.extract_lane 3
        f64.promote_f32
        f64.add
        f64.add
        local.set $uv

        ;; su, sv, c
        f64.const 1
        local.get $uu
        f64.const 1e-12
        f64.max
        f64.sqrt
        f64.div
        local.set $su
        f64.const 1
        local.get $vv
        f64.const 1e-12
        f64.max
        f64.sqrt
        f64.div
        local.set $sv
        local.get $uv
        local.get $su
        f64.mul
        local.get $sv
        f64.mul
        local.set $c

        local.get $regression
        if
          ;; d = c − y (kept in $z); loss += d²; g = 2d/B; correct += (c > 0) == (y > 0)
          local.get $c
          local.get $yv
          f64.sub
          local.set $z
          local.get $loss
          local.get $z
          local.get $z
          f64.mul
          f64.add
          local.set $loss
          f64.const 2
          local.get $z
          f64.mul
          local.get $inv
          f64.mul
          local.set $g
          local.get $c
          f64.const 0
          f64.gt
          local.get $yv
          f64.const 0
          f64.gt
          i32.eq
          if
            local.get $correct
            f64.const 1
            f64.add
            local.set $correct
          end
        else
          ;; z = w·c + b; e = exp(−|z|)
          local.get $w
          local.get $c
          f64.mul
          local.get $b
          f64.add
          local.set $z
          local.get $z
          f64.abs
          f64.neg
          call $expneg
          local.set $ex
          ;; loss += max(z, 0) − y·z, and log(1 + e) via the product: prod ← prod·(1 + e),
          ;; rescaled by 2^−512 (scale += 1) before it could overflow; log(prod) is taken once, in JS.
          local.get $loss
          local.get $z
          f64.const 0
          f64.max
          local.get $yv
          local.get $z
          f64.mul
          f64.sub
          f64.add
          local.set $loss
          local.get $prod
          f64.const 1
          local.get $ex
          f64.add
          f64.mul
          local.tee $prod
          f64.const 1.3407807929942597e154
          f64.gt
          if
            local.get $prod
            f64.const 7.458340731200207e-155
            f64.mul
            local.set $prod
            local.get $scale
            f64.const 1
            f64.add
            local.set $scale
          end
          ;; σ = (z ≥ 0 ? 1 : e) / (1 + e)
          f64.const 1
          local.get $ex
          local.get $z
          f64.const 0
          f64.ge
          select
          f64.const 1
          local.get $ex
          f64.add
          f64.div
          local.set $sig
          ;; gz (kept in $g) = (σ − y)/B; gw += gz·c; gb += gz
          local.get $sig
          local.get $yv
          f64.sub
          local.get $inv
          f64.mul
          local.set $g
          local.get $gw
          local.get $g
          local.get $c
          f64.mul
          f64.add
          local.set $gw
          local.get $gb
          local.get $g
          f64.add
          local.set $gb
          ;; correct += (z > 0) == (y == 1)
          local.get $z
          f64.const 0
          f64.gt
          local.get $yv
          f64.const 1
          f64.eq
          i32.eq
          if
            local.get $correct
            f64.const 1
            f64.add
            local.set $correct
          end
          ;; g = gz·w (the gradient of the cosine)
          local.get $g
          local.get $w
          f64.mul
          local.set $g
        end

        ;; a = g·su·sv; bu = uu ≥ 1e-12 ? g·c·su² : 0; bv likewise
        local.get $g
        local.get $su
        f64.mul
        local.get $sv
        f64.mul
        f32.demote_f64
        f32x4.splat
        local.set $va
        local.get $g
        local.get $c
        f64.mul
        local.get $su
        f64.mul
        local.get $su
        f64.mul
        f64.const 0
        local.get $uu
        f64.const 1e-12
        f64.ge
        select
        local.set $bu
        local.get $g
        local.get $c
        f64.mul
        local.get $sv
        f64.mul
        local.get $sv
        f64.mul
        f64.const 0
        local.get $vv
        f64.const 1e-12
        f64.ge
        select
        local.set $bv
        local.get $bu
        f32.demote_f64
        f32x4.splat
        local.set $vbu
        local.get $bv
        f32.demote_f64
        f32x4.splat
        local.set $vbv

        ;; gu += a·v − bu·u; gv += a·u − bv·v
        i32.const 0
        local.set $o
        loop $grads
          local.get $pu
          local.get $o
          i32.add
          v128.load
          local.set $x
          local.get $pv
          local.get $o
          i32.add
          v128.load
          local.set $y
          local.get $gu
          local.get $o
          i32.add
          local.get $gu
          local.get $o
          i32.add
          v128.load
          local.get $va
          local.get $y
          f32x4.mul
          local.get $vbu
          local.get $x
          f32x4.mul
          f32x4.sub
          f32x4.add
          v128.store
          local.get $gv
          local.get $o
          i32.add
          local.get $gv
          local.get $o
          i32.add
          v128.load
          local.get $va
          local.get $x
          f32x4.mul
          local.get $vbv
          local.get $y
          f32x4.mul
          f32x4.sub
          f32x4.add
          v128.store
          local.get $o
          i32.const 16
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $grads
        end

        local.get $e
        i32.const 1
        i32.add
        local.tee $e
        local.get $end
        i32.lt_s
        br_if $examples
      end
    end
    local.get $thr
    local.get $acc
    i32.store offset=40
    local.get $thr
    local.get $nl
    i32.store offset=32
    local.get $thr
    local.get $nr
    i32.store offset=36
    local.get $thr
    local.get $loss
    f64.store offset=64
    local.get $thr
    local.get $correct
    f64.store offset=72
    local.get $thr
    local.get $gw
    f64.store offset=80
    local.get $thr
    local.get $gb
    f64.store offset=88
    local.get $thr
    local.get $prod
    f64.store offset=96
    local.get $thr
    local.get $scale
    f64.store offset=104
  )

  ;; Thread k's optimizer work for one table (program.ts, SparseKernels.collect): rows r with
  ;; r mod T = k touched by any thread, once each, as (row, grad) at $upd; (dst, src) pairs at
  ;; $mrg summing later threads' gradients of the row into the first one's; with $dense, the
  ;; untouched rows of the shard with the zero gradient. Writes nu to $out, nm to $out + 4.
  ;; Side fields of a thread block: stamp +0, slot +4, rows +8, grads +12 (+16 for the right
  ;; table), count at 32 (+4 for the right table).
  (func $collect (export "collect") (param $side i32) (param $k i32) (param $T i32) (param $gen i32)
    (param $blocks i32) (param $rb i32) (param $upd i32) (param $mrg i32) (param $dense i32)
    (param $nrows i32) (param $zero i32) (param $out i32)
    (local $so i32) (local $mask i32) (local $nu i32) (local $nm i32) (local $kk i32) (local $k2 i32)
    (local $blk i32) (local $rows i32) (local $grads i32) (local $n i32) (local $q i32) (local $r i32)
    (local $dst i32) (local $b2 i32) (local $owner i32)
    local.get $side
    i32.const 16
    i32.mul
    local.set $so
    ;; mask = T − 1 when T is a power of two, else −1 (use rem_u)
    local.get $T
    i32.const 1
    i32.sub
    i32.const -1
    local.get $T
    local.get $T
    i32.const 1
    i32.sub
    i32.and
    i32.eqz
    select
    local.set $mask
    block $threadsDone
      loop $threads
        ;; this thread's block, rows, grads, count
        local.get $blocks
        local.get $kk
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.tee $blk
        local.get $so
        i32.add
        i32.load offset=8
        local.set $rows
        local.get $blk
        local.get $so
        i32.add
        i32.load offset=12
        local.set $grads
        local.get $blk
        local.get $side
        i32.const 2
        i32.shl
        i32.add
        i32.load offset=32
        local.set $n
        i32.const 0
        local.set $q
        block $rowsDone
          local.get $n
          i32.const 0
          i32.le_s
          br_if $rowsDone
          loop $rowsLoop
            block $next
              local.get $rows
              local.get $q
              i32.const 2
              i32.shl
              i32.add
              i32.load
              local.set $r
              ;; owner = r & mask, or r mod T
              local.get $r
              local.get $mask
              i32.and
              local.get $r
              local.get $T
              i32.rem_u
              local.get $mask
              i32.const -1
              i32.ne
              select
              local.get $k
              i32.ne
              br_if $next
              ;; taken from an earlier thread's list?
              i32.const 0
              local.set $k2
              block $seenDone
                loop $seen
                  local.get $k2
                  local.get $kk
                  i32.ge_s
                  br_if $seenDone
                  local.get $blocks
                  local.get $k2
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load
                  local.get $so
                  i32.add
                  i32.load
                  local.get $r
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load
                  local.get $gen
                  i32.eq
                  br_if $next
                  local.get $k2
                  i32.const 1
                  i32.add
                  local.set $k2
                  br $seen
                end
              end
              ;; dst = grads + q·rb
              local.get $grads
              local.get $q
              local.get $rb
              i32.mul
              i32.add
              local.set $dst
              ;; merges from later threads
              local.get $kk
              i32.const 1
              i32.add
              local.set $k2
              block $mergeDone
                loop $merges
                  local.get $k2
                  local.get $T
                  i32.ge_s
                  br_if $mergeDone
                  local.get $blocks
                  local.get $k2
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load
                  local.get $so
                  i32.add
                  local.set $b2
                  local.get $b2
                  i32.load
                  local.get $r
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load
                  local.get $gen
                  i32.eq
                  if
                    local.get $mrg
                    local.get $nm
                    i32.const 3
                    i32.shl
                    i32.add
                    local.get $dst
                    i32.store
                    ;; src = grads₂ + slot₂[r]·rb
                    local.get $mrg
                    local.get $nm
                    i32.const 3
                    i32.shl
                    i32.add
                    local.get $b2
                    i32.load offset=12
                    local.get $b2
                    i32.load offset=4
                    local.get $r
                    i32.const 2
                    i32.shl
                    i32.add
                    i32.load
                    local.get $rb
                    i32.mul
                    i32.add
                    i32.store offset=4
                    local.get $nm
                    i32.const 1
                    i32.add
                    local.set $nm
                  end
                  local.get $k2
                  i32.const 1
                  i32.add
                  local.set $k2
                  br $merges
                end
              end
              ;; (r, dst)
              local.get $upd
              local.get $nu
              i32.const 3
              i32.shl
              i32.add
              local.get $r
              i32.store
              local.get $upd
              local.get $nu
              i32.const 3
              i32.shl
              i32.add
              local.get $dst
              i32.store offset=4
              local.get $nu
              i32.const 1
              i32.add
              local.set $nu
            end
            local.get $q
            i32.const 1
            i32.add
            local.tee $q
            local.get $n
            i32.lt_s
            br_if $rowsLoop
          end
        end
        local.get $kk
        i32.const 1
        i32.add
        local.tee $kk
        local.get $T
        i32.lt_s
        br_if $threads
      end
    end
    ;; dense: the shard's rows no thread touched, with the zero gradient
    local.get $dense
    if
      local.get $k
      local.set $r
      block $denseDone
        loop $denseRows
          local.get $r
          local.get $nrows
          i32.ge_s
          br_if $denseDone
          block $skip
            i32.const 0
            local.set $k2
            loop $touched
              local.get $blocks
              local.get $k2
              i32.const 2
              i32.shl
              i32.add
              i32.load
              local.get $so
              i32.add
              i32.load
              local.get $r
              i32.const 2
              i32.shl
              i32.add
              i32.load
              local.get $gen
              i32.eq
              br_if $skip
              local.get $k2
              i32.const 1
              i32.add
              local.tee $k2
              local.get $T
              i32.lt_s
              br_if $touched
            end
            local.get $upd
            local.get $nu
            i32.const 3
            i32.shl
            i32.add
            local.get $r
            i32.store
            local.get $upd
            local.get $nu
            i32.const 3
            i32.shl
            i32.add
            local.get $zero
            i32.store offset=4
            local.get $nu
            i32.const 1
            i32.add
            local.set $nu
          end
          local.get $r
          local.get $T
          i32.add
          local.set $r
          br $denseRows
        end
      end
    end
    local.get $out
    local.get $nu
    i32.store
    local.get $out
    local.get $nm
    i32.store offset=4
  )

  ;; list: n pairs (dst, src) of byte pointers; dst[0..rb) += src[0..rb)
  (func $merge (export "merge") (param $list i32) (param $n i32) (param $nv i32)
    (local $k i32) (local $d i32) (local $s i32) (local $o i32) (local $rb i32)
    local.get $nv
    i32.const 16
    i32.mul
    local.set $rb
    block $done
      local.get $n
      i32.const 0
      i32.le_s
      br_if $done
      loop $pairs
        local.get $list
        local.get $k
        i32.const 3
        i32.shl
        i32.add
        local.tee $d
        i32.load offset=4
        local.set $s
        local.get $d
        i32.load
        local.set $d
        i32.const 0
        local.set $o
        loop $vecs
          local.get $d
          local.get $o
          i32.add
          local.get $d
          local.get $o
          i32.add
          v128.load
          local.get $s
          local.get $o
          i32.add
          v128.load
          f32x4.add
          v128.store
          local.get $o
          i32.const 16
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $vecs
        end
        local.get $k
        i32.const 1
        i32.add
        local.tee $k
        local.get $n
        i32.lt_s
        br_if $pairs
      end
    end
  )

  ;; list: n pairs (row, grad pointer). Record [θ | m | v].
  ;; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − c1·m / (c2·sqrt(v) + ε)
  ;; with c1 = lr/(1−β1^t), c2 = 1/sqrt(1−β2^t): tfjs' lr·m̂/(sqrt(v̂) + ε).
  (func $adam (export "adam") (param $list i32) (param $n i32) (param $base i32) (param $rec i32) (param $nv i32)
    (param $c1 f32) (param $c2 f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (result i32)
    (local $next i32) (local $acc i32) (local $k i32) (local $p i32) (local $g i32) (local $o i32) (local $rb i32)
    (local $vb1 v128) (local $vb1c v128) (local $vb2 v128) (local $vb2c v128) (local $vc1 v128) (local $vc2 v128) (local $veps v128)
    (local $gg v128) (local $m v128) (local $v v128)
    local.get $nv
    i32.const 16
    i32.mul
    local.set $rb
    local.get $b1
    f32x4.splat
    local.set $vb1
    f32.const 1
    local.get $b1
    f32.sub
    f32x4.splat
    local.set $vb1c
    local.get $b2
    f32x4.splat
    local.set $vb2
    f32.const 1
    local.get $b2
    f32.sub
    f32x4.splat
    local.set $vb2c
    local.get $c1
    f32x4.splat
    local.set $vc1
    local.get $c2
    f32x4.splat
    local.set $vc2
    local.get $eps
    f32x4.splat
    local.set $veps
    local.get $list
    i32.const 0
    i32.const 8
    local.get $n
    local.get $base
    local.get $rec
    local.get $rb
    call $touchRows
    local.set $acc
    block $done
      local.get $n
      i32.const 0
      i32.le_s
      br_if $done
      loop $rows
        local.get $k
        local.get $next
        i32.eq
        if
          local.get $acc
          local.get $list
          local.get $k
          i32.const 8
          i32.add
          local.tee $next
          local.get $k
          i32.const 16
          i32.add
          local.get $n
          local.get $base
          local.get $rec
          local.get $rb
          call $touchRows
          i32.or
          local.set $acc
        end
        local.get $list
        local.get $k
        i32.const 3
        i32.shl
        i32.add
        local.tee $p
        i32.load offset=4
        local.set $g
        local.get $base
        local.get $p
        i32.load
        local.get $rec
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        local.set $o
        loop $vecs
          local.get $g
          local.get $o
          i32.add
          v128.load
          local.set $gg
          ;; m at p + rb
          local.get $vb1
          local.get $p
          local.get $o
          i32.add
          local.get $rb
          i32.add
          v128.load
          f32x4.mul
          local.get $vb1c
          local.get $gg
          f32x4.mul
          f32x4.add
          local.set $m
          local.get $p
          local.get $o
          i32.add
          local.get $rb
          i32.add
          local.get $m
          v128.store
          ;; v at p + 2rb
          local.get $vb2
          local.get $p
          local.get $o
          i32.add
          local.get $rb
          i32.add
          local.get $rb
          i32.add
          v128.load
          f32x4.mul
          local.get $vb2c
          local.get $gg
          local.get $gg
          f32x4.mul
          f32x4.mul
          f32x4.add
          local.set $v
          local.get $p
          local.get $o
          i32.add
          local.get $rb
          i32.add
          local.get $rb
          i32.add
          local.get $v
          v128.store
          ;; θ
          local.get $p
          local.get $o
          i32.add
          local.get $p
          local.get $o
          i32.add
          v128.load
          local.get $vc1
          local.get $m
          f32x4.mul
          local.get $vc2
          local.get $v
          f32x4.sqrt
          f32x4.mul
          local.get $veps
          f32x4.add
          f32x4.div
          f32x4.sub
          v128.store
          local.get $o
          i32.const 16
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $vecs
        end
        local.get $k
        i32.const 1
        i32.add
        local.tee $k
        local.get $n
        i32.lt_s
        br_if $rows
      end
    end
    local.get $acc
  )

  ;; Record [θ | a]. a ← a + g²; θ ← θ − lr·(g / sqrt(a + ε))   (tfjs' Adagrad)
  (func $adagrad (export "adagrad") (param $list i32) (param $n i32) (param $base i32) (param $rec i32) (param $nv i32)
    (param $lr f32) (param $eps f32) (result i32)
    (local $next i32) (local $acc i32) (local $k i32) (local $p i32) (local $g i32) (local $o i32) (local $rb i32)
    (local $vlr v128) (local $veps v128) (local $gg v128) (local $a v128)
    local.get $nv
    i32.const 16
    i32.mul
    local.set $rb
    local.get $lr
    f32x4.splat
    local.set $vlr
    local.get $eps
    f32x4.splat
    local.set $veps
    local.get $list
    i32.const 0
    i32.const 8
    local.get $n
    local.get $base
    local.get $rec
    local.get $rb
    call $touchRows
    local.set $acc
    block $done
      local.get $n
      i32.const 0
      i32.le_s
      br_if $done
      loop $rows
        local.get $k
        local.get $next
        i32.eq
        if
          local.get $acc
          local.get $list
          local.get $k
          i32.const 8
          i32.add
          local.tee $next
          local.get $k
          i32.const 16
          i32.add
          local.get $n
          local.get $base
          local.get $rec
          local.get $rb
          call $touchRows
          i32.or
          local.set $acc
        end
        local.get $list
        local.get $k
        i32.const 3
        i32.shl
        i32.add
        local.tee $p
        i32.load offset=4
        local.set $g
        local.get $base
        local.get $p
        i32.load
        local.get $rec
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        local.set $o
        loop $vecs
          local.get $g
          local.get $o
          i32.add
          v128.load
          local.set $gg
          local.get $p
          local.get $o
          i32.add
          local.get $rb
          i32.add
          v128.load
          local.get $gg
          local.get $gg
          f32x4.mul
          f32x4.add
          local.set $a
          local.get $p
          local.get $o
          i32.add
          local.get $rb
          i32.add
          local.get $a
          v128.store
          local.get $p
          local.get $o
          i32.add
          local.get $p
          local.get $o
          i32.add
          v128.load
          local.get $vlr
          local.get $gg
          local.get $a
          local.get $veps
          f32x4.add
          f32x4.sqrt
          f32x4.div
          f32x4.mul
          f32x4.sub
          v128.store
          local.get $o
          i32.const 16
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $vecs
        end
        local.get $k
        i32.const 1
        i32.add
        local.tee $k
        local.get $n
        i32.lt_s
        br_if $rows
      end
    end
    local.get $acc
  )

  ;; Record [θ]. θ ← θ − lr·g
  (func $sgd (export "sgd") (param $list i32) (param $n i32) (param $base i32) (param $rec i32) (param $nv i32) (param $lr f32) (result i32)
    (local $next i32) (local $acc i32) (local $k i32) (local $p i32) (local $g i32) (local $o i32) (local $rb i32) (local $vlr v128)
    local.get $nv
    i32.const 16
    i32.mul
    local.set $rb
    local.get $lr
    f32x4.splat
    local.set $vlr
    local.get $list
    i32.const 0
    i32.const 8
    local.get $n
    local.get $base
    local.get $rec
    local.get $rb
    call $touchRows
    local.set $acc
    block $done
      local.get $n
      i32.const 0
      i32.le_s
      br_if $done
      loop $rows
        local.get $k
        local.get $next
        i32.eq
        if
          local.get $acc
          local.get $list
          local.get $k
          i32.const 8
          i32.add
          local.tee $next
          local.get $k
          i32.const 16
          i32.add
          local.get $n
          local.get $base
          local.get $rec
          local.get $rb
          call $touchRows
          i32.or
          local.set $acc
        end
        local.get $list
        local.get $k
        i32.const 3
        i32.shl
        i32.add
        local.tee $p
        i32.load offset=4
        local.set $g
        local.get $base
        local.get $p
        i32.load
        local.get $rec
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        local.set $o
        loop $vecs
          local.get $p
          local.get $o
          i32.add
          local.get $p
          local.get $o
          i32.add
          v128.load
          local.get $vlr
          local.get $g
          local.get $o
          i32.add
          v128.load
          f32x4.mul
          f32x4.sub
          v128.store
          local.get $o
          i32.const 16
          i32.add
          local.tee $o
          local.get $rb
          i32.lt_s
          br_if $vecs
        end
        local.get $k
        i32.const 1
        i32.add
        local.tee $k
        local.get $n
        i32.lt_s
        br_if $rows
      end
    end
    local.get $acc
  )
)
`

let compiled: { module: WasmModule | null; reason: string | null } | undefined

function compile(): { module: WasmModule | null; reason: string | null } {
  if (compiled === undefined) {
    try {
      const bytes = assembleWat(KERNELS_WAT)
      compiled = wasmApi().validate(bytes)
        ? { module: new (wasmApi().Module)(bytes), reason: null }
        : { module: null, reason: 'this runtime rejects the WebAssembly SIMD/threads kernels' }
    } catch (e) {
      compiled = { module: null, reason: `WebAssembly SIMD kernels failed to compile: ${(e as Error).message}` }
    }
  }
  return compiled
}

/** The compiled SIMD kernels (assembled once), or null where this runtime lacks WebAssembly SIMD or threads. */
export function simdKernelsModule(): WasmModule | null {
  return compile().module
}

/** Why SIMD is unavailable (for the engine's availability report), or null. */
export function simdUnavailableReason(): string | null {
  return compile().reason
}
