/** What the read step keeps of each chunk for the write step, a few bytes a row. */
import type { Predictions } from '../models/predictions';

/**
 * Text read, validated and predicted at a time: about a thousand rows, many enough for
 * onnxruntime's runs, few enough that a thread's heap stays small (its limits are in pool.ts).
 */
export const CHUNK_BYTES = 128 * 1024;
/**
 * Longest single record. A longer one is nearly always a quote that never closes, and the
 * parser would hold all of it at once, past the thread's heap limit.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** One chunk's rows: where they are in the upload and what was predicted for them. */
export interface ChunkPlan {
  /** The chunk's byte range in the upload. */
  start: number;
  end: number;
  /** Per row, the start and end of its text in the chunk's bytes (line break excluded): [start0, end0, start1, …]. */
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
    ...(c.predictions.values ? [c.predictions.values.buffer] : []),
    ...(c.predictions.probabilities ? [c.predictions.probabilities.buffer] : []),
  ]) as ArrayBuffer[];
}
