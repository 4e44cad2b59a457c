/**
 * The inference worker pool. onnxruntime's run and the CSV work are CPU-bound and would block
 * the event loop, so whole jobs run in worker threads; the queue in front of them is bounded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Piscina from 'piscina';
import { HttpProblem } from '../http/problem';
import type { ModelRegistry } from '../models/registry';
import type { PredictOutcome, PredictTask } from './predict-csv';
import { detectEncoding } from '../csv/decode';
import { joinOutcomes, splitUpload } from './split-upload';
import type { WarmedUp, WorkerData, WorkerTask } from './worker';

/** Below this, one thread finishes sooner than two would after splitting and joining. */
const SPLIT_MIN_BYTES = 2 * 1024 * 1024;

export interface InferencePoolOptions {
  threads: number;
  /** Jobs that may wait for a free thread; past it callers get 503 with Retry-After. */
  maxQueued: number;
  /** Upload bytes held by waiting and running jobs; past it callers get 503 (memory stays bounded). */
  maxPendingBytes: number;
  cpus: number;
}

function workerFile(): string {
  const built = join(__dirname, 'worker.js');
  return existsSync(built) ? built : join(__dirname, 'worker-dev.cjs');
}

/** A copy with a buffer of its own (Buffer#slice would return a view of the same memory). */
const copyOf = (bytes: Uint8Array) => new Uint8Array(bytes);

function overloaded(): HttpProblem {
  return new HttpProblem(503, 'overloaded', 'too many prediction jobs are waiting; retry shortly', {}, { 'Retry-After': '2' });
}

export class InferencePool {
  private readonly pool: Piscina<WorkerTask, PredictOutcome | WarmedUp>;
  private pendingBytes = 0;
  /** Tasks handed to piscina and not yet settled, queued ones included. */
  private active = 0;
  private onIdle: (() => void) | undefined;

  constructor(
    registry: ModelRegistry,
    private readonly opts: InferencePoolOptions,
  ) {
    const workerData: WorkerData = {
      models: registry.list(),
      // Threads share the CPUs: each session gets its share, never fewer than one.
      intraOpNumThreads: Math.max(1, Math.floor(opts.cpus / opts.threads)),
    };
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: opts.threads,
      maxThreads: opts.threads,
      maxQueue: opts.maxQueued,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // While one task waits (on onnxruntime's run or on posting its answer) a second keeps the thread busy.
      concurrentTasksPerWorker: 2,
      workerData,
    });
  }

  /**
   * Resolves once every thread has loaded its sessions, so the first request does not pay for it.
   * A thread takes two tasks at a time, so warm-ups repeat until each thread has answered one.
   */
  async warmUp(): Promise<void> {
    const warmed = new Set<number>();
    while (warmed.size < this.opts.threads) {
      const answers = await Promise.all(Array.from({ length: this.opts.threads }, () => this.pool.run('warm-up') as Promise<WarmedUp>));
      for (const a of answers) warmed.add(a.warmedUp);
      if (warmed.size < this.opts.threads) await new Promise((r) => setTimeout(r, 10));
    }
  }

  async predict(task: PredictTask): Promise<PredictOutcome> {
    const size = task.bytes.byteLength;
    // One job is always taken, however large, so the limit never refuses a lone upload.
    if (this.pendingBytes > 0 && this.pendingBytes + size > this.opts.maxPendingBytes) throw overloaded();
    this.pendingBytes += size;
    // The upload moves to a worker instead of being copied, unless it shares its memory with others.
    const owned = task.bytes.byteOffset === 0 && task.bytes.byteLength === task.bytes.buffer.byteLength;
    task = owned ? task : { ...task, bytes: copyOf(task.bytes) };
    try {
      const split = this.splittable(task) ? splitUpload(task.bytes, this.opts.threads) : undefined;
      if (!split) return await this.runOne(task);
      // Detected once for the whole upload: a piece alone might be plain ASCII.
      const encoding = task.encoding ? undefined : detectEncoding(task.bytes);
      // Later pieces are copied out first; the first moves with the upload's own buffer.
      const tasks = split.pieces.map((bytes, index) => ({
        ...task,
        bytes: index === 0 ? bytes : copyOf(bytes),
        part: { index, header: index === 0 ? undefined : copyOf(split.header), encoding },
      }));
      return joinOutcomes(await Promise.all(tasks.map((t) => this.runOne(t))));
    } finally {
      this.pendingBytes -= size;
    }
  }

  /**
   * Large uploads are split across the threads. Not for Shift_JIS output, whose error message
   * names a row only the whole file can number.
   */
  private splittable(task: PredictTask): boolean {
    return this.opts.threads > 1 && task.bytes.byteLength >= SPLIT_MIN_BYTES && task.outputEncoding !== 'shift_jis';
  }

  /** Runs a task whose bytes (and header) own their buffers, which move to the thread. */
  private async runOne(task: PredictTask): Promise<PredictOutcome> {
    const transferList = [task.bytes.buffer as ArrayBuffer, ...(task.part?.header ? [task.part.header.buffer as ArrayBuffer] : [])];
    this.active++;
    try {
      return (await this.pool.run(task, { transferList })) as PredictOutcome;
    } catch (error) {
      if (error instanceof Error && /queue is at limit/i.test(error.message)) throw overloaded();
      throw error;
    } finally {
      if (--this.active === 0) this.onIdle?.();
    }
  }

  /**
   * Finishes every task already taken, queued ones too (their callers may have hung up, but a
   * thread terminated inside onnxruntime aborts the process), then stops the threads.
   */
  async close(): Promise<void> {
    if (this.active > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    await this.pool.close();
  }
}
