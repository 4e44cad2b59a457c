/** What the main thread and an inference thread (worker.ts) send each other. */
import type { LoadedModel } from '../models/registry';
import type { PieceRead, PredictOutcome, PredictTask, ReadTask, WriteTask } from './predict-csv';

export interface WorkerData {
  models: LoadedModel[];
  intraOpNumThreads: number;
}

export type WorkerTask = 'warm-up' | ({ kind: 'predict' } & PredictTask) | ({ kind: 'read' } & ReadTask) | ({ kind: 'write' } & WriteTask);
/** A warm-up's answer: which thread has its sessions loaded. */
export type WarmedUp = { warmedUp: number };
export type WorkerResult = WarmedUp | PredictOutcome | PieceRead | Uint8Array;
