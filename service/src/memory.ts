/**
 * Frees a large job's memory when the job is done with it. The main thread holds little of its own,
 * so V8 would wait long before collecting the large buffers it has let go of (an upload, network
 * chunks, answer batches); an upload in shared memory is not counted at all, in the main thread or
 * in the inference threads that read it (pool.ts, worker.ts). Runs only when the process was
 * started with --expose-gc (process-settings.ts), which every thread then has; otherwise V8
 * collects them in its own time. (`--trace-gc` on Node 24 shows the major one as a Mark-Compact;
 * issue 15 found a Scavenge on Node 20.)
 */
const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major'; execution: 'sync' }) => void }).gc;

/** A quick collection of young objects: the buffers just written or just received. */
export function freeRecentBuffers(): void {
  gc?.({ type: 'minor', execution: 'sync' });
}

/** A full collection, once a large job has ended, so its upload's memory is returned before the next. */
export function freeFinishedJob(): void {
  gc?.({ type: 'major', execution: 'sync' });
}
