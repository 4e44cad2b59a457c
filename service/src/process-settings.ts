/**
 * How the service's process is started: the image's CMD and ENV carry these (a test checks the
 * Dockerfile), and the bench starts the service with them. Together they keep a 32 MiB upload
 * within a small instance's memory (figures in bench/README.md):
 *   --expose-gc                 the main thread frees a large job's buffers as soon as it is done
 *                               with them (see memory.ts), instead of when V8's heuristics decide;
 *   --max-semi-space-size=1     the main thread's young generation stays small: it mostly moves
 *                               bytes, and short-lived network buffers are freed sooner (the
 *                               threads' own is set apart: limitThreadsYoungGeneration);
 *   --single-threaded-gc        no collector helper threads: on two cores they took CPU from the
 *                               inference threads (a 100k-row job ran about 15 % slower with them);
 *   MALLOC_MMAP_THRESHOLD_      freed network buffers (64 KiB each) go back to the system at once
 *                               instead of staying in glibc's heap;
 *   MALLOC_ARENA_MAX            the threads share two malloc arenas instead of one each, so less
 *                               freed memory sits idle in arenas.
 */
import { setFlagsFromString } from 'node:v8';

export const NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=1', '--single-threaded-gc'] as const;
export const PROCESS_ENV = { MALLOC_MMAP_THRESHOLD_: '32768', MALLOC_ARENA_MAX: '2' } as const;
/** What the image runs: the bundled service with its code cache (service/build/bundle.ts), built by `npm run build`. */
export const SERVICE_ENTRY = 'dist/bundle/server.js';

/** Semi-space of every thread the service starts: 4 MB of new space at most. */
export const THREAD_SEMI_SPACE_MB = 2;

/**
 * Caps the young generation of every thread started from now on (inference, workbook, PGlite,
 * template) at two semi-spaces of THREAD_SEMI_SPACE_MB. V8 reads the flag as each isolate is
 * created, so the main thread keeps the command line's; startService calls this before its first
 * thread. Why: on Node 24 a semi-space of 1 MB is not a cap (a workbook's thread grew its new space
 * to 8.5–10 MB, the test's thread to 33 MB), and a thread's own `resourceLimits` young generation
 * gives way to the process's flag; 2 MB holds. The bench's 31.5 MiB workbook peaked 5–6 MB lower,
 * a CSV of its rows as before, 30 CSV uploads in a row 4 MB higher (bench/README.md).
 */
export function limitThreadsYoungGeneration(): void {
  setFlagsFromString(`--max-semi-space-size=${THREAD_SEMI_SPACE_MB}`);
}
