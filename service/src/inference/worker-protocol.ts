/** What the main thread and an inference thread (worker.ts) send each other. */
import type { LoadedModel } from '../models/registry';
import type { PieceRead, PredictOutcome, PredictTask, ReadTask, WriteTask } from './predict-csv';

export interface WorkerData {
  models: LoadedModel[];
  intraOpNumThreads: number;
}

/** Small jobs go several to a message under load: one hand-over and one wake-up for the lot. */
export type WorkerTask = 'warm-up' | 'collect' | { kind: 'predict'; jobs: PredictTask[] } | ({ kind: 'read' } & ReadTask) | ({ kind: 'write' } & WriteTask);
/** A warm-up's answer: which thread has its sessions loaded. */
export type WarmedUp = { warmedUp: number };
/** A collection's answer: which thread has collected. */
export type Collected = { collected: number };
/** Each job's outcome, in order; a job that threw is its error's message, and fails alone. */
export type JobOutcomes = (PredictOutcome | { failed: string })[];
export type WorkerResult = WarmedUp | Collected | JobOutcomes | PieceRead | Uint8Array;
