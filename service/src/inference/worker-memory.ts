/**
 * When an inference thread collects its garbage. A large upload is shared memory, which V8 does not
 * count as the thread's memory: a finished job's upload stays until the thread's next full
 * collection, and nothing prompts one. Under load one comes about once per 32 MiB job anyway
 * (`--trace-gc`); an idle thread never collects. So the thread collects once it has been idle for
 * a moment, and at once if finished jobs' uploads pile up with no collection in between. A
 * collection after every job cost the 100k-row file about 15 % (bench/README.md).
 */
import { constants, PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { freeFinishedJob } from '../memory';

/** Quiet time after which a thread that read a shared upload collects. */
const IDLE_MS = 1000;
/** Finished uploads a thread may hold as garbage before it collects without waiting to be idle. */
const MAX_GARBAGE_BYTES = 64 << 20;

export interface TaskWatch {
  started(): void;
  finished(readShared: boolean): void;
}

/** Listens on `channel`, where the main thread posts the upload size of each job with a shared upload that has ended. */
export function collectFinishedUploads(channel: string): TaskWatch {
  let running = 0;
  /** A task on a shared upload has finished since the last full collection. */
  let touched = false;
  /** When the last task on a shared upload finished: only a collection after it frees that upload. */
  let lastFinished = 0;
  /** Upload bytes of jobs that have ended since (more than this thread's garbage when it took part in only some). */
  let garbage = 0;
  let idle: NodeJS.Timeout | undefined;

  const forget = () => {
    touched = false;
    garbage = 0;
    clearTimeout(idle);
  };
  const collect = () => {
    forget();
    freeFinishedJob();
  };
  const waitForIdle = () => {
    clearTimeout(idle);
    if (touched && running === 0) idle = setTimeout(collect, IDLE_MS).unref();
  };
  // Any full collection, V8's own too, frees what was let go of before it began. (Entries arrive
  // some time after the collection, so they are told apart by when they began.)
  new PerformanceObserver((list) => {
    const major = (e: PerformanceEntry) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
    if (list.getEntries().some((e) => major(e) && e.startTime > lastFinished)) forget();
  }).observe({ entryTypes: ['gc'] });

  const ended = new BroadcastChannel(channel);
  ended.unref();
  ended.onmessage = (event) => {
    if (!touched) return;
    garbage += (event as { data: number }).data;
    if (garbage >= MAX_GARBAGE_BYTES) collect();
    else waitForIdle();
  };
  return {
    started: () => {
      running++;
      clearTimeout(idle);
    },
    finished: (readShared) => {
      running--;
      if (readShared) {
        touched = true;
        lastFinished = performance.now();
      }
      waitForIdle();
    },
  };
}
