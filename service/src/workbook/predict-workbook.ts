/**
 * A prediction job for an Excel workbook: checked as a container (container.ts), its sheet read
 * as a table (sheet-table.ts) and predicted by the same path as a CSV, then answered as the
 * workbook with the prediction columns added (write-back.ts), or as CSV when asked.
 */
import ExcelJS from 'exceljs';
import { COMMA } from '../csv/cells';
import { outputColumns } from '../csv/write-output';
import { HttpProblem, ProblemBody } from '../http/problem';
import type { InferencePool, PoolOutcome } from '../inference/pool';
import type { Problem } from '../inference/predict-csv';
import type { Manifest } from '../models/manifest';
import { checkWorkbook } from './container';
import { SheetChoice, sheetTable, withCells } from './sheet-table';
import { appendPredictions } from './write-back';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface WorkbookJob extends SheetChoice {
  bytes: Uint8Array;
  manifest: Manifest;
  /** Answer as CSV instead of the workbook. */
  csv: boolean;
}

export type WorkbookOutcome =
  | { ok: true; rows: number; classCounts?: Record<string, number>; format: 'xlsx' | 'csv'; body: Uint8Array }
  | Problem;

async function collect(body: Extract<PoolOutcome, { ok: true }>['body']): Promise<Buffer> {
  if ('bytes' in body) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  const pieces: Buffer[] = [];
  for await (const piece of body.stream) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (error) {
    throw new HttpProblem(415, 'unsupported-workbook', `the workbook cannot be read (${(error as Error).message.slice(0, 200)}); open it in Excel and save it again as Excel Workbook (.xlsx)`);
  }
  return workbook;
}

export async function predictWorkbook(job: WorkbookJob, pool: InferencePool): Promise<WorkbookOutcome> {
  try {
    await checkWorkbook(job.bytes);
    const workbook = await load(job.bytes);
    const table = sheetTable(
      workbook,
      job.manifest.features.map((f) => f.name),
      job,
    );
    const outcome = await pool.predict({ model: job.manifest.name, bytes: table.csv, encoding: 'utf-8', outputEncoding: 'utf-8', delimiter: COMMA });
    if (!outcome.ok) {
      const problem: ProblemBody = { ...outcome.problem, errors: withCells(outcome.problem.errors, table) };
      return { ok: false, problem };
    }
    const answer = await collect(outcome.body);
    const summary = { rows: outcome.rows, classCounts: outcome.classCounts };
    if (job.csv) return { ok: true, ...summary, format: 'csv', body: answer };
    appendPredictions(table, answer.toString('utf8'), outputColumns(job.manifest));
    const body = new Uint8Array(await workbook.xlsx.writeBuffer());
    return { ok: true, ...summary, format: 'xlsx', body };
  } catch (error) {
    if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
    throw error;
  }
}
