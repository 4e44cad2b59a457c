/**
 * A workbook job's thread: exceljs holds a whole workbook as objects, a few hundred bytes a cell,
 * and makes much short-lived garbage. Here it runs beside the service, not in it: the main
 * thread's event loop goes on, its small young generation (process-settings.ts) does not slow
 * exceljs down, and the thread's heap limit (predict-workbook.ts) bounds the memory a workbook
 * may take: past it the thread alone ends, and the job gets a 413.
 */
import ExcelJS from 'exceljs';
import { parentPort, workerData } from 'node:worker_threads';
import { HttpProblem, type ProblemBody } from '../http/problem';
import { sheetTable, type SheetTable } from './sheet-table';
import { appendPredictions } from './write-back';
import type { WorkbookAnswer, WorkbookDone, WorkbookStart, WorkbookTable } from './workbook-protocol';

const port = parentPort!;

function problemOf(error: unknown): { kind: 'problem'; problem: ProblemBody } {
  if (error instanceof HttpProblem) return { kind: 'problem', problem: error.toBody() };
  throw error;
}

async function main(job: WorkbookStart): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  let table: SheetTable;
  try {
    try {
      // Data validations are left out: exceljs reads one over a range as one entry per cell, so the
      // checks Excel writes over whole columns (B2:B1048576, a few bytes each) took 21 s and 430 MB
      // for four columns, and ended the whole process past the thread's heap limit (V8's fatal
      // allocation failure, not the worker's out-of-memory error). The answer has none of them.
      await workbook.xlsx.load(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength) as unknown as ArrayBuffer, { ignoreNodes: ['dataValidations'] });
    } catch (error) {
      throw new HttpProblem(415, 'unsupported-workbook', `the workbook cannot be read (${(error as Error).message.slice(0, 200)}); open it in Excel and save it again as Excel Workbook (.xlsx)`);
    }
    table = sheetTable(workbook, job.features, job);
  } catch (error) {
    port.postMessage(problemOf(error) satisfies WorkbookTable);
    return;
  }
  const { headerRow, header } = table;
  // A copy in a buffer of its own, to move (a small Buffer is a slice of Node's shared pool).
  const csv = new Uint8Array(table.csv);
  port.postMessage({ kind: 'table', csv, headerRow, header } satisfies WorkbookTable, [csv.buffer as ArrayBuffer]);
  const { answer, added } = await new Promise<WorkbookAnswer>((resolve) => port.once('message', resolve));
  if (answer === null) return;
  appendPredictions(table, answer, added);
  const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
  port.postMessage({ kind: 'workbook', bytes } satisfies WorkbookDone, [bytes.buffer as ArrayBuffer]);
}

main(workerData as WorkbookStart).catch((error: unknown) => {
  port.postMessage({ kind: 'problem', problem: { type: '/problems/internal', title: 'Internal server error', status: 500, detail: String((error as Error)?.message ?? error) } } satisfies WorkbookDone);
});
