/**
 * A predict request as one piece of a larger file: ?row_offset= numbers its errors as the whole
 * file's rows, ?batch= ties it to its siblings in the job log, and /v1/jobs?batch= gives the
 * batch's pieces and totals. Held against the same file sent whole.
 */
import request from 'supertest';
import { AUTH, buildTestApp, csv, FEATURES, TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const header = ['id', ...FEATURES];
const good = (i: number) => [i, 39.1 + (i % 7), 18.7, 181, 3750];
const bad = (i: number) => [i, 'forty', 18.7, 181, 3750];

/** Rows 1..n, with `badRows` (1-based data rows) holding a value that is not a number, and a blank line after row 3. */
function rows(n: number, badRows: number[]): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (let i = 1; i <= n; i++) {
    out.push(badRows.includes(i) ? bad(i) : good(i));
    if (i === 3) out.push(['']);
  }
  return out;
}

const predict = (body: string, query = '') => request(t.app).post(`/v1/predict${query}`).set(AUTH).set('Content-Type', 'text/csv').send(body);

describe('row_offset', () => {
  it('numbers a piece\'s row errors as the whole file numbers them', async () => {
    // 12 data rows and a blank line after row 3 make 13 records; rows 9 and 12 are bad.
    const all = rows(12, [9, 12]);
    const whole = await predict(csv([header, ...all]));
    expect(whole.status).toBe(422);
    const wholeRows = whole.body.errors.map((e: { row: number }) => e.row);
    expect(wholeRows).toEqual([10, 13]);
    // The second piece: the records after the first 7 (blank line included), header repeated.
    const piece = await predict(csv([header, ...all.slice(7)]), '?row_offset=7');
    expect(piece.status).toBe(422);
    expect(piece.body.errors).toEqual(whole.body.errors);
    expect(piece.body.totalErrors).toBe(2);
  });

  it('leaves header problems unnumbered and answers 200 as without it', async () => {
    const ok = await predict(csv([header, good(1)]), '?row_offset=1000');
    expect(ok.status).toBe(200);
    const missing = await predict(csv([['id', 'bill_length_mm'], [1, 2]]), '?row_offset=1000');
    expect(missing.status).toBe(422);
    expect(missing.body.errors.every((e: { row: number | null }) => e.row === null)).toBe(true);
  });

  it.each(['-1', '1.5', 'ten', '', '2147483648', '99999999999'])('refuses row_offset=%s with a 400 naming it', async (value) => {
    const res = await predict(csv([header, good(1)]), `?row_offset=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/^row_offset must be a whole number/);
  });
});

describe('batch', () => {
  it.each(['', '-leading', 'has space', 'a'.repeat(65), 'semi;colon', 'ü'])('refuses batch=%j with a 400 naming it, before reading the upload', async (value) => {
    const res = await predict(csv([header, good(1)]), `?batch=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^batch must be/);
    const list = await request(t.app).get(`/v1/jobs?batch=${encodeURIComponent(value)}`).set(AUTH);
    expect(list.status).toBe(400);
    expect(list.body.detail).toMatch(/^batch must be/);
  });

  it('records each piece under its batch; /v1/jobs?batch= lists them and their totals', async () => {
    const batch = `b-${Date.now()}`;
    const first = csv([header, ...rows(5, [])]);
    const second = csv([header, ...rows(4, [2, 4])]);
    const third = csv([header, ...rows(2, [])]);
    expect((await predict(first, `?batch=${batch}`)).status).toBe(200);
    expect((await predict(second, `?batch=${batch}&row_offset=6`)).status).toBe(422);
    expect((await predict(third, `?batch=${batch}&row_offset=11`)).status).toBe(200);
    expect((await predict(first, '?batch=other-batch')).status).toBe(200);
    expect(await t.jobLog.flush(5000)).toBe(true);

    const res = await request(t.app).get(`/v1/jobs?batch=${batch}&limit=2`).set(AUTH);
    expect(res.status).toBe(200);
    expect(res.body.jobs).toHaveLength(2);
    expect(res.body.jobs.every((j: { batch: string }) => j.batch === batch)).toBe(true);
    expect(res.body.jobs[1].errorCount).toBe(2);
    expect(res.body.batch).toMatchObject({
      id: batch,
      pieces: 3,
      succeeded: 2,
      rows: 7,
      bytesIn: Buffer.byteLength(first) + Buffer.byteLength(second) + Buffer.byteLength(third),
      errors: 2,
    });
    const next = await request(t.app).get(`/v1/jobs?batch=${batch}&limit=2&cursor=${res.body.nextCursor}`).set(AUTH);
    expect(next.body.jobs).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();

    const unknown = await request(t.app).get('/v1/jobs?batch=never-sent').set(AUTH);
    expect(unknown.body).toMatchObject({ jobs: [], batch: { id: 'never-sent', pieces: 0, rows: 0, errors: 0 } });
    const plain = await request(t.app).get('/v1/jobs').set(AUTH);
    expect(plain.body.batch).toBeUndefined();
  });
});
