/** Piscina worker: holds one onnxruntime session per model and runs whole prediction jobs off the main thread. */
import { threadId } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import Piscina from 'piscina';
import type { LoadedModel } from '../models/registry';
import { predictCsv, PredictOutcome, PredictTask } from './predict-csv';

export interface WorkerData {
  models: LoadedModel[];
  intraOpNumThreads: number;
}

export type WorkerTask = PredictTask | 'warm-up';
/** A warm-up's answer: which thread has its sessions loaded. */
export type WarmedUp = { warmedUp: number };

async function init(): Promise<(task: WorkerTask) => Promise<PredictOutcome | WarmedUp>> {
  const { models, intraOpNumThreads } = Piscina.workerData as WorkerData;
  const sessions = new Map<string, { model: LoadedModel; session: ort.InferenceSession }>();
  for (const model of models) {
    const session = await ort.InferenceSession.create(model.servable, { intraOpNumThreads, interOpNumThreads: 1 }).catch((e: Error) => {
      throw new Error(`${model.manifest.name}.onnx: onnxruntime cannot load it: ${e.message}`);
    });
    sessions.set(model.manifest.name, { model, session });
  }
  return async (task) => {
    if (task === 'warm-up') return { warmedUp: threadId };
    const entry = sessions.get(task.model);
    if (!entry) throw new Error(`worker has no session for model ${task.model}`);
    const outcome = await predictCsv(task, entry.model, entry.session);
    if (!outcome.ok) return outcome;
    // The answer's buffers move to the main thread instead of being copied.
    const movable = { [Piscina.transferableSymbol]: outcome.body.map((b) => b.buffer), [Piscina.valueSymbol]: outcome };
    return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as PredictOutcome;
  };
}

module.exports = init();
