/**
 * Piscina worker: holds one onnxruntime session per model and runs prediction work off the main
 * thread. Its export is the task handler's promise, nothing else (types are in worker-protocol.ts),
 * so the code-cache launcher knows when set-up is done.
 */
import { threadId } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import Piscina from 'piscina';
import type { LoadedModel } from '../models/registry';
import type { Collected, JobOutcomes, WorkerData, WorkerResult, WorkerTask } from './worker-protocol';
import { planBuffers } from './chunk-plan';
import { predictCsv, readPiece, writeBatch } from './predict-csv';
import { freeAllUnused } from '../memory';

/** `value` with `buffers` moved to the main thread instead of copied (each is the answer's own). */
function moved<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  const movable = { [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: value };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as T;
}

/**
 * A full collection, asked for by the main thread once finished uploads pile up or the pool is
 * idle (pool.ts): a large upload is shared memory, which V8 does not count as this thread's, so
 * nothing else prompts one, and a thread waiting in Atomics.wait for its next task runs nothing.
 */
function collect(): Collected {
  freeAllUnused();
  return { collected: threadId };
}

async function init(): Promise<(task: WorkerTask) => Promise<WorkerResult>> {
  const { models, intraOpNumThreads } = Piscina.workerData as WorkerData;
  const sessions = new Map<string, { model: LoadedModel; session: ort.InferenceSession }>();
  for (const model of models) {
    const session = await ort.InferenceSession.create(model.servable, { intraOpNumThreads, interOpNumThreads: 1 }).catch((e: Error) => {
      throw new Error(`${model.manifest.name}.onnx: onnxruntime cannot load it: ${e.message}`);
    });
    sessions.set(model.manifest.name, { model, session });
  }
  const entryFor = (name: string) => {
    const entry = sessions.get(name);
    if (!entry) throw new Error(`worker has no session for model ${name}`);
    return entry;
  };
  return async (task) => {
    if (task === 'warm-up') return { warmedUp: threadId };
    if (task === 'collect') return collect();
    switch (task.kind) {
      case 'predict': {
        const outcomes: JobOutcomes = [];
        for (const job of task.jobs) {
          try {
            const { model, session } = entryFor(job.model);
            outcomes.push(await predictCsv(job, model, session));
          } catch (error) {
            outcomes.push({ failed: error instanceof Error ? error.message : String(error) });
          }
        }
        return moved(outcomes, outcomes.flatMap((o) => ('ok' in o && o.ok ? [o.body.buffer as ArrayBuffer] : [])));
      }
      case 'read': {
        const { model, session } = entryFor(task.model);
        const read = await readPiece(task.upload, task.piece, task, model, session);
        return read.ok ? moved(read, planBuffers(read.chunks)) : read;
      }
      case 'write': {
        const batch = writeBatch(task, entryFor(task.model).model);
        return moved(batch, [batch.buffer as ArrayBuffer]);
      }
    }
  };
}

module.exports = init();
