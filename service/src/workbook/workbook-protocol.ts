/**
 * What the main thread and a workbook thread (workbook-thread.ts) send each other, in order. Each
 * side sends one message and waits for the other's before the next, so neither piles up pieces.
 */
import type { ProblemBody } from '../http/problem';
import type { SheetChoice } from './sheet-table';

/** main → thread, first: the upload and what to read of it. */
export interface WorkbookStart extends SheetChoice {
  bytes: Uint8Array;
  features: string[];
  /** The columns the answer adds, and whether the model is a regressor (its one column a number). */
  added: string[];
  regression: boolean;
}

/** thread → main: the sheet as the CSV rules' table (in shared memory), and where it is in the sheet; or why it cannot be read. */
export type WorkbookTable = { kind: 'table'; csv: Uint8Array; headerRow: number; header: string[] } | WorkbookProblem;

/**
 * main → thread, after the table: the CSV answer, a piece at a time (each acknowledged by an
 * `ack`), then `end` (write the workbook) or `stop` (the job ends here: a CSV answer, or a problem).
 */
export type WorkbookAnswer = { kind: 'piece'; bytes: Uint8Array } | { kind: 'end' } | { kind: 'stop' };

/** thread → main: a piece of the workbook with the predictions (main answers `more`), then `done`; or why not. */
export type WorkbookOut = { kind: 'ack' } | { kind: 'piece'; bytes: Uint8Array } | { kind: 'done' } | WorkbookProblem;

/** main → thread: the last piece has been taken; its buffer comes back to be written into again. */
export type WorkbookMore = { kind: 'more'; spare: ArrayBuffer };

export type WorkbookProblem = { kind: 'problem'; problem: ProblemBody };
