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
import type { WorkerData, WorkerTask } from './worker';

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

function overloaded(): HttpProblem {
  return new HttpProblem(503, 'overloaded', 'too many prediction jobs are waiting; retry shortly', {}, { 'Retry-After': '2' });
}

export class InferencePool {
  private readonly pool: Piscina<WorkerTask, PredictOutcome | 'ready'>;
  private pendingBytes = 0;

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
      workerData,
    });
  }

  /** Starts every thread and loads its sessions, so the first request does not pay for it. */
  async warmUp(): Promise<void> {
    await Promise.all(Array.from({ length: this.pool.options.maxThreads }, () => this.pool.run('warm-up')));
  }

  get queued(): number {
    return this.pool.queueSize;
  }

  async predict(task: PredictTask): Promise<PredictOutcome> {
    const size = task.bytes.byteLength;
    // One job is always taken, however large, so the limit never refuses a lone upload.
    if (this.pendingBytes > 0 && this.pendingBytes + size > this.opts.maxPendingBytes) throw overloaded();
    this.pendingBytes += size;
    // The upload moves to the worker instead of being copied, unless it shares its memory with others.
    const owned = task.bytes.byteOffset === 0 && task.bytes.byteLength === task.bytes.buffer.byteLength;
    const bytes = owned ? task.bytes : task.bytes.slice();
    try {
      return (await this.pool.run({ ...task, bytes }, { transferList: [bytes.buffer as ArrayBuffer] })) as PredictOutcome;
    } catch (error) {
      if (error instanceof Error && /queue is at limit/i.test(error.message)) throw overloaded();
      throw error;
    } finally {
      this.pendingBytes -= size;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
