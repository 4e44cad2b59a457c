/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The upload page end to end: Chromium → page and Pages Function in workerd → the real service,
 * signed in through a local stand-in for Cloudflare Access (the assertion header Access adds).
 * Screenshots of the main states go to test-artifacts/screenshots (not committed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessIssuer } from '../../service/test/access-issuer';
import { FolderResultStore } from '../../service/src/results/folder-store';
import { AUTH, ServedTestApp, serveTestApp, tempDir, TOKEN } from '../../service/test/helpers';
import { PagesDev, startPagesDev } from '../dev/pages-dev';
import { libreOfficeFiles, libreOfficeSaved } from '../../service/test/spreadsheets';
import { launchChromium, SCREENSHOTS } from './browser';

const SAMPLE_PATH = join(__dirname, '..', '..', 'models', 'samples', 'penguins.csv');
const MAX_UPLOAD = 3 * 1024 * 1024;

let issuer: AccessIssuer;
let service: ServedTestApp;
let pages: PagesDev;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  issuer = await AccessIssuer.start();
  service = await serveTestApp({ maxUploadBytes: 32 * 1024 * 1024, access: issuer.settings, results: { store: new FolderResultStore(tempDir('page-results-'), 30), retentionDays: 30 } });
  pages = await startPagesDev({ apiUrl: service.url, apiToken: TOKEN, maxUploadBytes: MAX_UPLOAD, access: issuer.settings });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pages?.stop();
  await service?.close();
  await issuer?.stop();
});

/** Content-security-policy violations the page caused; the page must cause none. */
let violations: string[] = [];

const USER = 'yamada@example.co.jp';

/** Opens the page as `email`, with the assertion Access adds to every request it lets through. */
async function openPage(locale = 'en-US', email = USER): Promise<Page> {
  const assertion = await issuer.assertion({ email });
  context = await browser.newContext({ locale, acceptDownloads: true, viewport: { width: 1100, height: 1400 }, extraHTTPHeaders: { 'cf-access-jwt-assertion': assertion } });
  page = await context.newPage();
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
  await page.goto(pages.url);
  await page.waitForSelector('#model:not([disabled])');
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(violations).toEqual([]);
  violations = [];
});

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** What the API itself answers for a file, to compare the page's download with. */
async function apiAnswer(bytes: Buffer, model = 'penguin-sex'): Promise<Buffer> {
  const res = await fetch(`${service.url}/v1/models/${model}/predict`, { method: 'POST', body: new Uint8Array(bytes), headers: { ...AUTH, 'content-type': 'text/csv' } });
  return Buffer.from(await res.arrayBuffer());
}

async function readBook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

/** The ids of `email`'s jobs in the job log, once what the service holds is written. */
async function jobIds(email = USER): Promise<string[]> {
  await service.jobLog.flush(5000);
  const res = await fetch(`${pages.url}/api/jobs?limit=100`, { headers: { 'cf-access-jwt-assertion': await issuer.assertion({ email }) } });
  return ((await res.json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
}

async function download(): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

describe('the upload page', () => {
  it('lists the models with the columns they need and offers the template as a workbook (in the page’s language) or a CSV', async () => {
    await openPage();
    expect(await page.textContent('h1')).toBe('Spreadsheet predictions');
    expect(await page.$$eval('#model option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['penguin-sex', 'penguin-species']);
    expect(await page.inputValue('#model')).toBe('penguin-sex');
    expect(await page.$$eval('#columns li', (li) => li.map((x) => x.firstChild!.textContent))).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    const [book] = await Promise.all([page.waitForEvent('download'), page.click('#template')]);
    expect(book.suggestedFilename()).toBe('penguin-sex-template.xlsx');
    const workbook = await readBook(readFileSync((await book.path())!));
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Data', 'About']);
    expect((workbook.worksheets[0].getRow(1).values as unknown[]).slice(1)).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#template-csv')]);
    expect(csv.suggestedFilename()).toBe('penguin-sex-template.csv');
    expect(readFileSync((await csv.path())!, 'utf8')).toBe('\ufeffbill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\r\n');
    await shot('01-start');
    // The workbook's notes follow the page's language and the chosen model.
    await page.click('[data-lang="ja"]');
    await page.selectOption('#model', 'penguin-species');
    const [ja] = await Promise.all([page.waitForEvent('download'), page.click('#template')]);
    expect(ja.suggestedFilename()).toBe('penguin-species-template.xlsx');
    expect((await readBook(readFileSync((await ja.path())!))).worksheets.map((w) => w.name)).toEqual(['データ', '説明']);
    await page.click('[data-lang="en"]');
  });

  it('uploads with a progress bar and a working state, then shows the summary, histogram and preview, and downloads what the API answers', async () => {
    await openPage();
    await page.selectOption('#model', 'penguin-species');
    // A 2.6 MB file over a throttled link, so the progress bar has time to move.
    const rows = readFileSync(SAMPLE_PATH, 'utf8').trimEnd().split('\r\n');
    const big = Buffer.from([rows[0], ...Array.from({ length: 23 }, () => rows.slice(1)).flat()].join('\r\n') + '\r\n');
    const file = join(tempDir('upload-'), 'field survey.csv');
    writeFileSync(file, big);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    await page.evaluate(() => {
      const seen: string[] = ((window as any).progressSeen = []);
      new MutationObserver(() => seen.push(document.getElementById('progress-label')!.textContent!)).observe(document.getElementById('progress-label')!, { childList: true, characterData: true, subtree: true });
    });
    await page.setInputFiles('#file', file);
    await page.click('#predict');
    await page.waitForSelector('#progress-area:not([hidden])');
    await shot('02-uploading');
    await page.waitForSelector('#result:not([hidden])', { timeout: 60_000 });
    const progress: string[] = await page.evaluate(() => (window as any).progressSeen);
    expect(progress.some((p) => /^Uploading… ([1-9]\d?)%$/.test(p))).toBe(true);
    expect(progress).toContain('Predicting… large files can take a little while.');

    const expected = await apiAnswer(big, 'penguin-species');
    const dataRows = 342 * 23;
    expect(await page.textContent('#result-rows')).toBe(dataRows.toLocaleString('en'));
    expect(await page.textContent('#result-model')).toBe('penguin-species v1.0.0');
    const predicted = (parse(expected, { columns: true, bom: true }) as Record<string, string>[]).map((r) => r.prediction);
    const share = (c: string) => predicted.filter((p) => p === c).length;
    const shares = await page.$$eval('#class-share li', (li) => li.map((x) => x.textContent));
    expect(shares).toEqual(['Adelie', 'Chinstrap', 'Gentoo'].map((c) => `${c}${share(c).toLocaleString('en')} (${((share(c) / dataRows) * 100).toFixed(1)}%)`));
    expect(await page.$$eval('#histogram rect', (r) => r.length)).toBe(10);
    expect(await page.$$eval('#preview tbody tr', (r) => r.length)).toBe(10);
    expect(await page.$$eval('#preview thead th', (th) => th.map((x) => x.textContent))).toEqual(expected.toString('utf8').split('\r\n')[0].split(','));
    await shot('03-result');
    const got = await download();
    expect(got.name).toBe('field survey-predictions.csv');
    expect(got.bytes.equals(expected)).toBe(true);
    expect(await page.$$eval('#history tbody tr', (r) => r.length)).toBeGreaterThan(0);
  });

  it('keeps its answers: after a reload the history downloads the same file again', async () => {
    await openPage();
    const file = join(tempDir('kept-'), 'kept colony.csv');
    writeFileSync(file, readFileSync(SAMPLE_PATH));
    await page.setInputFiles('#file', file);
    await page.click('#predict');
    await page.waitForSelector('#result:not([hidden])');
    const first = await download();
    await page.reload();
    const again = page.locator('#history tbody tr').first().getByRole('button', { name: 'Download again' });
    await again.waitFor({ timeout: 10_000 });
    const [file2] = await Promise.all([page.waitForEvent('download'), again.click()]);
    expect(file2.suggestedFilename()).toBe('kept colony-predictions.csv');
    expect(readFileSync((await file2.path())!).equals(first.bytes)).toBe(true);
    await shot('08-download-again');
  });

  it('round-trips a Shift_JIS file with Japanese text, in Japanese', async () => {
    await openPage('ja-JP');
    expect(await page.textContent('h1')).toBe('表計算データの予測');
    const csv = '個体,島,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,備考\r\nペンギン1,トージャーセン島,39.1,18.7,181,3750,初回の観察\r\nペンギン2,ビスコー島,46.5,17.9,192,3500,再観察（雨天）\r\n';
    const sjis = iconv.encode(csv, 'Shift_JIS');
    const file = join(tempDir('sjis-'), '観察記録.csv');
    writeFileSync(file, sjis);
    await page.setInputFiles('#file', file);
    await page.click('#predict');
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.textContent('#preview tbody tr:first-child')).toContain('トージャーセン島');
    await shot('04-shift-jis-ja');
    const got = await download();
    expect(got.name).toBe('観察記録-predictions.csv');
    expect(got.bytes.equals(await apiAnswer(sjis))).toBe(true);
    expect(got.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(got.bytes.toString('utf8')).toContain('再観察（雨天）');
  });

  it('takes a Japanese workbook (title row above the table) as one job: the summary and preview are read from the answer workbook, downloaded as .xlsx', async () => {
    const who = 'workbook@example.co.jp';
    const header = ['個体', '島', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', '備考'];
    const rows = [
      ['ペンギン1', 'トージャーセン島', '39.1', '18.7', '181', '3750', '初回の観察'],
      ['ペンギン2', 'ビスコー島', '46.5', '17.9', '192', '3500', '"再観察（雨天）, 午後"'],
      ['ペンギン3', 'ドリーム島', '=40+9.5', '15.2', '215', '5400', ''],
    ];
    // Written by LibreOffice Calc: a sheet named 観察記録, a title row, a formula cell with its saved value.
    const book = libreOfficeFiles({ 観察記録: ['観察記録 2026年11月', header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n' })['観察記録'];
    const file = join(tempDir('xlsx-'), '観察記録.xlsx');
    writeFileSync(file, book);
    await openPage('ja-JP', who);
    const before = await jobIds(who);
    await page.setInputFiles('#file', file);
    await page.click('#predict');
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.textContent('#result-rows')).toBe('3');
    expect(await page.$$eval('#preview thead th', (th) => th.map((x) => x.textContent))).toEqual([...header, 'prediction', 'probability']);
    const preview = await page.$$eval('#preview tbody tr', (tr) => tr.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!)));
    expect(preview.map((r) => r.slice(0, 7))).toEqual(rows.map((r) => [...r.slice(0, 2), r[2] === '=40+9.5' ? '49.5' : r[2], ...r.slice(3, 6), r[6].replace(/^"|"$/g, '')]));
    // The same predictions as the API's CSV answer for the same workbook.
    const api = await fetch(`${service.url}/v1/models/penguin-sex/predict?format=csv`, { method: 'POST', body: new Uint8Array(book), headers: { ...AUTH, 'content-type': 'application/octet-stream' } });
    const expected = parse(Buffer.from(await api.arrayBuffer()), { columns: true, bom: true }) as Record<string, string>[];
    expect(preview.map((r) => r[7])).toEqual(expected.map((r) => r.prediction));
    expect(preview.map((r) => Number(r[8]).toFixed(6))).toEqual(expected.map((r) => r.probability));
    const shares = await page.$$eval('#class-share li', (li) => li.map((x) => x.textContent));
    const count = (c: string) => expected.filter((r) => r.prediction === c).length;
    expect(shares).toEqual(['female', 'male'].map((c) => `${c}${count(c)} (${((count(c) / 3) * 100).toFixed(1)}%)`));
    expect(await page.$$eval('#histogram rect', (r) => r.length)).toBe(10);
    await shot('10-workbook-ja');
    const got = await download();
    expect(got.name).toBe('観察記録-predictions.xlsx');
    const sheet = (await readBook(got.bytes)).getWorksheet('観察記録')!;
    expect(sheet.getCell('A1').text).toBe('観察記録 2026年11月');
    expect([3, 4, 5].map((r) => sheet.getCell(`H${r}`).value)).toEqual(expected.map((r) => r.prediction));
    // One upload, one job: the page read its preview from the answer instead of asking again for CSV.
    const after = await jobIds(who);
    expect(after.length - before.length).toBe(1);
  });

  it('reads a 50,000-row workbook answer in a worker: its row count, preview and class shares are those of the same table’s CSV answer', async () => {
    const [header, ...body] = readFileSync(SAMPLE_PATH, 'utf8').trim().split('\n');
    const csv = [header, ...Array.from({ length: 50_000 }, (_, i) => body[i % body.length].replace(/^\d+,/, `${i + 1},`))].join('\n') + '\n';
    const dir = tempDir('large-xlsx-');
    writeFileSync(join(dir, 'large.csv'), csv);
    writeFileSync(join(dir, 'large.xlsx'), libreOfficeFiles({ large: csv }).large);
    await openPage();
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    const seen = async (name: string) => {
      await page.setInputFiles('#file', join(dir, name));
      await page.click('#predict');
      await page.waitForFunction(() => /50,000 rows predicted/.test(document.getElementById('status')!.textContent!), undefined, { timeout: 120_000 });
      const preview = await page.$$eval('#preview tbody tr', (tr) => tr.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!)));
      return {
        rows: await page.textContent('#result-rows'),
        fields: await page.$$eval('#preview thead th', (th) => th.map((x) => x.textContent)),
        // The CSV answer rounds probabilities to 6 places; the workbook holds the number.
        preview: preview.map((r) => [...r.slice(0, -1), Number(r.at(-1)).toFixed(6)]),
        shares: await page.$$eval('#class-share li', (li) => li.map((x) => x.textContent)),
      };
    };
    const fromWorkbook = await seen('large.xlsx');
    expect(workers).toEqual([`${pages.url}/vendor/workbook-worker.js`]);
    expect(await page.$$('script[src*="exceljs"]')).toHaveLength(0);
    await page.reload();
    await page.waitForSelector('#model:not([disabled])');
    const fromCsv = await seen('large.csv');
    expect(fromWorkbook.rows).toBe('50,000');
    expect(fromWorkbook.preview).toHaveLength(10);
    expect(fromWorkbook).toEqual(fromCsv);
    expect(fromWorkbook.shares.length).toBe(2);
  }, 240_000);

  it('names a workbook’s bad cells by their sheet row under a title row, and says what to save instead of an .xls', async () => {
    const calc = libreOfficeFiles({ 調査: ['調査票', 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g', '39.1,18.7,181,3750', '39.5,abc,186,3800'].join('\n') + '\n' });
    const xls = libreOfficeFiles({ old: 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n39.1,18.7,181,3750\n' }, 'xls').old;
    const dir = tempDir('bad-book-');
    writeFileSync(join(dir, '調査.xlsx'), calc['調査']);
    writeFileSync(join(dir, 'old.xls'), xls);
    await openPage();
    await page.setInputFiles('#file', join(dir, '調査.xlsx'));
    await page.click('#predict');
    await page.waitForSelector('#errors:not([hidden])');
    const rows = await page.$$eval('#error-table tbody tr', (tr) => tr.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    // Data row 2 under the header in sheet row 2: sheet row 4, cell B4.
    expect(rows).toEqual([['4', 'bill_depth_mm', 'B4: "abc" is not a number']]);
    await page.setInputFiles('#file', join(dir, 'old.xls'));
    await page.click('#predict');
    await page.waitForFunction(() => /Excel 97–2003 workbook \(\.xls\)/.test(document.getElementById('error-text')!.textContent!));
    expect(await page.textContent('#error-text')).toMatch(/save it as Excel Workbook \(\.xlsx\) or CSV UTF-8/);
    await shot('11-workbook-errors');
  });

  it('offers the sheets of a workbook whose first sheet lacks the columns, and predicts from the one chosen (?sheet=)', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('表紙').getCell('A1').value = '四半期の報告';
    const data = wb.addWorksheet('データ');
    data.addRow(['番号', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    data.addRow([1, 39.1, 18.7, 181, 3750]);
    data.addRow([2, 46.5, 17.9, 192, 3500]);
    // Saved by Calc, as a person's spreadsheet program would.
    const book = libreOfficeSaved({ 'report.xlsx': Buffer.from(await wb.xlsx.writeBuffer()) }, 'xlsx').report;
    const file = join(tempDir('sheets-'), '四半期.xlsx');
    writeFileSync(file, book);
    await openPage('ja-JP');
    await page.setInputFiles('#file', file);
    await page.click('#predict');
    await page.waitForSelector('#sheet-choice:not([hidden])');
    expect(await page.textContent('#error-text')).toBe('読み込んだシートにはモデルの列がありません。列のあるシートを選んでください:');
    // The sheet with the model's columns first.
    expect(await page.$$eval('#sheet option', (o) => o.map((x) => x.textContent))).toEqual(['データ', '表紙']);
    await shot('12-sheet-choice');
    await page.click('#use-sheet');
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.isHidden('#errors')).toBe(true);
    expect(await page.textContent('#result-rows')).toBe('2');
    const got = await download();
    expect(got.name).toBe('四半期-predictions.xlsx');
    const sheet = (await readBook(got.bytes)).getWorksheet('データ')!;
    expect(sheet.getCell('F1').value).toBe('prediction');
  });

  it('takes Calc’s UTF-16 “Unicode text” and a semicolon CSV: preview as for any CSV, each downloaded in its own encoding and delimiter', async () => {
    const table = libreOfficeFiles({ 集計: ['名前,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g', 'ペンギン1,39.1,18.7,181,3750', 'ペンギン2,46.5,17.9,192,3500'].join('\n') + '\n' })['集計'];
    const exports = {
      '集計.txt': libreOfficeSaved({ '集計.xlsx': table }, 'txt:Text - txt - csv (StarCalc):9,34,65535,1')['集計'],
      '集計.csv': libreOfficeSaved({ '集計.xlsx': table }, 'csv:Text - txt - csv (StarCalc):59,34,76,1')['集計'],
    };
    await openPage();
    for (const [name, bytes] of Object.entries(exports)) {
      const file = join(tempDir('export-'), name);
      writeFileSync(file, bytes);
      await page.setInputFiles('#file', file);
      await page.click('#predict');
      await page.waitForFunction((n) => document.getElementById('status')!.textContent === n, '2 rows predicted.');
      expect(await page.$$eval('#preview thead th', (th) => th.map((x) => x.textContent))).toEqual(['名前', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'prediction', 'probability']);
      expect(await page.textContent('#preview tbody tr:first-child td:first-child')).toBe('ペンギン1');
      const got = await download();
      expect(got.name).toBe(name.replace('.', '-predictions.'));
      expect(got.bytes.equals(await apiAnswer(bytes))).toBe(true);
    }
    await shot('13-unicode-text');
  });

  it('shows a bad file’s problems as a table of spreadsheet row, column and message', async () => {
    await openPage();
    const file = join(tempDir('bad-'), 'bad.csv');
    writeFileSync(file, 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\r\n39.1,18.7,181,3750\r\n39.5,abc,186,3800\r\n40.3,18,,3250\r\n');
    await page.setInputFiles('#file', file);
    await page.click('#predict');
    await page.waitForSelector('#errors:not([hidden])');
    expect(await page.textContent('#error-text')).toBe('the upload has invalid rows: 2 problems found');
    expect(await page.textContent('#error-count')).toBe('2 problems. Fix and upload again.');
    const rows = await page.$$eval('#error-table tbody tr', (tr) => tr.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['3', 'bill_depth_mm', '"abc" is not a number'],
      ['4', 'flipper_length_mm', 'empty value; a number is required'],
    ]);
    expect(await page.isHidden('#result')).toBe(true);
    await shot('05-errors');
  });

  it('explains an oversize file and a file that is neither a CSV nor a workbook in plain words', async () => {
    await openPage();
    const dir = tempDir('refused-');
    writeFileSync(join(dir, 'huge.csv'), Buffer.alloc(MAX_UPLOAD + 10, 'a'));
    await page.setInputFiles('#file', join(dir, 'huge.csv'));
    await page.click('#predict');
    await page.waitForSelector('#errors:not([hidden])');
    expect(await page.textContent('#error-text')).toBe('The file is too large (the limit is 32 MB). Split it into smaller files and upload them one by one.');
    writeFileSync(join(dir, 'photo.csv'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]));
    await page.setInputFiles('#file', join(dir, 'photo.csv'));
    await page.click('#predict');
    await page.waitForFunction(() => document.getElementById('error-text')!.textContent!.startsWith('This file cannot be read. In Excel choose File → Save As → “Excel Workbook (.xlsx)” or “CSV UTF-8”'));
    await shot('06-not-csv');
  });

  it('takes a file dropped on the drop zone', async () => {
    await openPage();
    const text = readFileSync(SAMPLE_PATH, 'utf8');
    const dataTransfer = await page.evaluateHandle((csv) => {
      const dt = new DataTransfer();
      dt.items.add(new File([csv], 'dropped.csv', { type: 'text/csv' }));
      return dt;
    }, text);
    await page.dispatchEvent('#dropzone', 'dragover', { dataTransfer });
    expect(await page.getAttribute('#dropzone', 'class')).toContain('over');
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
    expect(await page.textContent('#file-name')).toMatch(/^dropped\.csv \(\d+\.\d KB\)$/);
    await page.click('#predict');
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.textContent('#result-rows')).toBe('342');
    expect((await download()).name).toBe('dropped-predictions.csv');
  });

  it('says in plain words when the proxy’s credentials are refused (401)', async () => {
    const misconfigured = await startPagesDev({ apiUrl: service.url, apiToken: 'a-token-the-service-does-not-know' });
    try {
      context = await browser.newContext({ locale: 'en-US' });
      page = await context.newPage();
      await page.goto(misconfigured.url);
      await page.waitForSelector('#errors:not([hidden])');
      expect(await page.textContent('#error-text')).toBe(
        'The page was not allowed to use the prediction service (its access key was refused). Please contact the platform team.',
      );
      await shot('08-unauthorized');
    } finally {
      await misconfigured.stop();
    }
  });

  it('switches language with the buttons and keeps the choice, operable from the keyboard', async () => {
    await openPage('en-US');
    await page.focus('[data-lang="ja"]');
    await page.keyboard.press('Enter');
    expect(await page.textContent('h1')).toBe('表計算データの予測');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.getAttribute('[data-lang="ja"]', 'aria-pressed')).toBe('true');
    await page.reload();
    await page.waitForSelector('#model:not([disabled])');
    expect(await page.textContent('#history-heading')).toBe('あなたの最近のジョブ');
    expect(await page.textContent('#signed-in')).toBe(`${USER} としてサインインしています`);
    await shot('07-japanese');
    await page.click('[data-lang="en"]');
    expect(await page.textContent('#history-heading')).toBe('Your recent jobs');
    // Every visible control has an accessible name.
    const unnamed = await page.$$eval('button, select, input, a[href]', (els) =>
      els.filter((e) => (e as HTMLElement).offsetParent !== null || e.tagName === 'INPUT').filter((e) => !(e.getAttribute('aria-label') || e.textContent!.trim() || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e.closest('label'))).length,
    );
    expect(unnamed).toBe(0);
  });

  it('says the history is loading until it has answered, and that it could not be loaded when it fails', async () => {
    context = await browser.newContext({ locale: 'en-US', extraHTTPHeaders: { 'cf-access-jwt-assertion': await issuer.assertion({ email: USER }) } });
    page = await context.newPage();
    let answer: (status: number) => void = () => {};
    // Each history request waits for answer(): a status to answer with, or 0 to let it through to the real one.
    await page.route('**/api/history*', (route) => new Promise<number>((r) => (answer = r)).then((status) => (status === 0 ? route.continue() : route.fulfill({ status, body: '{}' }))));
    await page.goto(pages.url);
    await page.waitForSelector('#history[aria-busy="true"]');
    expect(await page.textContent('#history tbody')).toBe('Loading your jobs…');
    answer(500);
    await page.waitForSelector('#history[aria-busy="false"]');
    expect(await page.textContent('#history tbody')).toBe('Your jobs could not be loaded. Press “Refresh” to try again.');
    // Tried again: loading until it answers, then the rows.
    await page.click('#refresh-history');
    await page.waitForSelector('#history[aria-busy="true"]');
    expect(await page.textContent('#history tbody')).toBe('Loading your jobs…');
    answer(0);
    await page.waitForSelector('#history[aria-busy="false"]');
    const shown = await page.textContent('#history tbody');
    expect(shown).not.toContain('could not be loaded');
    expect(shown).not.toContain('Loading');
    expect(await page.$$eval('#history tbody tr', (tr) => tr.length)).toBeGreaterThan(0);
  });

  it('says who is signed in and shows only their own history; another user sees theirs', async () => {
    const predictAs = async (email: string) => {
      const res = await fetch(`${pages.url}/api/predict`, { method: 'POST', body: readFileSync(SAMPLE_PATH), headers: { 'content-type': 'text/csv', 'cf-access-jwt-assertion': await issuer.assertion({ email }) } });
      expect(res.status).toBe(200);
      // The job is logged when the service has sent the whole answer, so read it before flushing.
      await res.arrayBuffer();
    };
    for (const email of ['sato@example.co.jp', 'sato@example.co.jp', 'kato@example.co.jp']) await predictAs(email);
    await service.jobLog.flush(5000);
    for (const [email, jobs] of [['sato@example.co.jp', 2], ['kato@example.co.jp', 1]] as const) {
      await openPage('en-US', email);
      await page.waitForSelector('#signed-in:not([hidden])');
      expect(await page.textContent('#signed-in')).toBe(`Signed in as ${email}`);
      await page.waitForSelector('#history[aria-busy="false"]');
      expect(await page.$$eval('#history tbody tr', (tr) => tr.length)).toBe(jobs);
      expect(await page.$$eval('#history tbody tr td:nth-child(2)', (td) => td.map((x) => x.textContent))).toEqual(Array(jobs).fill('penguin-sex v1.0.0'));
      await shot(`09-signed-in-${email.split('@')[0]}`);
      await context.close();
    }
    // A stale sign-in: the function refuses it, and the page says to sign in again.
    context = await browser.newContext({ locale: 'en-US', extraHTTPHeaders: { 'cf-access-jwt-assertion': await issuer.assertion({ email: USER, expiresIn: -5 }) } });
    page = await context.newPage();
    await page.goto(pages.url);
    await page.waitForSelector('#errors:not([hidden])');
    expect(await page.textContent('#error-text')).toBe('Your sign-in has expired or could not be checked. Reload the page to sign in again.');
    expect(await page.isHidden('#signed-in')).toBe(true);
  });
});
