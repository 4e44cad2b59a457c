/**
 * A prediction job for an Excel workbook: checked as a container here (container.ts), then read,
 * predicted and answered in a thread of its own (workbook-thread.ts), which streams the answer out
 * piece by piece: the workbook with the prediction columns added, or CSV.
 */
import { Worker } from 'node:worker_threads';
import { HttpProblem } from '../http/problem';
import { freeAllUnused } from '../memory';
import type { Problem } from '../inference/predict-csv';
import type { LoadedModel } from '../models/registry';
import { threadFile } from '../thread-file';
import { checkWorkbook } from './container';
import type { SheetChoice } from './sheet-table';
import type { WorkbookSlots } from './workbook-slots';
import type { WorkbookMore, WorkbookOut, WorkbookRead, WorkbookStart } from './workbook-protocol';

export { XLSX_MEDIA_TYPE as XLSX_TYPE } from '../http/contract';

/**
 * The heap a workbook's thread may use. It holds the shared strings, one piece of the sheet's
 * XML and a run of rows at a time, and a few bytes a row of predictions; past this the thread
 * alone ends, and the job is refused (413).
 */
export const WORKBOOK_HEAP_MB = 160;

export interface WorkbookJob extends SheetChoice {
  bytes: Uint8Array;
  model: LoadedModel;
  /** Answer as CSV instead of the workbook. */
  csv: boolean;
}

export type WorkbookOutcome =
  | { ok: true; rows: number; classCounts?: Record<string, number>; format: 'xlsx' | 'csv'; body: { stream: AsyncIterable<Uint8Array> } }
  | Problem;

function tooLarge(): HttpProblem {
  return new HttpProblem(
    413,
    'too-large',
    `the workbook needs more than ${WORKBOOK_HEAP_MB} MB of memory to read and write back (its shared strings are held whole); save the sheet as "CSV UTF-8" or split the workbook`,
  );
}

/** The thread's messages, in order; its end (an out-of-memory one included) becomes a problem. */
class WorkbookThread {
  private readonly worker: Worker;
  private readonly ended: Promise<never>;
  private readonly inbox: unknown[] = [];
  private waiting: ((message: unknown) => void) | undefined;

  /** `freeSlot` is called once the thread has ended. */
  constructor(
    start: WorkbookStart,
    private readonly freeSlot: () => void,
  ) {
    const { buffer, byteOffset, byteLength } = start.bytes;
    // The upload moves to the thread when it is a buffer of its own (not a slice of Node's pool): the thread then holds its only copy.
    const own = buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength;
    this.worker = new Worker(threadFile(__dirname, 'workbook-thread'), {
      workerData: start,
      transferList: own ? [buffer] : [],
      // The young generation is every thread's (process-settings.ts limitThreadsYoungGeneration),
      // which a limit here does not change; a larger one peaked higher (bench/README.md).
      resourceLimits: { maxOldGenerationSizeMb: WORKBOOK_HEAP_MB },
    });
    this.worker.on('message', (message: unknown) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(message);
      else this.inbox.push(message);
    });
    this.ended = new Promise<never>((_, reject) => {
      this.worker.once('error', (error: Error & { code?: string }) => reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooLarge() : error));
      this.worker.once('exit', () => reject(new Error('the workbook thread ended without an answer')));
    });
    this.worker.once('exit', freeSlot);
    this.ended.catch(() => undefined);
  }

  next<T>(): Promise<T> {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift() as T);
    return Promise.race([new Promise<T>((resolve) => (this.waiting = resolve as (m: unknown) => void)), this.ended]);
  }

  send(message: WorkbookMore, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  async end(): Promise<void> {
    await this.worker.terminate();
    this.freeSlot();
    // As the pool does when a large job ends (pool.ts jobEnded): the main thread allocates too little
    // to collect on its own, and uploads of workbooks sent one after another piled up until it idled
    // (12 in a row of 15 MiB: 259 MB before, 367 MB without this).
    freeAllUnused();
  }
}

const problemOf = (error: unknown): Problem => {
  if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
  throw error;
};

/**
 * The workbook with the predictions, as the thread writes it, from its first piece. The thread
 * ends with the stream: at its end, on a problem, or when the stream is returned, even before it
 * was begun (a generator's `finally` would not run then, and the thread would keep its turn).
 */
class WorkbookPieces implements AsyncIterableIterator<Uint8Array> {
  private first: WorkbookOut | undefined;
  /** The piece handed out last: once the next is asked for, the socket has taken it. */
  private taken: Uint8Array | undefined;
  private ended = false;

  constructor(
    private readonly thread: WorkbookThread,
    first: WorkbookOut,
  ) {
    this.first = first;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.ended) return { done: true, value: undefined };
    try {
      if (this.taken) {
        // Its buffer goes back for the next piece, as the pool's batches do, instead of waiting for a
        // full collection (the main thread allocates too little to prompt one).
        const spare = this.taken.buffer as ArrayBuffer;
        this.taken = undefined;
        this.thread.send({ kind: 'more', spare }, [spare]);
      }
      let out = this.first ?? (await this.thread.next<WorkbookOut>());
      this.first = undefined;
      while (out.kind !== 'piece') {
        if (out.kind === 'done') return await this.return();
        if (out.kind === 'problem') throw new Error(out.problem.detail);
        out = await this.thread.next<WorkbookOut>();
      }
      this.taken = out.bytes;
      return { done: false, value: out.bytes };
    } catch (error) {
      await this.return();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.ended) {
      this.ended = true;
      this.taken = undefined;
      await this.thread.end();
    }
    return { done: true, value: undefined };
  }
}

export interface WorkbookRun {
  /** Whose turn it is: a job waits for a slot before its thread starts. */
  slots: WorkbookSlots;
}

/** The upload's bytes may move to the workbook's thread: the caller must not read them after. */
export async function predictWorkbook(job: WorkbookJob, { slots }: WorkbookRun): Promise<WorkbookOutcome> {
  let thread: WorkbookThread | undefined;
  let handedOver = false;
  try {
    checkWorkbook(job.bytes);
    const freeSlot = await slots.take();
    // The network chunks the upload arrived in are garbage now (the pool frees them too, pool.ts),
    // and some outlived young collections while the body was read, so a full collection: they are
    // freed before the job's thread grows (the 32 MiB bench workbook peaked 4 MB lower).
    freeAllUnused();
    try {
      thread = new WorkbookThread({ bytes: job.bytes, model: job.model, sheet: job.sheet, headerRow: job.headerRow, csv: job.csv }, freeSlot);
    } catch (error) {
      freeSlot();
      throw error;
    }
    const read = await thread.next<WorkbookRead>();
    if (read.kind === 'problem') return { ok: false, problem: read.problem };
    // The first piece, or the problem that stops the answer being written, before the answer starts.
    const first = await thread.next<WorkbookOut>();
    if (first.kind === 'problem') return { ok: false, problem: first.problem };
    handedOver = true;
    return { ok: true, rows: read.rows, classCounts: read.classCounts, format: job.csv ? 'csv' : 'xlsx', body: { stream: new WorkbookPieces(thread, first) } };
  } catch (error) {
    return problemOf(error);
  } finally {
    if (!handedOver) await thread?.end();
  }
}
