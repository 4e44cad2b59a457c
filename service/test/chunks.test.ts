/**
 * Jobs are read in chunks of records and their answers written in batches. None of that may
 * change an answer: every case here is compared, byte for byte, with the answer of an app that
 * reads the whole upload as one chunk in one thread.
 */
import { gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import iconv from 'iconv-lite';
import request from 'supertest';
import { AUTH, buildTestApp, serveTestApp, TestApp } from './helpers';

const HEADER = 'id,note,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g';
const row = (i: number, note = `n${i % 7}`) => `${i},${note},${35 + (i % 20)},${14 + (i % 6)},${180 + (i % 40)},${3000 + (i % 2000)}`;
const rows = (n: number, at: (i: number) => string | undefined = () => undefined, eol = '\r\n') =>
  [HEADER, ...Array.from({ length: n }, (_, k) => at(k + 1) ?? row(k + 1))].join(eol) + eol;

let whole: TestApp;
let chunked: TestApp;
let split: TestApp;
beforeAll(async () => {
  [whole, chunked, split] = await Promise.all([
    buildTestApp({ threads: 1, chunkBytes: 1 << 30 }),
    buildTestApp({ threads: 1, chunkBytes: 1024 }),
    buildTestApp({ threads: 2, chunkBytes: 4096 }),
  ]);
});
afterAll(async () => Promise.all([whole.close(), chunked.close(), split.close()]));

const send = (t: TestApp, body: string | Buffer, query = '') =>
  request(t.app)
    .post(`/v1/predict${query}`)
    .set(AUTH)
    .set('Content-Type', 'text/csv')
    .send(body)
    .buffer(true)
    .parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });

/** The same answer as the one-chunk app gives: status, bytes and summary headers. */
async function expectSameAnswer(apps: TestApp[], body: string | Buffer, query = '') {
  const reference = await send(whole, body, query);
  for (const app of apps) {
    const answer = await send(app, body, query);
    expect(answer.status).toBe(reference.status);
    expect(Buffer.compare(answer.body as Buffer, reference.body as Buffer)).toBe(0);
    expect(answer.headers['x-row-count']).toBe(reference.headers['x-row-count']);
    expect(answer.headers['x-class-counts']).toBe(reference.headers['x-class-counts']);
  }
  return reference;
}

describe('answers read in chunks', () => {
  it('are the one-chunk answers for quoted fields, blank lines, formulas and every line break', async () => {
    // One accented row: the one-chunk app decodes and encodes every row, while most small chunks
    // are plain ASCII and copied as bytes.
    const quoted = (i: number) =>
      i % 9 === 0 ? row(i, `"multi\r\nline, with ""quotes"""`) : i % 13 === 0 ? '' : i % 17 === 0 ? row(i, '=HYPERLINK("x")') : i === 398 ? row(i, 'café') : undefined;
    for (const eol of ['\r\n', '\n', '\r']) {
      const answer = await expectSameAnswer([chunked], rows(400, quoted, eol));
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toContain(`'=HYPERLINK`);
    }
    // A lone LF in an unquoted cell of a CRLF file ends the record, as in a spreadsheet: each
    // half is a row of its own (too narrow here), numbered as the spreadsheet numbers it.
    const loneLf = await expectSameAnswer([chunked], rows(300, (i) => (i % 5 === 0 ? row(i, `a\nb`) : undefined)));
    expect(loneLf.status).toBe(422);
    expect(loneLf.body.toString()).toContain('"row":5,"column":null,"message":"the row has 2 fields, the header has 6"');
    expect(loneLf.body.toString()).toContain('"row":6,"column":null,"message":"the row has 5 fields, the header has 6"');
  });

  it('are the one-chunk answers for a BOM, for Shift_JIS, and with Shift_JIS output', async () => {
    const japanese = rows(300, (i) => (i % 4 === 0 ? row(i, '観察（雨天）') : i % 10 === 3 ? row(i, '=合計（雨天）') : undefined));
    await expectSameAnswer([chunked], Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(japanese)]));
    // Read in place as UTF-8 (the formula rows neutralised), then as Shift_JIS text.
    expect((await expectSameAnswer([chunked], japanese)).body.toString()).toContain(`'=合計（雨天）`);
    const sjis = await expectSameAnswer([chunked], iconv.encode(japanese, 'Shift_JIS'));
    expect(sjis.body.toString()).toContain('観察（雨天）');
    const back = await expectSameAnswer([chunked], japanese, '?output_encoding=shift_jis');
    expect(iconv.decode(back.body as Buffer, 'cp932')).toContain('観察（雨天）');
  });

  it('number the rows of a 422 over the whole file, across chunks', async () => {
    const bad = (i: number) => (i % 37 === 0 ? `${i},n,x,15,190,3500` : i === 250 ? `${i},short` : undefined);
    const answer = await expectSameAnswer([chunked], rows(600, bad));
    expect(answer.status).toBe(422);
    const body = JSON.parse(answer.body.toString());
    expect(body.errors.map((e: { row: number }) => e.row)).toContain(250);
    expect(body.errors[0].row).toBe(37);
  });

  it('are the one-chunk answers for a large upload read by two threads in small chunks', async () => {
    const note = (i: number) => (i % 1000 === 0 ? row(i, `"観察\n""雨天"""`) : i % 777 === 0 ? row(i, '@SUM(A1)') : undefined);
    const large = rows(100_000, note);
    expect(large.length).toBeGreaterThan(2 * 1024 * 1024);
    const answer = await expectSameAnswer([split, chunked], large);
    expect(answer.status).toBe(200);
    // With a BOM (written before the first batch) and in Shift_JIS (no chunk is copied as bytes).
    const withBom = await expectSameAnswer([split], Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(large)]));
    expect([...(withBom.body as Buffer).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const sjis = await expectSameAnswer([split], large, '?output_encoding=shift_jis');
    expect(iconv.decode(sjis.body as Buffer, 'cp932')).toContain('観察');
    const bad = await expectSameAnswer([split, chunked], rows(100_000, (i) => (i === 3 || i === 99_999 ? `${i},n,40,15,190,` : note(i))));
    expect(JSON.parse(bad.body.toString()).errors.map((e: { row: number }) => e.row)).toEqual([3, 99_999]);
  });
});

describe('a large answer', () => {
  it('streams out without a length, while a small one states its length', async () => {
    const large = await send(split, rows(100_000));
    expect(large.status).toBe(200);
    expect(large.headers['content-length']).toBeUndefined();
    expect(large.headers['transfer-encoding']).toBe('chunked');
    const small = await send(split, rows(10));
    expect(small.headers['content-length']).toBe(String(small.body.length));
  });

  it('frees its place when the client hangs up half way, so the next large job still runs', async () => {
    const t = await serveTestApp({ threads: 2, maxPendingBytes: 4 * 1024 * 1024 });
    try {
      const body = rows(100_000);
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${t.url}/v1/predict`, { method: 'POST', headers: { ...AUTH, 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.once('data', () => {
            res.destroy();
            resolve();
          });
        });
        req.on('error', reject);
        req.end(body);
      });
      // The cut job's place is freed once its batches in flight are done.
      await new Promise((r) => setTimeout(r, 500));
      const next = await fetch(`${t.url}/v1/predict`, { method: 'POST', headers: { ...AUTH, 'content-type': 'text/csv' }, body });
      expect(next.status).toBe(200);
      expect(next.headers.get('x-row-count')).toBe('100000');
      expect((await next.text()).split('\r\n').length).toBe(100_002);
    } finally {
      await t.close();
    }
  });
});

describe('rows the answer cannot carry', () => {
  it('names the row whose characters Shift_JIS output cannot write, in small and large uploads', async () => {
    const small = await expectSameAnswer([chunked], rows(50, (i) => (i === 42 ? row(i, 'penguin 🐧') : undefined)), '?output_encoding=shift_jis');
    expect(small.status).toBe(422);
    expect(JSON.parse(small.body.toString()).errors).toEqual([{ row: 42, column: null, message: expect.stringMatching(/Shift_JIS cannot write.*output_encoding=utf-8/) }]);
    const large = await expectSameAnswer([split], rows(100_000, (i) => (i === 80_001 ? row(i, '🐧') : undefined)), '?output_encoding=shift_jis');
    expect(JSON.parse(large.body.toString()).errors[0].row).toBe(80_001);
  });

  it('stops at a record that runs on past 1 MiB (an unclosed quote), naming where it starts', async () => {
    const unclosed = rows(60_000, (i) => (i === 5 ? row(i, '"never closed') : undefined));
    const answer = await send(chunked, unclosed);
    expect(answer.status).toBe(422);
    const errors = JSON.parse(answer.body.toString()).errors;
    expect(errors[errors.length - 1]).toEqual({ row: 5, column: null, message: expect.stringMatching(/more than 1 MiB: is a closing quote missing/) });
    expect(errors.every((e: { row: number }) => e.row === 5)).toBe(true);
    // A record just under the limit is read like any other, within the threads' heap limits.
    const long = await expectSameAnswer([chunked, split], rows(20, (i) => (i === 5 ? row(i, `"${'long, text\n'.repeat(95_000)}"`) : undefined)));
    expect(long.status).toBe(200);
  });
});

describe('upload bodies', () => {
  it('takes a gzip-compressed CSV body, and refuses a compression it does not know', async () => {
    const body = rows(100);
    const plain = await send(chunked, body);
    const zipped = await request(chunked.app).post('/v1/predict').set(AUTH).set('Content-Type', 'text/csv').set('Content-Encoding', 'gzip').send(gzipSync(body));
    expect(zipped.status).toBe(200);
    expect(zipped.text).toBe(plain.body.toString());
    const unknown = await request(chunked.app).post('/v1/predict').set(AUTH).set('Content-Type', 'text/csv').set('Content-Encoding', 'compress').send(body);
    expect(unknown.status).toBe(415);
    expect(unknown.body.detail).toMatch(/Content-Encoding compress/);
  });
});
