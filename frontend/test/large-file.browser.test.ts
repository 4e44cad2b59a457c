/// <reference lib="dom" />
/**
 * A file larger than one piece from the page: Chromium → page and Pages Function in workerd → a
 * real misbehaving proxy (cli/test/flaky-proxy.ts) → the service as a process of its own. The page
 * cuts the file in pieces (the CLI's code, bundled), and its download must be the bytes of the
 * same file answered whole (or, past the 32 MiB cap, in small requests of whole lines). Piece
 * sizes are lowered with the page's ?piece_kib= so that a small file makes many pieces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { FlakyProxy, Fault } from '../../cli/test/flaky-proxy';
import { AUTH, FEATURES, inSmallRequests, tempDir, TOKEN, wideRows } from '../../service/test/helpers';
import { ServerProcess, startServerProcess } from '../../service/test/server-process';
import { PagesDev, startPagesDev } from '../dev/pages-dev';
import { launchChromium, SCREENSHOTS } from './browser';

let service: ServerProcess;
let flaky: FlakyProxy;
let pages: PagesDev;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What the proxy does to the n-th predict request the page sends (the page's other requests pass). */
let predictFault: (n: number, url: URL) => Fault = () => 'pass';
let predicts = 0;

beforeAll(async () => {
  service = await startServerProcess({ INFERENCE_THREADS: '2' });
  flaky = new FlakyProxy(new URL(service.url), (req) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    return url.pathname.endsWith('/predict') ? predictFault(predicts++, url) : 'pass';
  });
  await flaky.start();
  pages = await startPagesDev({ apiUrl: flaky.url, apiToken: TOKEN });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pages?.stop();
  await flaky?.stop();
  await service?.stop();
});

beforeEach(() => {
  predictFault = () => 'pass';
  predicts = 0;
  flaky.seen.length = 0;
});
afterEach(() => context?.close());

async function openPage(pieceKib?: number, locale = 'en-US'): Promise<Page> {
  context = await browser.newContext({ locale, acceptDownloads: true, viewport: { width: 1100, height: 1400 } });
  page = await context.newPage();
  await page.goto(`${pages.url}/${pieceKib ? `?piece_kib=${pieceKib}` : ''}`);
  await page.waitForSelector('#model:not([disabled])');
  return page;
}

async function predictFile(path: string, model = 'penguin-sex'): Promise<void> {
  await page.selectOption('#model', model);
  await page.setInputFiles('#file', path);
  await page.click('#predict');
}

async function download(): Promise<{ name: string; bytes: Buffer }> {
  await page.waitForSelector('#result:not([hidden])', { timeout: 100_000 });
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

async function sendWhole(bytes: Buffer, model = 'penguin-sex'): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${service.url}/v1/models/${model}/predict`, { method: 'POST', body: new Uint8Array(bytes), headers: { ...AUTH, 'content-type': 'text/csv' } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** PGlite starts after the service does (slowly on a busy machine), and the history needs it. */
async function databaseReady(): Promise<void> {
  for (const started = Date.now(); (await fetch(`${service.url}/readyz?strict=true`)).status !== 200; ) {
    if (Date.now() - started > 90_000) throw new Error('the job log database did not start within 90 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const predictUrls = () => flaky.seen.map((s) => new URL(s.url, 'http://proxy')).filter((u) => u.pathname.endsWith('/predict'));

/**
 * Rows with what spreadsheets export: quoted commas and quotes, multi-line cells (one far longer
 * than a piece, so a cut must fall inside it), blank lines, Japanese text.
 */
function surveyText(rows: number, eol: string, delimiter = ','): string {
  const notes = ['plain', '観察', '"quoted, with comma"', `"two${eol}lines"`, '"say ""hi"""', '5" tall', `"three\nlines\rhere"`];
  const lines = [['note', ...FEATURES].join(delimiter)];
  for (let i = 0; i < rows; i++) {
    const note = i === 700 ? `"${'a long\r\nnote, '.repeat(2500)}"` : notes[i % notes.length];
    lines.push([note, (35 + (i % 200) / 10).toFixed(1), (15 + (i % 50) / 10).toFixed(1), 180 + (i % 40), 3000 + (i % 3000)].join(delimiter));
    if (i % 97 === 0) lines.push('');
  }
  return lines.join(eol) + eol;
}

describe('a file larger than one piece, from the page', () => {
  it('gives the bytes of the file answered whole (UTF-8 with BOM, multi-line cells across pieces), four pieces at most in flight, one batch', async () => {
    await openPage(16);
    // Requests in flight as the browser counts them (the proxy sees an answer end a little after the page has it).
    let inFlight = 0;
    let peakInFlight = 0;
    page.on('request', (r) => r.url().includes('/predict') && (peakInFlight = Math.max(peakInFlight, ++inFlight)));
    page.on('requestfinished', (r) => r.url().includes('/predict') && inFlight--);
    page.on('requestfailed', (r) => r.url().includes('/predict') && inFlight--);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(surveyText(3000, '\r\n'))]);
    const path = join(tempDir('pieces-'), 'survey.csv');
    writeFileSync(path, bytes);
    await predictFile(path, 'penguin-species');
    const got = await download();
    const whole = await sendWhole(bytes, 'penguin-species');
    expect(whole.status).toBe(200);
    expect(got.name).toBe('survey-predictions.csv');
    expect(got.bytes.equals(whole.body)).toBe(true);
    expect(await page.textContent('#result-rows')).toBe('3,000');
    expect(await page.$$eval('#preview tbody tr', (r) => r.length)).toBe(10);
    expect(await page.textContent('#status')).toBe('3,000 rows predicted.');
    await page.screenshot({ path: join(SCREENSHOTS, '20-pieces-result.png'), fullPage: true });

    const urls = predictUrls();
    // About 125 KB in pieces of 16 KiB (one runs on to finish the 35 KB cell).
    expect(urls.length).toBeGreaterThanOrEqual(6);
    expect(new Set(urls.map((u) => u.searchParams.get('batch'))).size).toBe(1);
    expect(urls.every((u) => u.searchParams.get('encoding') === 'utf-8' && u.searchParams.get('filename') === 'survey.csv')).toBe(true);
    expect(urls.map((u) => u.searchParams.get('row_offset'))[0]).toBe('0');
    expect(peakInFlight).toBeGreaterThan(1);
    expect(peakInFlight).toBeLessThanOrEqual(4);
  });

  it('shows the file in the history as one row (name, rows, pieces, complete) whose download again, after a reload, gives the same bytes', async () => {
    await databaseReady();
    await openPage(16);
    const bytes = Buffer.from(surveyText(3000, '\r\n'));
    const path = join(tempDir('pieces-history-'), 'history survey.csv');
    writeFileSync(path, bytes);
    await predictFile(path);
    const first = await download();
    const pieces = predictUrls().length;
    expect(pieces).toBeGreaterThanOrEqual(6);
    await page.reload();
    const rows = page.locator('#history tbody tr', { hasText: 'history survey.csv' });
    // The job log is written in the background: refresh until the last piece has landed.
    for (let tries = 0; tries < 20 && (await rows.first().locator('td').nth(3).textContent({ timeout: 1000 }).catch(() => null)) !== 'complete'; tries++) {
      await page.click('#refresh-history');
    }
    expect(await rows.count()).toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(1, 4)).toEqual([`penguin-sex v1.0.0history survey.csv, sent in ${pieces} pieces`, '3,000', 'complete']);
    const [again] = await Promise.all([page.waitForEvent('download'), rows.first().getByRole('button', { name: 'Download again' }).click()]);
    expect(again.suggestedFilename()).toBe('history survey-predictions.csv');
    expect(readFileSync((await again.path())!).equals(first.bytes)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, '22-pieces-history.png'), fullPage: true });
  });

  it('round-trips a Shift_JIS file in pieces, in Japanese, with LF line ends', async () => {
    await openPage(16, 'ja-JP');
    const sjis = iconv.encode(surveyText(2000, '\n'), 'Shift_JIS');
    const path = join(tempDir('pieces-sjis-'), '観察記録.csv');
    writeFileSync(path, sjis);
    await predictFile(path);
    const got = await download();
    expect(got.name).toBe('観察記録-predictions.csv');
    expect(got.bytes.equals((await sendWhole(sjis)).body)).toBe(true);
    expect(got.bytes.toString('utf8')).toContain('観察');
    expect(new Set(predictUrls().map((u) => u.searchParams.get('encoding')))).toEqual(new Set(['shift_jis']));
    expect(await page.textContent('#status')).toBe('2,000 行を予測しました。');
  });

  it.each(['utf-16le', 'utf-16be'] as const)('cuts %s “Unicode text” (tabs, Japanese, multi-line cells) through a UTF-8 copy and downloads the whole file’s UTF-16 answer', async (order) => {
    await openPage(16);
    const text = '\ufeff' + surveyText(2000, '\r\n', '\t');
    const le = Buffer.from(text, 'utf16le');
    const bytes = order === 'utf-16be' ? Buffer.from(le).swap16() : le;
    const path = join(tempDir('pieces-utf16-'), `観察 ${order}.txt`);
    writeFileSync(path, bytes);
    await predictFile(path);
    const got = await download();
    const whole = await sendWhole(bytes);
    expect(whole.status).toBe(200);
    expect(got.name).toBe(`観察 ${order}-predictions.txt`);
    expect(got.bytes.equals(whole.body)).toBe(true);
    // Same byte order and BOM, tab-separated, the Japanese text intact.
    expect([...got.bytes.subarray(0, 2)]).toEqual(order === 'utf-16le' ? [0xff, 0xfe] : [0xfe, 0xff]);
    const answer = new TextDecoder(order).decode(got.bytes);
    expect(answer.split('\r\n')[0]).toContain('\t');
    expect(answer).toContain('観察');
    expect(await page.textContent('#result-rows')).toBe('2,000');
    expect(await page.$$eval('#preview tbody tr', (r) => r.length)).toBe(10);
    const urls = predictUrls();
    // About 85 KB of UTF-8 in pieces of 16 KiB (one runs on to finish the 35 KB cell).
    expect(urls.length).toBeGreaterThanOrEqual(4);
    expect(new Set(urls.map((u) => u.searchParams.get('batch'))).size).toBe(1);
    expect(urls.every((u) => u.searchParams.get('encoding') === 'utf-8' && u.searchParams.get('keep') === 'true' && u.searchParams.get('filename') === `観察 ${order}.txt`)).toBe(true);
  });

  it('says a file with a UTF-16 BOM but not UTF-16 inside cannot be read, sends nothing and offers no download', async () => {
    await openPage(16);
    // Valid UTF-16 LE for 2,000 rows, then a lone high surrogate: what a file cut short or glued together looks like.
    const good = Buffer.from('\ufeff' + surveyText(2000, '\r\n', '\t'), 'utf16le');
    const bytes = Buffer.concat([good, Buffer.from([0x00, 0xd8, 0x41, 0x00]), good.subarray(2)]);
    const path = join(tempDir('pieces-bad-utf16-'), 'broken.txt');
    writeFileSync(path, bytes);
    await predictFile(path);
    await page.waitForSelector('#errors:not([hidden])', { timeout: 60_000 });
    expect(await page.textContent('#error-text')).toMatch(/^This file starts as UTF-16 \(“Unicode text”\) but is not valid UTF-16 near byte [\d,]+, so it cannot be read\./);
    expect(predictUrls()).toEqual([]);
    expect(await page.isHidden('#result')).toBe(true);
    expect(await page.getAttribute('#download', 'href')).toBe('#');
    expect(await page.isEnabled('#predict')).toBe(true);
  });

  it('lists bad rows of the last piece by the whole file’s rows, counts them all, and offers no download; the history shows the file once with all its problems', async () => {
    await databaseReady();
    await openPage(16);
    const lines = [['id', ...FEATURES].join(',')];
    // 3,000 rows; the last 150 have a word for a number; a blank line in the middle.
    for (let i = 1; i <= 3000; i++) {
      lines.push([i, i > 2850 ? 'n/a' : (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(','));
      if (i === 1000) lines.push('');
    }
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n');
    const path = join(tempDir('pieces-bad-'), 'colony.csv');
    writeFileSync(path, bytes);
    const whole = await sendWhole(bytes);
    expect(whole.status).toBe(422);
    const expected = JSON.parse(whole.body.toString()) as { errors: { row: number; column: string; message: string }[]; totalErrors: number };
    await predictFile(path);
    await page.waitForSelector('#errors:not([hidden])', { timeout: 60_000 });
    expect(await page.textContent('#error-text')).toBe('the file has 150 problems; no predictions were made');
    expect(await page.textContent('#error-count')).toBe('Showing 100 of 150 problems. Fix these and upload again.');
    const rows = await page.$$eval('#error-table tbody tr', (tr) => tr.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    // The page shows spreadsheet rows: the data row under the header, plus one.
    expect(rows).toEqual(expected.errors.map((e) => [String(e.row + 1), e.column, e.message]));
    expect(rows[0][0]).toBe('2853');
    expect(await page.isHidden('#result')).toBe(true);
    expect(await page.getAttribute('#download', 'href')).toBe('#');
    expect(predictUrls().length).toBeGreaterThan(3);
    // In the history, one row with all the file's problems and nothing to download.
    const row = page.locator('#history tbody tr', { hasText: 'colony.csv' });
    await page.waitForFunction(() => [...document.querySelectorAll('#history tbody tr')].some((r) => r.textContent!.includes('150 problems')), null, { timeout: 10_000 });
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('button').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, '21-pieces-errors.png'), fullPage: true });
  });

  it('waits out a 503 for its Retry-After and sends a piece again after a failed connection (the proxy’s and the browser’s own)', async () => {
    await openPage(16);
    predictFault = (n) => (n === 0 ? { status503: 1 } : n === 3 ? 'drop' : n === 5 ? 'cut' : 'pass');
    // And one request that never leaves the browser: a reset connection.
    let reset: string | undefined;
    await page.route(
      (url) => url.pathname.endsWith('/predict') && reset === undefined && url.searchParams.get('row_offset') !== '0',
      (route) => {
        reset = new URL(route.request().url()).searchParams.get('row_offset')!;
        return route.abort('connectionreset');
      },
    );
    const bytes = Buffer.from(surveyText(2500, '\r\n'));
    const path = join(tempDir('pieces-flaky-'), 'flaky.csv');
    writeFileSync(path, bytes);
    await predictFile(path);
    const got = await download();
    expect(got.bytes.equals((await sendWhole(bytes)).body)).toBe(true);
    expect(reset).toBeDefined();
    const seen = flaky.seen.filter((s) => s.url.includes('/predict'));
    const offsetOf = (i: number) => new URL(seen[i].url, 'http://proxy').searchParams.get('row_offset');
    // Every fault's piece came again; the 503's not before its Retry-After (1 s).
    for (const i of [0, 3, 5]) expect(seen.slice(i + 1).some((s) => new URL(s.url, 'http://proxy').searchParams.get('row_offset') === offsetOf(i))).toBe(true);
    const retry503 = seen.findIndex((s, i) => i > 0 && new URL(s.url, 'http://proxy').searchParams.get('row_offset') === offsetOf(0));
    expect(seen[retry503].at - seen[0].at).toBeGreaterThanOrEqual(1000);
    expect(seen.some((s) => new URL(s.url, 'http://proxy').searchParams.get('row_offset') === reset)).toBe(true);
  });

  it('stops at the cancel button: requests in flight are aborted, no more are sent, nothing is offered', async () => {
    await openPage(64);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    const path = join(tempDir('pieces-cancel-'), 'slow.csv');
    writeFileSync(path, surveyText(20_000, '\r\n'));
    const aborted: string[] = [];
    let started = 0;
    page.on('request', (r) => r.url().includes('/predict') && started++);
    page.on('requestfailed', (r) => r.url().includes('/predict') && aborted.push(r.failure()!.errorText));
    await predictFile(path);
    await page.waitForSelector('#cancel:not([hidden])');
    await page.waitForFunction(() => /\d+%, about .* left$/.test(document.getElementById('progress-label')!.textContent!), null, { timeout: 60_000 });
    await page.screenshot({ path: join(SCREENSHOTS, '22-pieces-progress.png'), fullPage: true });
    await page.click('#cancel');
    await page.waitForSelector('#progress-area', { state: 'hidden' });
    expect(await page.textContent('#status')).toBe('Cancelled. Nothing was saved.');
    const sent = started;
    await new Promise((r) => setTimeout(r, 1500));
    expect(started).toBe(sent);
    // The pieces in flight were aborted by the browser, not left to finish.
    expect(aborted.length).toBeGreaterThan(0);
    expect(aborted.every((e) => e === 'net::ERR_ABORTED')).toBe(true);
    expect(await page.isHidden('#result')).toBe(true);
    expect(await page.isHidden('#errors')).toBe(true);
    expect(await page.isEnabled('#predict')).toBe(true);
  });

  it('scores a file over 32 MiB in pieces of up to 16 MiB with the bytes of the same rows sent in small requests', async () => {
    await openPage();
    const { header, rows } = wideRows(33.5 * 1024 * 1024);
    const bytes = Buffer.from(`${header}\r\n${rows.join('\r\n')}\r\n`);
    expect(bytes.length).toBeGreaterThan(32 * 1024 * 1024);
    const path = join(tempDir('pieces-large-'), 'large.csv');
    writeFileSync(path, bytes);
    const started = Date.now();
    await predictFile(path);
    const got = await download();
    const pageMs = Date.now() - started;
    // The reference: whole lines (no quotes in this file) in requests of 20,000 rows.
    const reference = await inSmallRequests(header, rows, (csv) => sendWhole(csv));
    expect(got.bytes.length).toBe(reference.length);
    expect(got.bytes.equals(reference)).toBe(true);
    expect(await page.textContent('#result-rows')).toBe(rows.length.toLocaleString('en'));
    // A first piece of 1 MiB (progress shows early), each after it twice the one before up to 16 MiB: 1, 2, 4, 8, 16 and the rest.
    expect(predictUrls().length).toBe(6);
    process.stdout.write(`33.5 MiB (${rows.length} rows) through the page: ${(pageMs / 1000).toFixed(1)} s\n`);
  });
});
