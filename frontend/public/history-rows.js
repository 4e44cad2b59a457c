// The history's rows (GET /api/history): an ordinary job as it is, a file sent in pieces as one
// row (its name, total rows, pieces and status, at its first piece's time) whose "download again"
// fetches the whole file's answer. The service groups the pieces, so a batch is one entry on one
// page of the history however it is paged. A module of its own: app.js renders what it returns.
import { downloadAgainButton, downloadBatchAgainButton, keptNow } from './kept-results.js';

/** The rows of the history's table for `entries`, in the page's language; `ui` as kept-results.js takes it. */
export function historyRows(entries, ui) {
  return entries.map((entry) => (entry.batch ? batchRow(entry.batch, ui) : jobRow(entry.job, ui)));
}

const modelOf = (x) => `${x.modelName}${x.modelVersion ? ` v${x.modelVersion}` : ''}`;
const count = (n, ui) => n.toLocaleString(ui.lang());

function jobRow(j, ui) {
  return [
    new Date(j.createdAt).toLocaleString(ui.lang()),
    modelOf(j),
    j.rows === null ? '—' : count(j.rows, ui),
    ui.t('statusNames')[j.status] ?? j.status,
    `${(j.durationMs / 1000).toFixed(2)} s`,
    keptNow(j) ? downloadAgainButton(j, ui) : '',
  ];
}

function batchRow(b, ui) {
  // The model, and under it which file this was and in how many pieces.
  const what = document.createElement('span');
  const file = document.createElement('small');
  file.className = 'batch-file';
  file.textContent = ui.t('batchFile', b.fileName ?? b.id, b.pieces);
  what.append(modelOf(b), document.createElement('br'), file);
  const status = b.status === 'errors' ? ui.t('batchErrors', b.errors) : ui.t('batchStatus')[b.status];
  return [
    new Date(b.firstAt).toLocaleString(ui.lang()),
    what,
    count(b.rows, ui),
    status,
    '—',
    b.result && Date.parse(b.result.expiresAt) > Date.now() ? downloadBatchAgainButton(b, ui) : '',
  ];
}
