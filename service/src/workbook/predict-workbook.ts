/**
 * A prediction job for an Excel workbook: checked as a container here (container.ts), then read
 * in a thread of its own (workbook-thread.ts) into the CSV rules' table, predicted by the same
 * path as a CSV, and answered as the workbook with the prediction columns added, or as CSV.
 */
import { Worker } from 'node:worker_threads';
import { COMMA } from '../csv/cells';
import { outputColumns } from '../csv/write-output';
import { HttpProblem, ProblemBody } from '../http/problem';
import type { Admission, InferencePool, PoolOutcome } from '../inference/pool';
import type { Problem } from '../inference/predict-csv';
import type { Manifest } from '../models/manifest';
import { threadFile } from '../thread-file';
import { checkWorkbook } from './container';
import { SheetChoice, withCells } from './sheet-table';
import type { WorkbookAnswer, WorkbookDone, WorkbookStart, WorkbookTable } from './workbook-protocol';

export { XLSX_MEDIA_TYPE as XLSX_TYPE } from '../http/contract';

/**
 * The heap a workbook's thread may use. exceljs holds the whole workbook as objects; past this
 * the thread ends and the job is refused (413), so one workbook cannot take the instance's memory.
 */
export const WORKBOOK_HEAP_MB = 320;

export interface WorkbookJob extends SheetChoice {
  bytes: Uint8Array;
  manifest: Manifest;
  /** Answer as CSV instead of the workbook. */
  csv: boolean;
}

export type WorkbookOutcome = { ok: true; rows: number; classCounts?: Record<string, number>; format: 'xlsx' | 'csv'; body: Uint8Array } | Problem;

async function collect(body: Extract<PoolOutcome, { ok: true }>['body']): Promise<Buffer> {
  if ('bytes' in body) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  const pieces: Buffer[] = [];
  for await (const piece of body.stream) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

function tooLarge(): HttpProblem {
  return new HttpProblem(
    413,
    'too-large',
    `the workbook needs more than ${WORKBOOK_HEAP_MB} MB of memory to read and write back; save the sheet as "CSV UTF-8" (read up to the upload limit) or split the workbook`,
  );
}

/** The thread's messages, one at a time; its end (an out-of-memory one included) becomes a problem. */
class WorkbookThread {
  private readonly worker: Worker;
  private readonly ended: Promise<never>;

  constructor(start: WorkbookStart) {
    this.worker = new Worker(threadFile(__dirname, 'workbook-thread'), {
      workerData: start,
      resourceLimits: { maxOldGenerationSizeMb: WORKBOOK_HEAP_MB, maxYoungGenerationSizeMb: 32 },
    });
    this.ended = new Promise<never>((_, reject) => {
      this.worker.once('error', (error: Error & { code?: string }) => reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooLarge() : error));
      this.worker.once('exit', () => reject(new Error('the workbook thread ended without an answer')));
    });
    this.ended.catch(() => undefined);
  }

  next<T>(): Promise<T> {
    return Promise.race([new Promise<T>((resolve) => this.worker.once('message', resolve)), this.ended]);
  }

  send(message: WorkbookAnswer): void {
    this.worker.postMessage(message);
  }

  async end(): Promise<void> {
    await this.worker.terminate();
  }
}

/** `admission` is the request's hold on the pool's budget (taken before the upload was read), if any. */
export async function predictWorkbook(job: WorkbookJob, pool: InferencePool, admission?: Admission): Promise<WorkbookOutcome> {
  let thread: WorkbookThread | undefined;
  try {
    await checkWorkbook(job.bytes);
    thread = new WorkbookThread({ bytes: job.bytes, features: job.manifest.features.map((f) => f.name), sheet: job.sheet, headerRow: job.headerRow });
    const table = await thread.next<WorkbookTable>();
    if (table.kind === 'problem') return { ok: false, problem: table.problem };
    const outcome = await pool.predict({ model: job.manifest.name, bytes: table.csv, encoding: 'utf-8', outputEncoding: 'utf-8', delimiter: COMMA }, admission);
    if (!outcome.ok) {
      const problem: ProblemBody = { ...outcome.problem, errors: withCells(outcome.problem.errors, table) };
      return { ok: false, problem };
    }
    const answer = await collect(outcome.body);
    const summary = { rows: outcome.rows, classCounts: outcome.classCounts };
    if (job.csv) return { ok: true, ...summary, format: 'csv', body: answer };
    thread.send({ answer: answer.toString('utf8'), added: outputColumns(job.manifest) });
    const done = await thread.next<WorkbookDone>();
    if (done.kind === 'problem') return { ok: false, problem: done.problem };
    return { ok: true, ...summary, format: 'xlsx', body: done.bytes };
  } catch (error) {
    if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
    throw error;
  } finally {
    await thread?.end();
  }
}
