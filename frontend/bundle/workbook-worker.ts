/**
 * The page's reader of a workbook answer, run as a Web Worker so a sheet of 200,000 rows does not
 * hold the page's main thread: the service's own workbook code (service/src/workbook/book.ts for
 * the shared strings and date styles, sheet-rows.ts for the rows as the sheet inflates), bundled
 * by frontend/dev/vendor.ts into public/vendor/workbook-worker.js with node:zlib as fflate. Only
 * the summary (answer-summary.js: the first rows, class counts, histogram values) goes back.
 */
import { openBook } from '../../service/src/workbook/book';
import { sheetRows } from '../../service/src/workbook/sheet-rows';
// @ts-expect-error the page's module is plain JavaScript
import { AnswerSummary } from '../public/answer-summary.js';

export interface WorkbookRequest {
  blob: Blob;
  model: { task: string; classes?: string[] };
  /** The columns the service appended to the table's header row (the model's output columns). */
  added: string[];
}

const endsWith = (header: string[], added: string[]) => header.length >= added.length && added.every((name, k) => header[header.length - added.length + k] === name);

/** Adds the answer's rows to `summary`: the first sheet with a header row ending with `added`, each row under it that has a prediction. */
export async function summariseWorkbook(bytes: Uint8Array, added: string[], summary: { columnsOf(header: string[]): unknown; addRow(cells: string[], columns: unknown): void }): Promise<void> {
  const book = await openBook(bytes);
  for (const sheet of book.sheets) {
    let header: string[] | undefined;
    let columns: unknown;
    for await (const row of sheetRows(book, sheet)) {
      if (!header) {
        if (endsWith(row.texts, added)) {
          header = row.texts;
          columns = summary.columnsOf(header);
        }
        continue;
      }
      const cells = Array.from({ length: header.length }, (_, k) => row.texts[k] ?? '');
      // Rows left empty in the sheet get no prediction.
      if (cells[header.length - added.length] !== '') summary.addRow(cells, columns);
    }
    if (header) return;
  }
}

self.onmessage = async ({ data }: MessageEvent<WorkbookRequest>) => {
  try {
    const summary = new AnswerSummary(data.model);
    await summariseWorkbook(new Uint8Array(await data.blob.arrayBuffer()), data.added, summary);
    const values = Float64Array.from(summary.values as number[]);
    const { rows, fields, preview, counts } = summary;
    self.postMessage({ ok: true, rows, fields, preview, counts, values }, { transfer: [values.buffer] });
  } catch (error) {
    self.postMessage({ ok: false, message: (error as Error).message });
  }
};
