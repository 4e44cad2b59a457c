/**
 * A workbook job's thread: reads the chosen sheet as it inflates into the table the CSV rules
 * take, keeps the answer's prediction columns as they stream past, then writes the workbook back
 * as it streams out. XML parsing makes much short-lived garbage; here it runs beside the service,
 * so the main thread's event loop goes on and its small young generation (process-settings.ts)
 * does not slow the parser down, and the thread's heap limit (predict-workbook.ts) bounds it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HttpProblem } from '../http/problem';
import { freeFinishedJob } from '../memory';
import { AnswerCells } from './answer-cells';
import { openBook } from './book';
import { readSheet } from './sheet-table';
import { tableCsv } from './table-csv';
import { writeBack } from './write-back';
import type { WorkbookAnswer, WorkbookMore, WorkbookOut, WorkbookStart, WorkbookTable } from './workbook-protocol';

const port = parentPort!;

/** Answer bytes taken between the thread's collections while the answer streams in. */
const ANSWER_COLLECT_BYTES = 8 << 20;

/** Messages from the main thread, in order, however fast they come. */
const inbox: unknown[] = [];
let waiting: ((message: unknown) => void) | undefined;
port.on('message', (message: unknown) => {
  if (waiting) {
    const w = waiting;
    waiting = undefined;
    w(message);
  } else inbox.push(message);
});
const receive = <T>(): Promise<T> => (inbox.length > 0 ? Promise.resolve(inbox.shift() as T) : new Promise<T>((resolve) => (waiting = resolve as (m: unknown) => void)));

async function main(job: WorkbookStart): Promise<void> {
  let table: Awaited<ReturnType<typeof tableCsv>>;
  let reading: Awaited<ReturnType<typeof readSheet>>;
  let book: Awaited<ReturnType<typeof openBook>>;
  try {
    book = await openBook(job.bytes);
    reading = await readSheet(book, job.features, job);
    table = await tableCsv(reading, job.features);
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    port.postMessage({ kind: 'problem', problem: error.toBody() } satisfies WorkbookTable);
    return;
  }
  const { headerRow, header } = reading;
  const { rows } = table;
  port.postMessage({ kind: 'table', csv: table.csv, headerRow, header } satisfies WorkbookTable);
  // The table's text is the pool's now: nothing here may keep it alive, and the reading's garbage
  // is collected before the thread waits out the prediction.
  table = undefined as unknown as typeof table;
  freeFinishedJob();
  const answer = new AnswerCells(job.added.length, job.regression);
  let uncollected = 0;
  for (;;) {
    const message = await receive<WorkbookAnswer>();
    if (message.kind === 'stop') return;
    if (message.kind === 'end') break;
    answer.push(message.bytes);
    // Each piece leaves its text (a large, old-space string) and its copy behind; collected every
    // few pieces, the heap stays near what the answer keeps instead of growing to tens of MB.
    uncollected += message.bytes.byteLength;
    if (uncollected >= ANSWER_COLLECT_BYTES) {
      uncollected = 0;
      freeFinishedJob();
    }
    port.postMessage({ kind: 'ack' } satisfies WorkbookOut);
  }
  answer.end();
  if (answer.rows !== rows.length) throw new Error(`the answer has ${answer.rows} rows for the sheet's ${rows.length}`);
  const { sheet, width, headerStyle, extent } = reading;
  await writeBack({ book, sheet, headerRow, width, headerStyle, extent, added: job.added, regression: job.regression, rows, answer }, async (bytes) => {
    // Moved, not copied: the batch's buffer is its own (write-back.ts), and comes back once sent.
    port.postMessage({ kind: 'piece', bytes } satisfies WorkbookOut, [bytes.buffer as ArrayBuffer]);
    return (await receive<WorkbookMore>()).spare;
  });
  port.postMessage({ kind: 'done' } satisfies WorkbookOut);
}

main(workerData as WorkbookStart).catch((error: unknown) => {
  port.postMessage({ kind: 'problem', problem: { type: '/problems/internal', title: 'Internal server error', status: 500, detail: String((error as Error)?.message ?? error) } } satisfies WorkbookOut);
});
