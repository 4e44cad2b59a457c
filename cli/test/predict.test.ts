/**
 * The command-line client against the real service over HTTP: a file sent in pieces gives the
 * same bytes as the file sent whole (generated files: Shift_JIS, BOM, quoted multi-line cells,
 * blank lines, CRLF or LF, across piece sizes); bad rows in the last piece come back with the
 * whole file's row numbers and no file is written; 503 Retry-After and dropped or cut
 * connections (a real misbehaving proxy) are tried again; workbook options pass through; an API
 * Gateway stand-in lets only the right x-api-key through.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { PROJECT_ROOT } from '../../service/src/paths';
import { FEATURES, inSmallRequests, ServedTestApp, serveTestApp, tempDir, TOKEN, wideRows } from '../../service/test/helpers';
import { FolderResultStore } from '../../service/src/results/folder-store';
import { main } from '../predict';
import type { Progress } from '../progress';
import { scoreFile } from '../score-file';
import { splitFile } from '../split-file';
import { libreOfficeFiles, libreOfficeSaved } from '../../service/test/spreadsheets';
import { apiGatewayStandIn, MISSING_KEY, WRONG_KEY } from './api-gateway';
import { FlakyProxy } from './flaky-proxy';

let service: ServedTestApp;
beforeAll(async () => {
  service = await serveTestApp({ threads: 2, results: { store: new FolderResultStore(tempDir('cli-kept-'), 30), retentionDays: 30 } });
});
afterAll(() => service.close());

const endpoint = (url: string, query = '') => ({ url: `${url}/v1/predict${query}`, headers: { Authorization: `Bearer ${TOKEN}` }, timeoutMs: 30_000 });
const fastRetries = { networkRetries: 4, overloadRetries: 4, backoffMs: 20, maxRetryAfterMs: 5000 };

async function sendWhole(bytes: Buffer, query = ''): Promise<{ status: number; body: Buffer; json?: any }> {
  const res = await fetch(`${service.url}/v1/predict${query}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: bytes as Uint8Array<ArrayBuffer> });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, json: res.headers.get('content-type')?.includes('json') ? JSON.parse(body.toString()) : undefined };
}

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

// Cells a spreadsheet export holds: text both encodings carry, quoted commas, quotes and line breaks.
const NOTE = fc.constantFrom('', 'plain', '観察', 'ｱｲｳ half-width', '"quoted, with comma"', '"two\r\nlines"', '"three\nlines\nhere"', '"say ""hi"""', '5" tall', '"\r\n"');
const ROW = fc.record({ note: NOTE, bill: fc.integer({ min: 300, max: 600 }), blankAfter: fc.boolean() });
const FILE = fc.record({
  rows: fc.array(ROW, { minLength: 1, maxLength: 60 }),
  eol: fc.constantFrom('\r\n', '\n'),
  encoding: fc.constantFrom('utf-8', 'utf-8-bom', 'shift_jis'),
  finalEol: fc.boolean(),
  pieceBytes: fc.integer({ min: 40, max: 1500 }),
  // A first piece smaller than the rest, doubled up to pieceBytes (the CLI's default ramp), or none.
  firstPieceBytes: fc.option(fc.integer({ min: 20, max: 400 }), { nil: undefined }),
  concurrency: fc.integer({ min: 1, max: 4 }),
});

function fileBytes(f: { rows: { note: string; bill: number; blankAfter: boolean }[]; eol: string; encoding: string; finalEol: boolean }): Buffer {
  const lines = [['note', ...FEATURES].join(',')];
  for (const r of f.rows) {
    lines.push([r.note, (r.bill / 10).toFixed(1), 18.7, 181, 3750].join(','));
    if (r.blankAfter) lines.push('');
  }
  const text = lines.join(f.eol) + (f.finalEol ? f.eol : '');
  if (f.encoding === 'shift_jis') return iconv.encode(text, 'Shift_JIS');
  const utf8 = Buffer.from(text);
  return f.encoding === 'utf-8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]) : utf8;
}

describe('npm run predict', () => {
  it('gives the same bytes in pieces as the file sent whole (generated files, piece sizes, concurrency)', async () => {
    const dir = tempDir('cli-pieces-');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(FILE, async (f) => {
        const bytes = fileBytes(f);
        const input = join(dir, `in-${run}.csv`);
        const output = join(dir, `out-${run++}.csv`);
        writeFileSync(input, bytes);
        const whole = await sendWhole(bytes);
        const result = await scoreFile({ input, output, endpoint: endpoint(service.url), concurrency: f.concurrency, pieceBytes: f.pieceBytes, firstPieceBytes: f.firstPieceBytes, maxRequestBytes: 32 << 20, retries: fastRetries });
        if (whole.status === 200) {
          expect(result).toMatchObject({ ok: true });
          expect(readFileSync(output).equals(whole.body)).toBe(true);
        } else {
          // A whole file the service refuses is refused in pieces too, with the same errors.
          expect(result.ok).toBe(false);
          expect(existsSync(output)).toBe(false);
          if (whole.status === 422 && !result.ok && result.kind === 'rows') expect(result.errors).toEqual(whole.json.errors);
        }
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? 1818) },
    );
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('with keep, the batch it kept serves the same bytes as the file sent whole (generated files, piece sizes)', async () => {
    const dir = tempDir('cli-keep-');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(FILE, async (f) => {
        const bytes = fileBytes(f);
        const input = join(dir, `in-${run}.csv`);
        writeFileSync(input, bytes);
        const whole = await sendWhole(bytes);
        fc.pre(whole.status === 200);
        const batch = `cli-keep-${run}`;
        const result = await scoreFile({ input, output: join(dir, `out-${run++}.csv`), endpoint: endpoint(service.url, `?batch=${batch}`), keep: true, concurrency: f.concurrency, pieceBytes: f.pieceBytes, maxRequestBytes: 32 << 20, retries: fastRetries });
        expect(result).toMatchObject({ ok: true });
        expect(await service.jobLog.flush(5000)).toBe(true);
        const kept = await fetch(`${service.url}/v1/batches/${batch}/result`, { headers: { Authorization: `Bearer ${TOKEN}` } });
        expect(kept.status).toBe(200);
        expect(Buffer.from(await kept.arrayBuffer()).equals(whole.body)).toBe(true);
      }),
      { numRuns: 25, seed: Number(process.env.FC_SEED ?? 1819) },
    );
  });

  it('--keep sends keep=true with every piece, and prints the URL that gives the whole answer again (Shift_JIS CSV in pieces; UTF-16 through its UTF-8 copy, kept as that copy\'s answer)', async () => {
    const dir = tempDir('cli-keep-main-');
    const lines = [['id', ...FEATURES, 'note'].join(',')];
    for (let i = 1; i <= 40_000; i++) lines.push([i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750, i % 89 ? '観察' : '"two\r\nlines"'].join(','));
    const csvFile = iconv.encode(lines.join('\r\n') + '\r\n', 'Shift_JIS');
    // Excel's "Unicode text": sent as its UTF-8 copy (utf16-file.ts), so the service keeps that copy's (UTF-8) answer.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.slice(0, 50).map((l) => l.replace(/,/g, '\t')).join('\r\n') + '\r\n', 'utf16le')]);
    for (const [name, bytes] of [['survey.csv', csvFile], ['unicode.txt', utf16]] as const) {
      const input = join(dir, name);
      writeFileSync(input, bytes);
      const err = capture();
      const code = await main([input, '--piece-mib', '1', '--keep'], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: err.stream });
      expect({ code, err: err.text().slice(-300) }).toMatchObject({ code: 0 });
      const url = /^kept: .* from (http\S+)$/m.exec(err.text())?.[1];
      expect(url).toMatch(new RegExp(`^${service.url}/v1/batches/[0-9a-f-]{36}/result$`));
      expect(await service.jobLog.flush(5000)).toBe(true);
      const batch = url!.split('/').at(-2);
      const listed = await fetch(`${service.url}/v1/jobs?batch=${batch}`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());
      expect(listed.jobs.length).toBe(Math.ceil(bytes.length / (1 << 20)));
      expect(listed.jobs.every((j: { result?: unknown }) => j.result)).toBe(true);
      const kept = await fetch(url!, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(kept.status).toBe(200);
      const keptBytes = Buffer.from(await kept.arrayBuffer());
      const written = readFileSync(join(dir, name.replace(/\.(\w+)$/, '-predictions.$1')));
      expect(written.equals((await sendWhole(bytes)).body)).toBe(true);
      const asText = (b: Buffer) => new TextDecoder(b[0] === 0xff ? 'utf-16le' : 'utf-8').decode(b).replace(/^\ufeff/, '');
      if (name.endsWith('.txt')) expect(asText(keptBytes)).toBe(asText(written));
      else expect(keptBytes.equals(written)).toBe(true);
    }
    // Without --keep, no URL and nothing kept.
    const err = capture();
    expect(await main([join(dir, 'unicode.txt'), '--batch', 'cli-not-kept'], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: err.stream })).toBe(0);
    expect(err.text()).not.toMatch(/^kept: /m);
  });

  it('lists bad rows of the last piece by the whole file\'s rows, counts them all, and writes no file (the file in several pieces)', async () => {
    const dir = tempDir('cli-bad-');
    const lines = [['id', ...FEATURES].join(',')];
    // 3,000 rows (~100 KB): the last 150 rows have a word for a number; a blank line in the middle.
    for (let i = 1; i <= 3000; i++) {
      lines.push([i, i > 2850 ? 'n/a' : (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(','));
      if (i === 1000) lines.push('');
    }
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n');
    const input = join(dir, 'colony.csv');
    writeFileSync(input, bytes);
    const whole = await sendWhole(bytes);
    expect(whole.status).toBe(422);
    expect(whole.json.totalErrors).toBe(150);

    // A proxy that passes everything, to count the requests: pieces of 8 KiB, so about ten.
    const proxy = new FlakyProxy(new URL(service.url), []);
    await proxy.start();
    const err = capture();
    let code: number;
    try {
      code = await main([input, '--piece-kib', '8', '--concurrency', '3'], { env: { API_URL: proxy.url, API_TOKEN: TOKEN }, stderr: err.stream });
    } finally {
      await proxy.stop();
    }
    expect(code).toBe(1);
    const offsets = proxy.seen.map((s) => Number(new URL(s.url, proxy.url).searchParams.get('row_offset')));
    expect(offsets.length).toBeGreaterThanOrEqual(6);
    expect(new Set(offsets).size).toBe(offsets.length);
    // The bad rows are in the last piece(s), far from the file's start: their rows are the whole file's.
    expect(Math.max(...offsets)).toBeGreaterThan(2500);
    expect(existsSync(join(dir, 'colony-predictions.csv'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['colony.csv']);
    const listed = [...err.text().matchAll(/^row (\d+), column (\S+): (.*)$/gm)].map((m) => ({ row: Number(m[1]), column: m[2], message: m[3] }));
    expect(listed).toEqual(whole.json.errors);
    expect(listed).toHaveLength(100);
    expect(listed[0].row).toBe(2852); // data row 2851 is after the blank line: record 2852
    expect(listed.at(-1)!.row).toBe(2951);
    expect(err.text()).toContain('150 problem(s) in the file (the first 100 listed)');
  });

  it('scores a file over 32 MiB (pieces of 1, 2, 4, 8, then 16 MiB) with the bytes of the same rows sent in small requests', async () => {
    const { header, rows } = wideRows(33.5 * 1024 * 1024);
    const bytes = Buffer.from(`${header}\r\n${rows.join('\r\n')}\r\n`);
    expect(bytes.length).toBeGreaterThan(32 * 1024 * 1024);
    const dir = tempDir('cli-over-32-');
    const input = join(dir, 'large.csv');
    writeFileSync(input, bytes);
    const err = capture();
    const code = await main([input, '--concurrency', '4'], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: err.stream });
    expect({ code, err: err.text().slice(-300) }).toMatchObject({ code: 0 });
    // The reference: whole lines (no quotes in this file) in requests of 20,000 rows.
    const reference = await inSmallRequests(header, rows, sendWhole);
    expect(readFileSync(join(dir, 'large-predictions.csv')).equals(reference)).toBe(true);
  }, 180_000);

  it('scores a file larger than one piece against the real service, in order, with the batch recorded', async () => {
    const dir = tempDir('cli-big-');
    const lines = [['id', ...FEATURES, 'note'].join(',')];
    for (let i = 1; i <= 60_000; i++) lines.push([i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750, i % 97 ? 'ok' : '"multi\nline"'].join(','));
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const input = join(dir, 'big.csv');
    writeFileSync(input, bytes);
    const err = capture();
    const code = await main([input, '--piece-mib', '1', '--batch', 'cli-test-batch'], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: err.stream });
    expect({ code, err: err.text().slice(-300) }).toMatchObject({ code: 0 });
    expect(readFileSync(join(dir, 'big-predictions.csv')).equals((await sendWhole(bytes)).body)).toBe(true);
    expect(await service.jobLog.flush(5000)).toBe(true);
    const listed = await fetch(`${service.url}/v1/jobs?batch=cli-test-batch`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());
    // About 1.7 MB in pieces of 1 MiB: two requests.
    const pieces = Math.ceil(bytes.length / (1 << 20));
    expect(pieces).toBe(2);
    expect(listed.batch).toMatchObject({ pieces, succeeded: pieces, rows: 60_000, bytesOut: expect.any(Number), errors: 0 });
  });

  it('waits out a 503 for its Retry-After and tries again after a dropped or cut connection', async () => {
    const dir = tempDir('cli-flaky-');
    const lines = [['id', ...FEATURES].join(',')];
    for (let i = 1; i <= 40_000; i++) lines.push([i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(','));
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n');
    const input = join(dir, 'flaky.csv');
    writeFileSync(input, bytes);
    const proxy = new FlakyProxy(new URL(service.url), [{ status503: 1 }, 'drop', 'cut', 'pass', 'drop']);
    await proxy.start();
    try {
      const result = await scoreFile({ input, output: join(dir, 'out.csv'), endpoint: endpoint(proxy.url), concurrency: 1, pieceBytes: 400_000, maxRequestBytes: 32 << 20, retries: fastRetries });
      expect(result).toMatchObject({ ok: true, rows: 40_000 });
      expect(readFileSync(join(dir, 'out.csv')).equals((await sendWhole(bytes)).body)).toBe(true);
      // The 503's retry came after its Retry-After (1 s); every fault was followed by a retry of the same piece.
      expect(proxy.seen[1].at - proxy.seen[0].at).toBeGreaterThanOrEqual(1000);
      const offsets = proxy.seen.map((s) => new URL(s.url, proxy.url).searchParams.get('row_offset'));
      expect(offsets.slice(0, 4)).toEqual(['0', '0', '0', '0']);
      expect(offsets[5]).toBe(offsets[4]);
    } finally {
      await proxy.stop();
    }
  });

  it('tries a piece again whose streamed or kept (chunked) answer was cut, or ended short as if whole (as workerd passes one on)', async () => {
    const dir = tempDir('cli-short-');
    const lines = [['id', ...FEATURES, 'note'].join(',')];
    for (let i = 1; i <= 100_000; i++) lines.push([i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750, i % 89 ? 'ok' : '"two\nlines"'].join(','));
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const input = join(dir, 'short.csv');
    writeFileSync(input, bytes);
    // The first piece (1 MiB) is answered at once, the second (over 2 MiB) streamed; both kept, so chunked.
    const proxy = new FlakyProxy(new URL(service.url), ['end-short', 'cut', 'pass', 'end-short', 'pass']);
    await proxy.start();
    try {
      const batch = 'cli-short-batch';
      const result = await scoreFile({ input, output: join(dir, 'out.csv'), endpoint: endpoint(proxy.url, `?batch=${batch}`), keep: true, concurrency: 1, pieceBytes: 2_400_000, maxRequestBytes: 32 << 20, retries: fastRetries });
      expect(result).toMatchObject({ ok: true, rows: 100_000 });
      const whole = (await sendWhole(bytes)).body;
      expect(readFileSync(join(dir, 'out.csv')).equals(whole)).toBe(true);
      const offsets = proxy.seen.map((s) => new URL(s.url, proxy.url).searchParams.get('row_offset'));
      expect(offsets.slice(0, 3)).toEqual(['0', '0', '0']);
      expect(offsets[3]).not.toBe('0');
      expect(offsets[4]).toBe(offsets[3]);
      expect(await service.jobLog.flush(5000)).toBe(true);
      const kept = await fetch(`${service.url}/v1/batches/${batch}/result`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(kept.status).toBe(200);
      expect(Buffer.from(await kept.arrayBuffer()).equals(whole)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('gives up after its retries when the API stays away, writing nothing, and refuses bad settings with exit 2', async () => {
    const dir = tempDir('cli-down-');
    const input = join(dir, 'small.csv');
    writeFileSync(input, `${FEATURES.join(',')}\n39.1,18.7,181,3750\n`);
    const proxy = new FlakyProxy(new URL(service.url), Array(20).fill('drop'));
    await proxy.start();
    const result = scoreFile({ input, output: join(dir, 'out.csv'), endpoint: endpoint(proxy.url), concurrency: 2, pieceBytes: 1 << 20, maxRequestBytes: 32 << 20, retries: fastRetries });
    await expect(result).rejects.toThrow();
    await proxy.stop();
    expect(readdirSync(dir)).toEqual(['small.csv']);

    for (const args of [[input], [input, '--concurrency', '0'], [input, '--piece-mib', '40'], []]) {
      const err = capture();
      const env = args.length === 1 ? {} : { API_URL: service.url, API_TOKEN: TOKEN };
      expect(await main(args, { env, stderr: err.stream })).toBe(2);
      expect(err.text()).toMatch(/API_URL|concurrency|piece-mib|one file/);
    }
  });

  it('runs as npm run predict does (a process of its own), exit 0 and the answer written', async () => {
    const dir = tempDir('cli-proc-');
    const input = join(dir, 'two.csv');
    writeFileSync(input, `${FEATURES.join(',')}\r\n39.1,18.7,181,3750\r\n40,18,190,3800\r\n`);
    // Not spawnSync: the service answering it runs in this process.
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'cli/predict.ts'), input, '--model', 'penguin-sex', '--out', join(dir, 'answer.csv')], {
      env: { ...process.env, API_URL: service.url, API_TOKEN: TOKEN, NODE_OPTIONS: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise((r) => child.on('exit', r));
    expect({ status, stderr: stderr.slice(-400) }).toMatchObject({ status: 0 });
    expect(readFileSync(join(dir, 'answer.csv'), 'utf8').split('\r\n')[0]).toBe(`${FEATURES.join(',')},prediction,probability`);
  });

  it('cuts a UTF-16 text file (LE or BE, tabs or commas) into pieces that give the bytes of the file sent whole', async () => {
    const dir = tempDir('cli-utf16-');
    let run = 0;
    const NOTE16 = fc.constantFrom('', 'plain', '観察', '𝄞 clef', '"two\r\nlines"', '"tab\tinside"', '"say ""hi"""');
    const UTF16_FILE = fc.record({
      rows: fc.array(fc.record({ note: NOTE16, bill: fc.integer({ min: 300, max: 600 }), blankAfter: fc.boolean() }), { minLength: 1, maxLength: 40 }),
      order: fc.constantFrom('utf-16le' as const, 'utf-16be' as const),
      delimiter: fc.constantFrom('\t', ','),
      pieceBytes: fc.integer({ min: 60, max: 1200 }),
      firstPieceBytes: fc.option(fc.integer({ min: 30, max: 300 }), { nil: undefined }),
      concurrency: fc.integer({ min: 1, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(UTF16_FILE, async (f) => {
        const lines = [['note', ...FEATURES].join(f.delimiter)];
        for (const r of f.rows) {
          lines.push([r.note, (r.bill / 10).toFixed(1), 18.7, 181, 3750].join(f.delimiter));
          if (r.blankAfter) lines.push('');
        }
        const le = Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`, 'utf16le');
        const bytes = f.order === 'utf-16le' ? le : Buffer.from(le).swap16();
        const input = join(dir, `in-${run}.txt`);
        const output = join(dir, `out-${run++}.txt`);
        writeFileSync(input, bytes);
        const whole = await sendWhole(bytes);
        expect(whole.status).toBe(200);
        const result = await scoreFile({ input, output, endpoint: endpoint(service.url), concurrency: f.concurrency, pieceBytes: f.pieceBytes, firstPieceBytes: f.firstPieceBytes, maxRequestBytes: 32 << 20, retries: fastRetries });
        expect(result).toMatchObject({ ok: true, rows: f.rows.length });
        expect(readFileSync(output).equals(whole.body)).toBe(true);
      }),
      { numRuns: 15, seed: Number(process.env.FC_SEED ?? 1816) },
    );
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('refuses a file with a UTF-16 byte order mark that is not UTF-16, writing nothing (exit 1)', async () => {
    const dir = tempDir('cli-bad16-');
    const input = join(dir, 'broken.txt');
    // A lone high surrogate: not UTF-16 text.
    writeFileSync(input, Buffer.concat([Buffer.from('\ufeffa\tb\r\n', 'utf16le'), Buffer.from([0x00, 0xd8, 0x41, 0x00])]));
    const err = capture();
    expect(await main([input], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: err.stream })).toBe(1);
    expect(err.text()).toMatch(/not valid UTF-16LE text .*save it again as "Unicode text" or "CSV UTF-8"; nothing was written/);
    expect(readdirSync(dir)).toEqual(['broken.txt']);
  });

  it('sends a workbook (made by LibreOffice) whole and writes the answered workbook; one over a request is refused with what to do', async () => {
    const dir = tempDir('cli-xlsx-');
    const rows = Array.from({ length: 200 }, (_, i) => [`bird ${i}`, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(','));
    const { colony } = libreOfficeFiles({ colony: [['name', ...FEATURES].join(','), ...rows].join('\n') + '\n' });
    const input = join(dir, 'colony.xlsx');
    writeFileSync(input, colony);
    const err = capture();
    expect(await main([input], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: err.stream })).toBe(0);
    expect(err.text()).toMatch(/scored 200 rows in 1 piece/);
    // The service's answer to the workbook, as a workbook (xlsx is a zip: PK).
    const written = readFileSync(join(dir, 'colony-predictions.xlsx'));
    expect(written.subarray(0, 2).toString('latin1')).toBe('PK');
    const whole = await sendWhole(colony);
    expect(whole.status).toBe(200);
    // Cell for cell (the zip's own bytes carry the time it was written).
    const cells = async (bytes: Buffer) => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(bytes as unknown as ArrayBuffer);
      const rowsOf: unknown[] = [];
      book.worksheets[0].eachRow((row) => rowsOf.push(row.values));
      return rowsOf;
    };
    const got = await cells(written);
    expect(got).toEqual(await cells(whole.body));
    expect(got).toHaveLength(201);
    expect(JSON.stringify(got[0])).toContain('prediction');

    // Larger than a request: nothing is sent, and the message says how to send it instead.
    const big = join(dir, 'big.xlsx');
    writeFileSync(big, Buffer.concat([colony, Buffer.alloc((32 << 20) + 1 - colony.length)]));
    const bigErr = capture();
    expect(await main([big], { env: { API_URL: service.url, API_TOKEN: TOKEN }, stderr: bigErr.stream })).toBe(2);
    expect(bigErr.text()).toMatch(/an Excel workbook \(\.xlsx\) of 32\.0 MiB, larger than one request \(32 MiB\), and a workbook cannot be split: save it as "CSV UTF-8" or as "Unicode text" \(UTF-16\)/);
    expect(existsSync(join(dir, 'big-predictions.xlsx'))).toBe(false);
  });

  it('starts with a small piece and doubles up to the piece size, and shows bytes sent before any answer is in', async () => {
    const dir = tempDir('cli-ramp-');
    const lines = [['id', ...FEATURES].join(',')];
    for (let i = 1; i <= 20_000; i++) lines.push([i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(','));
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n');
    const input = join(dir, 'ramp.csv');
    writeFileSync(input, bytes);

    const sizes: number[] = [];
    const source = { size: bytes.length, read: async (position: number, length: number) => bytes.subarray(position, position + length) };
    for await (const piece of splitFile(source, 64 * 1024, 4 * 1024)) sizes.push(piece.body.length);
    // Each piece runs on only to finish its last record (about 30 bytes here).
    [4, 8, 16, 32, 64, 64].forEach((kib, k) => expect(Math.abs(sizes[k] - kib * 1024)).toBeLessThan(64));

    const events: string[] = [];
    const progress = (): Progress => ({ sent: (n) => events.push(`sent ${n}`), advance: (n) => events.push(`done ${n}`), note: () => undefined, stop: () => undefined });
    const result = await scoreFile({ input, output: join(dir, 'out.csv'), endpoint: endpoint(service.url), concurrency: 3, pieceBytes: 64 * 1024, firstPieceBytes: 4 * 1024, maxRequestBytes: 32 << 20, progress });
    expect(result).toMatchObject({ ok: true, rows: 20_000 });
    expect(readFileSync(join(dir, 'out.csv')).equals((await sendWhole(bytes)).body)).toBe(true);
    // Three pieces went out before the first answer was counted; every byte was both sent and done.
    expect(events.slice(0, 3).every((e) => e.startsWith('sent'))).toBe(true);
    const sum = (kind: string) => events.filter((e) => e.startsWith(kind)).reduce((n, e) => n + Number(e.split(' ')[1]), 0);
    expect(sum('sent')).toBe(bytes.length);
    expect(sum('done')).toBe(bytes.length);
  });

  it('passes --sheet, --header-row, --format and --delimiter to the service (a LibreOffice workbook, its data on the second sheet under a title row; answered as CSV, named .csv); a bad value is a usage error naming the option, and nothing is sent', async () => {
    const dir = tempDir('cli-sheet-');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Cover').getCell('A1').value = 'Colony survey 2026';
    const birds = wb.addWorksheet('Birds');
    birds.addRow(['Colony survey 2026, by bird']);
    birds.addRow([]);
    birds.addRow(['name', ...FEATURES]);
    for (let i = 0; i < 120; i++) birds.addRow([`bird ${i}`, 39 + (i % 9), 18.7, 181, 3750]);
    const book = libreOfficeSaved({ 'survey.xlsx': Buffer.from(await wb.xlsx.writeBuffer()) }, 'xlsx').survey;
    const input = join(dir, 'survey.xlsx');
    writeFileSync(input, book);
    const env = { API_URL: service.url, API_TOKEN: TOKEN };

    // The first sheet holds no table: the service says so, naming the sheets.
    const first = capture();
    expect(await main([input], { env, stderr: first.stream })).toBe(1);
    expect(first.text()).toMatch(/Birds/);
    expect(readdirSync(dir)).toEqual(['survey.xlsx']);

    // The second sheet, its header on row 3, answered as CSV: the same bytes as the service's own answer, named .csv.
    const err = capture();
    const code = await main([input, '--sheet', 'Birds', '--header-row', '3', '--format', 'csv'], { env, stderr: err.stream });
    expect({ code, err: err.text().slice(-300) }).toMatchObject({ code: 0 });
    expect(err.text()).toMatch(/scored 120 rows in 1 piece/);
    const csv = readFileSync(join(dir, 'survey-predictions.csv'));
    const whole = await sendWhole(book, '?sheet=Birds&header_row=3&format=csv');
    expect(whole.status).toBe(200);
    expect(csv.equals(whole.body)).toBe(true);
    expect(csv.toString('utf8').replace(/^\ufeff/, '').split('\r\n')[0]).toBe(`name,${FEATURES.join(',')},prediction,probability`);
    // The header row is passed on: row 1 (the title) names none of the model's columns.
    const titleRow = capture();
    expect(await main([input, '--sheet', 'Birds', '--header-row', '1', '--out', join(dir, 'no.xlsx')], { env, stderr: titleRow.stream })).toBe(1);
    expect(titleRow.text()).toMatch(/names none of the model's columns/);
    // Without --format the answer is the workbook (a zip: PK), named .xlsx.
    expect(await main([input, '--sheet', 'Birds'], { env, stderr: capture().stream })).toBe(0);
    expect(readFileSync(join(dir, 'survey-predictions.xlsx')).subarray(0, 2).toString('latin1')).toBe('PK');

    // A semicolon CSV with --delimiter semicolon, in pieces: the bytes of the file sent whole with it.
    const rows = [['id', ...FEATURES].join(';'), ...Array.from({ length: 2000 }, (_, i) => [i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(';'))];
    const semi = Buffer.from(rows.join('\r\n') + '\r\n');
    writeFileSync(join(dir, 'semi.csv'), semi);
    const semiErr = capture();
    const semiCode = await main([join(dir, 'semi.csv'), '--delimiter', 'semicolon', '--piece-kib', '8'], { env, stderr: semiErr.stream });
    expect({ semiCode, err: semiErr.text().slice(-300) }).toMatchObject({ semiCode: 0 });
    expect(semiErr.text()).toMatch(/scored 2000 rows in [3-9] piece/);
    const semiWhole = await sendWhole(semi, '?delimiter=semicolon');
    expect(semiWhole.status).toBe(200);
    expect(readFileSync(join(dir, 'semi-predictions.csv')).equals(semiWhole.body)).toBe(true);

    // Bad values: exit 2 naming the option, before any request (a proxy counts them).
    const proxy = new FlakyProxy(new URL(service.url), []);
    await proxy.start();
    try {
      for (const [option, value, allowed] of [
        ['--format', 'pdf', /auto, xlsx, csv/],
        ['--delimiter', 'pipe', /auto, comma, tab, semicolon/],
        ['--header-row', '0', /whole number from 1/],
        ['--header-row', 'three', /whole number from 1/],
        ['--sheet', '', /must not be empty/],
      ] as const) {
        const bad = capture();
        expect(await main([input, option, value], { env: { ...env, API_URL: proxy.url }, stderr: bad.stream })).toBe(2);
        expect(bad.text().split('\n')[0]).toMatch(new RegExp(`^${option} `));
        expect(bad.text()).toMatch(allowed);
      }
    } finally {
      await proxy.stop();
    }
    expect(proxy.seen).toEqual([]);
  }, 240_000);

  it('scores a file in pieces through an API Gateway stand-in that wants the x-api-key (API_KEY or --api-key); without it or with a wrong one exits 1 with the gateway\'s message, writing nothing', async () => {
    const dir = tempDir('cli-gateway-');
    const lines = [['id', ...FEATURES].join(',')];
    for (let i = 1; i <= 3000; i++) lines.push([i, (39 + (i % 9)).toFixed(1), 18.7, 181, 3750].join(','));
    const bytes = Buffer.from(lines.join('\r\n') + '\r\n');
    const input = join(dir, 'colony.csv');
    writeFileSync(input, bytes);
    const expected = (await sendWhole(bytes)).body;
    const gateway = apiGatewayStandIn(new URL(service.url), 'gw-key-1');
    await gateway.start();
    try {
      const env = { API_URL: gateway.url, API_TOKEN: TOKEN };
      for (const [how, args, extraEnv] of [
        ['API_KEY', [], { API_KEY: 'gw-key-1' }],
        ['--api-key', ['--api-key', 'gw-key-1'], {}],
      ] as const) {
        const before = gateway.seen.length;
        const err = capture();
        const out = join(dir, `answer-${how}.csv`);
        const code = await main([input, '--piece-kib', '8', '--out', out, ...args], { env: { ...env, ...extraEnv }, stderr: err.stream });
        expect({ how, code, err: err.text().slice(-300) }).toMatchObject({ code: 0 });
        expect(readFileSync(out).equals(expected)).toBe(true);
        const seen = gateway.seen.slice(before);
        expect(seen.length).toBeGreaterThanOrEqual(5);
        expect(seen.every((s) => s.fault === 'pass')).toBe(true);
      }
      for (const [key, status, message] of [
        [undefined, 401, MISSING_KEY],
        ['not-the-key', 403, WRONG_KEY],
      ] as const) {
        const err = capture();
        const out = join(dir, `refused-${status}.csv`);
        const code = await main([input, '--piece-kib', '8', '--out', out, ...(key ? ['--api-key', key] : [])], { env, stderr: err.stream });
        expect(code).toBe(1);
        expect(err.text()).toContain(`was refused: ${status} ${message}; nothing was written`);
        expect(existsSync(out)).toBe(false);
      }
    } finally {
      await gateway.stop();
    }
    expect(readdirSync(dir).sort()).toEqual(['answer---api-key.csv', 'answer-API_KEY.csv', 'colony.csv']);
  });
});
