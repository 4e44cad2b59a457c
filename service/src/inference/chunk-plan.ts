/** What the read step keeps of each chunk for the write step, a few bytes a row. */
import type { Predictions } from './run-model';

/** One chunk's rows: where they are in the upload and what was predicted for them. */
export interface ChunkPlan {
  /** The chunk's byte range in the upload. */
  start: number;
  end: number;
  /** Per row, the start and end of its text in the chunk's decoded text. */
  spans: Int32Array;
  /** Rows (by index in the chunk, ascending) written neutralised, because a cell would run as a formula. */
  neutralised: Int32Array;
  predictions: Predictions;
}

/** The typed arrays of chunk plans, which move between threads instead of being copied. */
export function planBuffers(chunks: ChunkPlan[]): ArrayBuffer[] {
  return chunks.flatMap((c) => [
    c.spans.buffer,
    c.neutralised.buffer,
    c.predictions.codes.buffer,
    ...(c.predictions.probabilities ? [c.predictions.probabilities.buffer] : []),
  ]) as ArrayBuffer[];
}
