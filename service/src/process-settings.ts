/**
 * How the service's process is started: the image's CMD and ENV carry these (a test checks the
 * Dockerfile), and the bench starts the service with them. Together they keep a 32 MiB upload
 * within a small instance's memory (figures in bench/README.md):
 *   --expose-gc                 the main thread frees a large job's buffers as soon as it is done
 *                               with them (see memory.ts), instead of when V8's heuristics decide;
 *   --max-semi-space-size=1     the main thread's young generation stays at 1 MB: it mostly moves
 *                               bytes, and short-lived network buffers are freed sooner;
 *   --single-threaded-gc        no collector helper threads: on two cores they took CPU from the
 *                               inference threads (a 100k-row job ran about 15 % slower with them);
 *   MALLOC_MMAP_THRESHOLD_      freed network buffers (64 KiB each) go back to the system at once
 *                               instead of staying in glibc's heap;
 *   MALLOC_ARENA_MAX            the threads share two malloc arenas instead of one each, so less
 *                               freed memory sits idle in arenas.
 */
export const NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=1', '--single-threaded-gc'] as const;
export const PROCESS_ENV = { MALLOC_MMAP_THRESHOLD_: '32768', MALLOC_ARENA_MAX: '2' } as const;
/** What the image runs: the bundled service with its code cache (service/build/bundle.ts), built by `npm run build`. */
export const SERVICE_ENTRY = 'dist/bundle/server.js';
