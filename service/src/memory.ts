/**
 * Frees a large job's memory when the job is done with it. The main thread holds little of its own,
 * so V8 would wait long before collecting the large buffers it has let go of (an upload, network
 * chunks, answer batches); an upload in shared memory is not counted at all, in the main thread or
 * in the inference threads that read it (pool.ts, worker.ts). Runs only when the process was
 * started with --expose-gc (process-settings.ts), which every thread then has; otherwise V8
 * collects them in its own time. (`--trace-gc` on Node 24 shows the major one as a Mark-Compact;
 * issue 15 found a Scavenge on Node 20.)
 */
import { getHeapStatistics } from 'node:v8';

const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major'; execution: 'sync' }) => void }).gc;

/** A quick collection of young objects: the buffers just written or just received. */
export function freeRecentBuffers(): void {
  gc?.({ type: 'minor', execution: 'sync' });
}

/**
 * A full collection: once a large job has ended, so its upload's memory is returned before the
 * next; or before a long job starts, so what reading its upload left is.
 */
export function freeAllUnused(): void {
  gc?.({ type: 'major', execution: 'sync' });
}

/** Least growth of the heap and its buffers, past what was live after the last collection, that collectEachStep collects. */
const HEAP_STEP_BYTES = 4 << 20;
let liveAfterCollection = 0;

/**
 * The heap's objects and the buffers they hold. A buffer's bytes live outside the heap (V8's
 * external memory), freed only once the collector frees the small object that holds them; those
 * that outlived young collections (inflated pieces, deflated output, answer pieces waiting to make a
 * batch) wait for a full one, while the heap itself hardly grows.
 */
function heldBytes(): number {
  const { used_heap_size, external_memory } = getHeapStatistics();
  return used_heap_size + external_memory;
}

/**
 * A full collection once this thread's heap, with the buffers it holds, has grown a step (4 MB, or
 * a quarter of what was live if more) since the last, for a long job whose garbage steadily
 * outlives young collections (a workbook's thread moved about 0.9 kB a row of the bench sheet to
 * the old generation while reading it). V8 lets the old generation grow by at least 16 MB before it
 * collects (its least step on 64-bit): the thread's heap went from about 8 MB live to 24 MB and
 * back all through a 32 MiB workbook. Counting the heap alone, buffers piled up while the answer
 * was written: counting them too, the 32 MiB bench workbook peaked 4 MB lower (bench/README.md).
 * Each collection takes about 15 ms there; the 32 MiB workbook took about 13 % longer, and 5–8 %
 * more once buffers counted. Call it between pieces of work; it costs a heap statistics read when
 * nothing is collected. The first call collects, so the steps count from what is live, not from
 * what set-up left.
 */
export function collectEachStep(): void {
  if (!gc) return;
  const held = heldBytes();
  if (liveAfterCollection > 0 && held < liveAfterCollection + Math.max(HEAP_STEP_BYTES, liveAfterCollection / 4)) return;
  gc({ type: 'major', execution: 'sync' });
  liveAfterCollection = heldBytes();
}
