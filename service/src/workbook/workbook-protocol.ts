/** What the main thread and a workbook thread (workbook-thread.ts) send each other, in order. */
import type { ProblemBody } from '../http/problem';
import type { SheetChoice } from './sheet-table';

/** main → thread, first: the upload and what to read of it. */
export interface WorkbookStart extends SheetChoice {
  bytes: Uint8Array;
  features: string[];
}

/** thread → main: the sheet as the CSV rules' table, and where it is in the sheet; or why it cannot be read. */
export type WorkbookTable = { kind: 'table'; csv: Uint8Array; headerRow: number; header: string[] } | { kind: 'problem'; problem: ProblemBody };

/** main → thread, second: the CSV answer to add to the workbook, or null when the job ends here. */
export interface WorkbookAnswer {
  answer: string | null;
  added: string[];
}

/** thread → main: the workbook with the predictions. */
export type WorkbookDone = { kind: 'workbook'; bytes: Uint8Array } | { kind: 'problem'; problem: ProblemBody };
