/**
 * What the main thread and a workbook thread (workbook-thread.ts) send each other, in order. Each
 * answer piece waits for the main thread's `more` before the next, so pieces never pile up.
 */
import type { ProblemBody } from '../http/problem';
import type { LoadedModel } from '../models/registry';
import type { SheetChoice } from './sheet-table';

/** main → thread, first: the upload, the model, what to read of the upload and how to answer. */
export interface WorkbookStart extends SheetChoice {
  bytes: Uint8Array;
  model: LoadedModel;
  /** Answer as CSV instead of the workbook. */
  csv: boolean;
}

/**
 * thread → main, once the sheet is read and predicted: how many rows, the predictions' classes, and
 * that the answer follows; or why the sheet cannot be predicted.
 */
export type WorkbookRead = { kind: 'read'; rows: number; classCounts?: Record<string, number> } | WorkbookProblem;

/** thread → main, then: a piece of the answer (main answers `more`), then `done`; or why not. */
export type WorkbookOut = { kind: 'piece'; bytes: Uint8Array } | { kind: 'done' } | WorkbookProblem;

/** main → thread: the last piece has been taken; its buffer comes back to be written into again. */
export type WorkbookMore = { kind: 'more'; spare: ArrayBuffer };

export type WorkbookProblem = { kind: 'problem'; problem: ProblemBody };
