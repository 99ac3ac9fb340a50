/**
 * Throughput of the item2vec trainer (./sgns.ts) in effective words/s —
 * centre items trained after subsampling, gensim's measure — at gensim's
 * Word2Vec defaults: window 5, 100-d, 5 negatives, subsample 1e-3.
 * Reference: gensim's Word2Vec does ~470,000 effective words/s with 2
 * workers on the 2-core box this was written on.
 *
 *   100k set: 100,000 interactions (2,000 users × ~50, 1,000 items, 20
 *             clusters), one whole epoch;
 *   10M set:  10,000,000 interactions (200,000 users × ~50, 50,000 items, 500
 *             clusters): the vocabulary counts (negative table, subsampling)
 *             are the whole set's, but only a prefix of the sequences is
 *             trained — 2,000,000 items (quick: 500,000) — and the rate is
 *             that of the prefix (a full epoch runs at the same per-word
 *             cost; the note says so);
 *   whole sequence: the 100k set with window 0 (every other item of the
 *             history is a context: ~49 pairs a word instead of ~6) and no
 *             subsampling, 1 thread, with the exact pair rate in the note.
 * Each is timed after a short warm-up in the calling thread; "1 thread" is
 * the deterministic mode, "N threads" the calling thread plus N − 1 Hogwild
 * workers (worker start-up included). Never asserts; timings depend on the
 * machine.
 *
 * Measured (2-core AMD EPYC VM, Node 20, 5 runs, 4 --quick; ranges), effective words/s:
 *                    1 thread      2 threads
 *   100k set         500–740k      480–640k    (1,000 items: every row shared, lines bounce)
 *   10M set          250–360k      405–505k    (the two vCPUs far apart: a line crosses in ~230 ns)
 * Native reference on the same sequences and box (2026-12-06; a scratch C
 * program, not in the repo: word2vec.c's skip-gram loop over pre-loaded
 * sentences, vocabulary sorted by count, gcc -O3 -march=native), 1 / 2
 * threads: with gensim's negative draws (bisect of a cumulative table) and
 * vectorised dot products (-ffast-math, as BLAS sdot): 100k 421k / 780k,
 * 10M 200k / 408k; word2vec.c as its Makefile builds it (scalar dot products,
 * the 400 MB unigram table): 100k 81k / 127k, 10M 44k / 98k. Same session,
 * this bench: 100k 433k / 498k, 10M 219k / 556k.
 * When the host placed the vCPUs on a shared cache (~50 ns a line), 2 threads
 * ran 600–640k on 1,000,000 interactions of the same 50,000 items. The
 * machine is noisy: compare runs made back to back.
 * Before the whole loop moved into WebAssembly (a wasm call per pair, the
 * draws in JS; the threads one share each): 100k 450–550k / 320–345k, 10M
 * 230–285k / 350–375k. The 10M set's 50,000 items are nearly equally
 * popular, so the ~30 syn1neg rows a word reads come from memory, not cache
 * (with negatives from 800 items instead it runs at the 100k set's rate).
 *
 *   npx tsx src/main/item2vec/bench.ts [--quick]
 */
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { buildSequences, type Sequences } from './sequences'
import { SGNS_DEFAULTS, type SgnsParams, trainSgns } from './sgns'
import { syntheticHistories } from './synthetic'

export interface Item2vecBenchRow {
  name: string
  value: number
  unit: string
  note: string
}

const BENCH_PARAMS: SgnsParams = { ...SGNS_DEFAULTS, dim: 100, window: 5, negatives: 5, subsample: 0.001, epochs: 1 }

export async function benchmarkItem2vec(opts: { quick: boolean; log?: (line: string) => void }): Promise<Item2vecBenchRow[]> {
  const log = opts.log ?? (() => {})
  const cores = availableParallelism()
  const threadCounts = cores > 1 ? [1, cores] : [1]
  const rows: Item2vecBenchRow[] = []

  const small = sequencesOf(100_000, { nUsers: 2_000, nItems: 1_000, clusters: 20, seed: 1 })
  // Warm-up: let the calling thread's kernel reach its optimised code.
  await trainSgns(prefix(small.seqs, 20_000), small.nItems, { ...BENCH_PARAMS, dim: 100 })

  for (const threads of threadCounts) {
    const r = await trainSgns(small.seqs, small.nItems, { ...BENCH_PARAMS, threads })
    log(`100k, ${threads} thread(s): ${Math.round(r.wordsPerSec)} words/s`)
    rows.push({ name: `100k interactions, ${threads} thread${threads > 1 ? 's' : ''}`, value: Math.round(r.wordsPerSec), unit: 'words/s', note: `${r.kernel} kernel, 1 epoch, ${r.effectiveWords.toLocaleString('en-US')} effective words; gensim ≈ 470,000 with 2 workers` })
  }

  // Whole-sequence window (window 0): every other item of the user's history is a context,
  // so a word costs (sequence length − 1) pairs instead of ~6. Without subsampling, so the
  // pairs are exactly Σ n(n − 1) and the pair rate is exact too.
  {
    const r = await trainSgns(small.seqs, small.nItems, { ...BENCH_PARAMS, window: 0, subsample: 0, threads: 1 })
    const { offsets } = small.seqs
    let pairs = 0
    let items = 0
    for (let q = 0; q + 1 < offsets.length; q++) {
      const n = offsets[q + 1]! - offsets[q]!
      pairs += n * (n - 1)
      items += n
    }
    const pairsPerSec = (r.wordsPerSec * pairs) / items
    log(`100k whole sequence, 1 thread: ${Math.round(r.wordsPerSec)} words/s, ${Math.round(pairsPerSec)} pairs/s`)
    rows.push({
      name: '100k interactions, whole-sequence window, 1 thread',
      value: Math.round(r.wordsPerSec),
      unit: 'words/s',
      note: `${r.kernel} kernel, no subsampling, ${(pairs / items).toFixed(1)} context pairs a word: ${(pairsPerSec / 1e6).toFixed(2)} M pairs/s (window 5: ~6 a word)`,
    })
  }

  const big = sequencesOf(10_000_000, { nUsers: 200_000, nItems: 50_000, clusters: 500, seed: 2 })
  const words = opts.quick ? 500_000 : 2_000_000
  const part = prefix(big.seqs, words)
  for (const threads of threadCounts) {
    const r = await trainSgns(part, big.nItems, { ...BENCH_PARAMS, threads })
    log(`10M, ${threads} thread(s): ${Math.round(r.wordsPerSec)} words/s`)
    rows.push({
      name: `10M interactions, ${threads} thread${threads > 1 ? 's' : ''}`,
      value: Math.round(r.wordsPerSec),
      unit: 'words/s',
      note: `${r.kernel} kernel, first ${part.offsets[part.offsets.length - 1]!.toLocaleString('en-US')} of 10,000,000 items (1 epoch ≈ ${Math.round(big.seqs.totalItems / r.wordsPerSec)} s at this rate), 50,000 items`,
    })
  }
  return rows
}

function sequencesOf(n: number, o: { nUsers: number; nItems: number; clusters: number; seed: number }): { seqs: Sequences; nItems: number } {
  const h = syntheticHistories(n, o)
  return { seqs: buildSequences(h, h.nUsers, h.nItems, { minRating: null, minItemCount: 1, minSequenceLength: 2 }), nItems: h.nItems }
}

/** The first sequences up to ~words items, with the whole set's vocabulary counts. */
function prefix(seqs: Sequences, words: number): Sequences {
  let s = 0
  while (s + 1 < seqs.offsets.length && seqs.offsets[s]! < words) s++
  return { ...seqs, offsets: seqs.offsets.subarray(0, s + 1), items: seqs.items.subarray(0, seqs.offsets[s]!), owner: seqs.owner.subarray(0, s) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick')
  benchmarkItem2vec({ quick, log: (line) => console.error(line) })
    .then((rows) => console.table(rows))
    .catch((e: unknown) => {
      console.error(e)
      process.exit(1)
    })
}
