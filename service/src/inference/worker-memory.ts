/**
 * When an inference thread collects its garbage. A large upload is shared memory, which V8 does not
 * count as the thread's memory: a finished job's upload stays until the thread's next full
 * collection, and nothing prompts one. Under load one comes about once per 32 MiB job anyway
 * (`--trace-gc`); an idle thread never collects. So the thread collects once it has been idle for
 * a moment, and at once if finished jobs' uploads pile up. A collection after every job cost the
 * 100k-row file about 15 % (bench/README.md).
 */
import { BroadcastChannel } from 'node:worker_threads';
import { freeFinishedJob } from '../memory';

/** Quiet time after which a thread that read a shared upload collects. */
const IDLE_MS = 1000;
/**
 * Finished uploads a thread may hold as garbage before it collects without waiting to be idle: for
 * the 100k-row file (12.5 MiB) a collection every fifth job.
 */
const MAX_GARBAGE_BYTES = 64 << 20;

export interface TaskWatch {
  started(): void;
  finished(readShared: boolean): void;
}

/** Listens on `channel`, where the main thread posts the upload size of each job with a shared upload that has ended. */
export function collectFinishedUploads(channel: string): TaskWatch {
  let running = 0;
  /** A task on a shared upload has finished since this thread last collected. */
  let touched = false;
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
      if (readShared) touched = true;
      waitForIdle();
    },
  };
}
