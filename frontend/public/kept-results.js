/**
 * Kept answers on the page (issue 18): every predict request the page sends asks for its answer to
 * be kept (the page's jobs always are), and the history offers a kept answer again, with the name
 * and type it was sent with, until it expires. A module of its own: app.js only calls these.
 */

/** A predict URL with keep=true added to whatever query it has (a piece's batch and row_offset, a preview's format). */
export function keptPredictUrl(url) {
  return `${url}${url.includes('?') ? '&' : '?'}keep=true`;
}

/** Whether a job of the history can be downloaded again now. */
export function keptNow(job, now = Date.now()) {
  return Boolean(job.result) && Date.parse(job.result.expiresAt) > now;
}

/** The name a kept answer was sent under (Content-Disposition's UTF-8 form), else the job's id. */
export function keptFileName(disposition, jobId) {
  const name = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '')?.[1];
  return name ? decodeURIComponent(name) : `${jobId}.csv`;
}

/**
 * The history's "download again" button for a kept job. `ui` is what the page owns: its texts
 * (`t`), its language, how it shows a problem (`showProblem`, `problemOf`) and saves a file (`save`).
 */
export function downloadAgainButton(job, ui) {
  return downloadButton(`/api/jobs/${encodeURIComponent(job.id)}/result`, job.result.expiresAt, job.id, ui);
}

/** The same for a file sent in pieces (a batch of the history, history-rows.js): its whole answer, under its original name. */
export function downloadBatchAgainButton(batch, ui) {
  return downloadButton(`/api/batches/${encodeURIComponent(batch.id)}/result`, batch.result.expiresAt, batch.id, ui);
}

function downloadButton(url, expiresAt, id, ui) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = ui.t('downloadAgain');
  button.title = ui.t('keptUntil', new Date(expiresAt).toLocaleString(ui.lang()));
  button.addEventListener('click', async () => {
    const res = await fetch(url).catch(() => null);
    if (!res) return ui.showProblem(-1, {});
    if (!res.ok) return ui.showProblem(0, { detail: (await ui.problemOf(res)).detail ?? ui.t('statusOther', res.status) });
    ui.save(await res.blob(), keptFileName(res.headers.get('content-disposition'), id));
  });
  return button;
}
