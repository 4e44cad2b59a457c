/**
 * A workbook job's thread: reads the chosen sheet as it inflates, validates and predicts its rows
 * run by run with the model's own onnxruntime session (predict-sheet.ts), then writes the answer
 * as it streams out: the workbook with the prediction columns added (write-back.ts), or CSV
 * (sheet-csv.ts). XML parsing makes much short-lived garbage; here it runs beside the service, so
 * the main thread's event loop goes on and its small young generation (process-settings.ts) does
 * not slow the parser down, and the thread's heap limit (predict-workbook.ts) bounds it.
 */
import { on } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { HttpProblem } from '../http/problem';
import { openBook } from './book';
import { predictSheet } from './predict-sheet';
import { writeSheetCsv } from './sheet-csv';
import { readSheet } from './sheet-table';
import { writeBack } from './write-back';
import { outputColumns } from '../csv/write-output';
import type { WorkbookMore, WorkbookOut, WorkbookRead, WorkbookStart } from './workbook-protocol';

const port = parentPort!;

/** Messages from the main thread, in order, however fast they come (events.on queues them). */
const messages = on(port, 'message');
const receive = async <T>(): Promise<T> => (await messages.next()).value![0] as T;

/** Hands a piece of the answer to the main thread and waits until it is taken. */
async function send(bytes: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  // Moved, not copied: the batch's buffer is its own (out-batches.ts), and comes back once sent.
  port.postMessage({ kind: 'piece', bytes } satisfies WorkbookOut, [bytes.buffer]);
  return (await receive<WorkbookMore>()).spare;
}

async function main(job: WorkbookStart): Promise<void> {
  const { model } = job;
  const features = model.manifest.features.map((f) => f.name);
  let book: Awaited<ReturnType<typeof openBook>>;
  let predicted: Awaited<ReturnType<typeof predictSheet>>;
  let reading: Awaited<ReturnType<typeof readSheet>>;
  try {
    book = await openBook(job.bytes);
    reading = await readSheet(book, features, job);
    // The model's session, once the sheet is known to have its columns; one thread of onnxruntime's
    // own (this thread is the job's: the pool's threads go on with other jobs), released once predicted.
    // The addon itself is loaded with this thread's modules, so a thread that runs out of memory
    // reading shared strings ends with it loaded (workbook.test.ts).
    const session = await ort.InferenceSession.create(model.servable, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      predicted = await predictSheet(reading, model, session);
    } finally {
      await session.release();
    }
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    port.postMessage({ kind: 'problem', problem: error.toBody() } satisfies WorkbookRead);
    return;
  }
  const { predictions } = predicted;
  port.postMessage({ kind: 'read', rows: predictions.rows, classCounts: predictions.classCounts() } satisfies WorkbookRead);
  // The answer is written from a second reading of the sheet: nothing of the first was kept.
  if (job.csv) await writeSheetCsv(await readSheet(book, features, { sheet: job.sheet, headerRow: reading.headerRow }), model.manifest, predicted, send);
  else {
    // The first reading has run to the sheet's end, so its extent is the whole sheet's.
    const { sheet, headerRow, width, headerStyle, extent } = reading;
    await writeBack({ book, sheet, headerRow, width, headerStyle, extent, added: outputColumns(model.manifest), rows: predicted.rows, predictions }, send);
  }
  port.postMessage({ kind: 'done' } satisfies WorkbookOut);
}

main(workerData as WorkbookStart).catch((error: unknown) => {
  port.postMessage({ kind: 'problem', problem: { type: '/problems/internal', title: 'Internal server error', status: 500, detail: String((error as Error)?.message ?? error) } } satisfies WorkbookOut);
});
