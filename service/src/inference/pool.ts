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
  cpus: number;
}

function workerFile(): string {
  const built = join(__dirname, 'worker.js');
  return existsSync(built) ? built : join(__dirname, 'worker-dev.cjs');
}

export class InferencePool {
  private readonly pool: Piscina<WorkerTask, PredictOutcome | 'ready'>;

  constructor(registry: ModelRegistry, opts: InferencePoolOptions) {
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
    try {
      return (await this.pool.run(task)) as PredictOutcome;
    } catch (error) {
      if (error instanceof Error && /queue is at limit/i.test(error.message)) {
        throw new HttpProblem(503, 'overloaded', 'too many prediction jobs are waiting; retry shortly', {}, { 'Retry-After': '2' });
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
