// The upload page: picks a model, uploads a CSV through /api (the Pages Function adds the
// credentials), and shows the result, its errors, or the job history. No framework: the DOM is small.
// A CSV larger than one piece goes in pieces (split-upload.js).
import { AnswerSummary } from './answer-summary.js';
import { addAnswerWorkbook } from './answer-workbook.js';
import { initialLanguage, MESSAGES } from './i18n.js';
import { historyRows } from './history-rows.js';
import { keptPredictUrl } from './kept-results.js';
import { renderSheetChoice } from './sheet-choice.js';
import { MAX_REQUEST_BYTES, pieceSettings, scoreInPieces } from './split-upload.js';
import { fetchTemplate } from './template.js';

const $ = (id) => document.getElementById(id);
const BINS = 10;

const state = {
  lang: initialLanguage(localStorage.getItem('lang'), navigator.languages ?? [navigator.language]),
  models: [],
  file: null,
  sheet: null, // a workbook's sheet, chosen after the service said the first one lacks the columns
  result: null, // { blob, name, rows, model, version, task, classes, summary }
  problem: null, // { status, body, retryAfter }
  jobs: null, // the caller's history; null until /api/history has answered
  historyFailed: false, // the first /api/history failed
  caller: null, // { caller, admin } from /api/me
  cancel: null, // aborts a file being sent in pieces
  cancelled: false,
};
const t = (key, ...args) => {
  const m = MESSAGES[state.lang][key];
  return typeof m === 'function' ? m(...args) : m;
};

/** What the history's "download again" (kept-results.js) needs of the page. */
const keptUi = { t, lang: () => state.lang, showProblem, problemOf, save: saveBlob };

// ---- language ----------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  renderModel();
  renderProblem();
  renderResult();
  renderHistory();
  renderCaller();
}

for (const button of document.querySelectorAll('[data-lang]')) {
  button.addEventListener('click', () => {
    state.lang = button.dataset.lang;
    localStorage.setItem('lang', state.lang);
    applyLanguage();
  });
}

// ---- models ------------------------------------------------------------------------------

const selectedModel = () => state.models.find((m) => m.name === $('model').value);

async function loadModels() {
  const res = await fetch('/api/models');
  if (!res.ok) return showProblem(res.status, await problemOf(res), res.headers.get('retry-after'));
  const body = await res.json();
  state.models = body.models;
  const select = $('model');
  select.replaceChildren(...state.models.map((m) => new Option(`${m.name} (v${m.version})`, m.name, m.default, m.default)));
  select.disabled = false;
  $('template').disabled = $('template-csv').disabled = false;
  renderModel();
}

function renderModel() {
  const model = selectedModel();
  if (!model) return;
  $('model-description').textContent = model.description ?? '';
  $('columns').replaceChildren(
    ...model.features.map((f) => {
      const li = document.createElement('li');
      li.textContent = f.name;
      const note = document.createElement('small');
      note.textContent = ` ${f.type}${model.emptyAllowed?.includes(f.name) ? `, ${t('emptyAllowed')}` : ''}`;
      li.append(note);
      return li;
    }),
  );
}

$('model').addEventListener('change', renderModel);
for (const [id, format] of [['template', 'xlsx'], ['template-csv', 'csv']]) {
  $(id).addEventListener('click', async () => {
    const model = selectedModel();
    const res = await fetchTemplate(model, format, state.lang).catch(() => null);
    if (!res?.ok) return res ? showProblem(res.status, await problemOf(res), res.headers.get('retry-after')) : showProblem(-1, {});
    saveBlob(await res.blob(), `${model.name}-template.${format}`);
  });
}

// ---- file choice -------------------------------------------------------------------------

function chooseFile(file) {
  state.file = file ?? null;
  state.sheet = null;
  $('file-name').textContent = file ? `${file.name} (${formatBytes(file.size)})` : '';
}

$('file').addEventListener('change', (e) => chooseFile(e.target.files[0]));
const zone = $('dropzone');
zone.addEventListener('dragover', (e) => {
  e.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  if (e.dataTransfer.files.length) chooseFile(e.dataTransfer.files[0]);
});

// ---- upload ------------------------------------------------------------------------------

/** XMLHttpRequest, not fetch: it reports upload progress. */
function upload(model, file, onProgress, query = '') {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', keptPredictUrl(`/api/models/${encodeURIComponent(model)}/predict${query}`));
    xhr.responseType = 'blob';
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.upload.onload = () => onProgress(1);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new Error('network'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

function setBusy(phase, fraction = 0, secondsLeft = null) {
  const busy = phase !== null;
  $('predict').disabled = busy;
  $('progress-area').hidden = !busy;
  $('cancel').hidden = phase !== 'pieces';
  $('progress').value = Math.round(fraction * 100);
  $('progress-label').textContent =
    phase === 'uploading' ? `${t('uploading')} ${Math.round(fraction * 100)}%` : phase === 'working' ? t('working') : phase === 'pieces' ? t('piecesProgress', Math.floor(fraction * 100), secondsLeft) : '';
  if (phase === 'working') $('progress').removeAttribute('value'); // indeterminate while the model runs
  $('status').textContent = $('progress-label').textContent;
}

/** A CSV (or UTF-16 text) over one piece: sent in pieces, answered as one file. False when it cannot be cut (a workbook) and fits one request. */
async function predictInPieces(model, settings) {
  const summary = new AnswerSummary(model);
  const controller = new AbortController();
  state.cancel = () => controller.abort();
  setBusy('pieces', 0);
  try {
    const outcome = await scoreInPieces({
      file: state.file,
      model: model.name,
      settings,
      signal: controller.signal,
      onProgress: ({ done, total, secondsLeft }) => setBusy('pieces', done / total, secondsLeft),
      onRetry: ({ waitMs }) => ($('status').textContent = t('pieceRetry', Math.ceil(waitMs / 1000))),
      onAnswer: (text) => summary.add(text),
    });
    if (outcome.ok) {
      const own = /\.(tsv|txt)$/i.exec(state.file.name);
      state.result = {
        blob: outcome.blob,
        name: `${state.file.name.replace(/\.[^.]*$/, '')}-predictions.${own ? own[1].toLowerCase() : 'csv'}`,
        rows: summary.rows,
        model: outcome.headers.get('x-model-name') ?? model.name,
        version: outcome.headers.get('x-model-version') ?? model.version,
        task: model.task,
        classes: model.classes ?? [],
        summary,
      };
      renderResult();
    } else if (outcome.kind === 'rows') {
      showProblem(422, { detail: t('fileErrors', outcome.totalErrors), errors: outcome.errors, totalErrors: outcome.totalErrors });
    } else if (outcome.kind === 'refused') {
      showProblem(outcome.status, outcome.problem);
    } else if (outcome.kind === 'not-utf16') {
      showProblem(0, { detail: t('notUtf16', outcome.at) });
    } else if (state.file.size > MAX_REQUEST_BYTES) {
      showProblem(0, { detail: t('notSplittable', outcome.what) });
    } else {
      return false;
    }
    return true;
  } catch (error) {
    if (error?.name !== 'AbortError') throw error;
    state.cancelled = true;
    return true;
  } finally {
    state.cancel = null;
  }
}

$('cancel').addEventListener('click', () => state.cancel?.());

$('predict').addEventListener('click', async () => {
  const model = selectedModel();
  if (!state.file) return showProblem(0, { detail: t('noFile') });
  state.result = null;
  state.problem = null;
  state.cancelled = false;
  renderResult();
  renderProblem();
  const settings = pieceSettings();
  try {
    if (state.file.size > settings.pieceBytes && (await predictInPieces(model, settings))) return;
    setBusy('uploading', 0);
    const xhr = await upload(model.name, state.file, (f) => setBusy(f < 1 ? 'uploading' : 'working', f), state.sheet === null ? '' : `?sheet=${encodeURIComponent(state.sheet)}`);
    if (xhr.status === 200) await showResult(xhr, model);
    else showProblem(xhr.status, await problemOf(xhr.response), xhr.getResponseHeader('retry-after'));
  } catch {
    showProblem(-1, {});
  } finally {
    setBusy(null);
    $('status').textContent = state.result ? t('done', state.result.rows.toLocaleString(state.lang)) : state.cancelled ? t('cancelled') : '';
    loadHistory();
    // The job log is written in the background: look again once it has landed.
    setTimeout(loadHistory, 1500);
  }
});

// ---- result ------------------------------------------------------------------------------

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An answer's text: UTF-16 by its byte order mark (Excel's "Unicode text" comes back as such), else UTF-8. */
async function textOf(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  return new TextDecoder(encoding).decode(bytes).replace(/^\ufeff/, '');
}

/** The answer's file type, which is the upload's: a workbook, a .tsv/.txt, or CSV. */
function answerExtension(xhr) {
  if ((xhr.getResponseHeader('content-type') ?? '').startsWith(XLSX_TYPE)) return 'xlsx';
  const own = /\.(tsv|txt)$/i.exec(state.file.name);
  return own ? own[1].toLowerCase() : 'csv';
}

async function showResult(xhr, model) {
  const blob = xhr.response;
  const extension = answerExtension(xhr);
  const summary = new AnswerSummary(model);
  // A workbook answer's rows are read from the workbook itself: one job, not a second one for its CSV form.
  if (extension === 'xlsx') await addAnswerWorkbook(summary, blob, model.outputColumns);
  else summary.add(await textOf(blob));
  const base = state.file.name.replace(/\.[^.]*$/, '');
  state.result = {
    blob,
    name: `${base}-predictions.${extension}`,
    rows: summary.rows,
    model: xhr.getResponseHeader('x-model-name') ?? model.name,
    version: xhr.getResponseHeader('x-model-version') ?? model.version,
    task: model.task,
    classes: model.classes ?? [],
    summary,
  };
  renderResult();
}

function renderResult() {
  const r = state.result;
  $('result').hidden = !r;
  if (!r) return;
  $('result-rows').textContent = r.rows.toLocaleString(state.lang);
  $('result-model').textContent = `${r.model} v${r.version}`;
  const { summary } = r;
  const classifier = r.task === 'classification';
  $('class-share-block').hidden = !classifier;
  if (classifier) renderShares(summary.counts, summary.rows);
  $('histogram-title').textContent = classifier ? t('histogramProbability') : t('histogramPrediction');
  renderHistogram(summary.values, classifier ? [0, 1] : undefined);
  const link = $('download');
  if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
  link.dataset.url = URL.createObjectURL(r.blob);
  link.href = link.dataset.url;
  link.download = r.name;
  link.textContent = t('download', r.name);
  $('preview-title').textContent = t('preview', summary.preview.length);
  renderTable($('preview'), summary.fields ?? [], summary.preview);
}

function renderShares(counts, total) {
  $('class-share').replaceChildren(
    ...[...counts].map(([label, n]) => {
      const li = document.createElement('li');
      const share = total ? n / total : 0;
      const name = document.createElement('span');
      name.textContent = label;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${share * 100}%`;
      const figure = document.createElement('span');
      figure.textContent = `${n.toLocaleString(state.lang)} (${(share * 100).toFixed(1)}%)`;
      li.append(name, bar, figure);
      return li;
    }),
  );
}

function renderHistogram(values, range) {
  let [lo, hi] = range ?? [Infinity, -Infinity];
  // Not Math.min(...values): a large file has more values than a call may have arguments.
  if (!range) for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const width = (hi - lo) / BINS || 1;
  const counts = new Array(BINS).fill(0);
  for (const v of values) counts[Math.min(BINS - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  const max = Math.max(1, ...counts);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 400 180');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('histogramLabel', values.length));
  counts.forEach((n, i) => {
    const h = (n / max) * 140;
    const rect = document.createElementNS(ns, 'rect');
    Object.entries({ x: 10 + i * 38, y: 150 - h, width: 34, height: h }).forEach(([k, v]) => rect.setAttribute(k, v));
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${format(lo + i * width)} – ${format(lo + (i + 1) * width)}: ${n}`;
    rect.append(title);
    const label = document.createElementNS(ns, 'text');
    Object.entries({ x: 10 + i * 38, y: 165 }).forEach(([k, v]) => label.setAttribute(k, v));
    label.textContent = format(lo + i * width);
    svg.append(rect, label);
  });
  $('histogram').replaceChildren(svg);
}

// ---- problems ----------------------------------------------------------------------------

async function problemOf(body) {
  try {
    const text = typeof body === 'string' ? body : await (body instanceof Blob ? body : await body.blob()).text();
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function showProblem(status, body, retryAfter) {
  state.problem = { status, body, retryAfter };
  state.result = null;
  renderResult();
  renderProblem();
}

function problemText({ status, body, retryAfter }) {
  if (status === 0) return body.detail;
  if (status === -1) return t('network');
  // No or a stale Access assertion (the function's answer), before the service's own 401.
  if (body?.type === '/problems/access-denied') return t('signInAgain');
  if (status === 401) return t('status401');
  if (status === 404) return t('status404');
  if (status === 411) return t('status411');
  if (body?.sheets?.length) return t('pickSheet');
  // A workbook refused for what it is (.xls, macros, a password) or for its contents' size: the service's sentence says what to save instead.
  if (body?.type === '/problems/unsupported-workbook' || (status === 413 && /workbook/.test(body?.detail ?? ''))) return body.detail;
  if (status === 413) return t('status413');
  if (status === 415) return t('status415');
  if (status === 502) return t('status502');
  if (status === 429 || status === 503) return t('status503', retryAfter);
  if (status === 400 || status === 422) return body.detail ?? t('statusOther', status);
  return t('statusOther', status);
}

function renderProblem() {
  const p = state.problem;
  $('errors').hidden = !p;
  if (!p) return;
  $('error-text').textContent = problemText(p);
  renderSheetChoice(p, (sheet) => {
    state.sheet = sheet;
    $('predict').click();
  });
  const errors = p.body.errors ?? [];
  $('error-table').hidden = errors.length === 0;
  $('error-count').textContent = errors.length ? t('errorsTable', errors.length, p.body.totalErrors ?? errors.length) : '';
  // Data rows are 1-based under the header, so the spreadsheet shows them one lower; a workbook's errors name their cell (its header may be lower).
  const sheetRow = (e) => /^[A-Z]*\s*(\d+)$/.exec(e.cell?.replace(/^row /, '') ?? '')?.[1] ?? String(e.row + 1);
  renderTable($('error-table'), null, errors.map((e) => [e.row === null && !e.cell ? t('headerRow') : sheetRow(e), e.column ?? '', e.message]));
}

// ---- who is signed in ----------------------------------------------------------------------

async function loadCaller() {
  const res = await fetch('/api/me').catch(() => null);
  if (!res?.ok) return;
  state.caller = await res.json();
  renderCaller();
}

function renderCaller() {
  const el = $('signed-in');
  el.hidden = !state.caller;
  if (!state.caller) return;
  // A caller named after a token is the page's own: no one signed in (a site without Access).
  el.textContent = state.caller.caller.includes('@') ? t('signedInAs', state.caller.caller) : t('notSignedIn');
}

// ---- history (the caller's own jobs; a file sent in pieces as one row: history-rows.js) ----

async function loadHistory() {
  if (state.jobs === null && state.historyFailed) {
    // Trying again after a failed first load: loading, not failed, until it answers.
    state.historyFailed = false;
    renderHistory();
  }
  const res = await fetch('/api/history?limit=20').catch(() => null);
  const body = res?.ok ? await res.json().catch(() => null) : null;
  // A failed refresh keeps the rows shown; a first load that failed says so instead of "loading".
  if (Array.isArray(body?.entries)) state.jobs = body.entries;
  else if (state.jobs === null) state.historyFailed = true;
  renderHistory();
}

function renderHistory() {
  // Until the history has answered it says so, rather than "no jobs" (which would be wrong for a moment).
  const table = $('history');
  const rows = state.jobs === null ? [] : historyRows(state.jobs, keptUi);
  const empty = state.jobs !== null ? 'noJobs' : state.historyFailed ? 'historyUnavailable' : 'loadingJobs';
  table.setAttribute('aria-busy', String(empty === 'loadingJobs' && rows.length === 0));
  renderTable(table, null, rows.length ? rows : [[t(empty), '', '', '', '', '']]);
}

$('refresh-history').addEventListener('click', loadHistory);

// ---- helpers -----------------------------------------------------------------------------

/** Fills a table's body (and header, when `fields` is given) with text cells only: no HTML from data. */
function renderTable(table, fields, rows) {
  if (fields) {
    const head = table.createTHead();
    head.replaceChildren(row(fields, 'th'));
  }
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren(...rows.map((r) => row(r, 'td')));
}

function row(cells, tag) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const cell = document.createElement(tag);
    if (tag === 'th') cell.scope = 'col';
    // A control (the history's download button) goes in as it is; everything else as text only.
    if (c instanceof Node) cell.append(c);
    else cell.textContent = c ?? '';
    tr.append(cell);
  }
  return tr;
}

function saveBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const format = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
const formatBytes = (n) => (n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);

window.addEventListener('DOMContentLoaded', () => {
  applyLanguage();
  loadModels().catch(() => showProblem(502, {}));
  loadCaller();
  loadHistory();
});
