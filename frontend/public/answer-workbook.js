// A workbook answer's rows for the preview and summary, read in the browser from the answer
// itself, so a workbook upload is one job (before, the page ran it again as ?format=csv). The
// reader is the service's own workbook code run in a Web Worker (vendor/workbook-worker.js, built
// from frontend/bundle/workbook-worker.ts), so a sheet of 200,000 rows leaves the page responsive
// and only the summary (first rows, class counts, histogram values) comes back to this thread.
import { PREVIEW_ROWS } from './answer-summary.js';

/**
 * Adds a workbook answer's rows to the page's AnswerSummary (answer-summary.js), as a CSV
 * answer's are: the header's cells, then each predicted row's.
 */
export async function addAnswerWorkbook(summary, blob, added) {
  const worker = new Worker('/vendor/workbook-worker.js');
  try {
    const model = { task: summary.classifier ? 'classification' : 'regression', classes: summary.classes };
    const read = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.ok ? resolve(data) : reject(new Error(data.message)));
      worker.onerror = (event) => reject(new Error(event.message || 'the workbook reader did not start'));
      worker.postMessage({ blob, model, added });
    });
    if (read.fields === null) return; // no sheet's header ends with the prediction columns
    summary.rows += read.rows;
    summary.fields ??= read.fields;
    summary.preview.push(...read.preview.slice(0, Math.max(0, PREVIEW_ROWS - summary.preview.length)));
    for (const [name, count] of read.counts) summary.counts.set(name, (summary.counts.get(name) ?? 0) + count);
    for (const value of read.values) summary.values.push(value);
  } finally {
    worker.terminate();
  }
}
