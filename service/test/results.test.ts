/**
 * Kept results (issue 18) with the folder backend, through the real service: the answer kept as it
 * streams, downloaded again byte for byte with its name and type, refused to another caller,
 * 404 with a reason once expired or never kept, and a keep that fails or stalls never failing
 * the prediction.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { FolderResultStore } from '../src/results/folder-store';
import { MAX_DECLARED_RESPONSE_BYTES } from '../src/routes/results';
import type { ResultStore } from '../src/results/result-store';
import { AccessIssuer } from './access-issuer';
import { csv, FEATURES, keptOf, OTHER_TOKEN, serveTestApp, ServedTestApp, tempDir, TOKEN } from './helpers';
import { ServerProcess, startServerProcess } from './server-process';

const auth = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });

function rowsCsv(rows: number, extra = ''): string {
  return csv([[...FEATURES, 'note'], ...Array.from({ length: rows }, (_, i) => [39 + (i % 10), 18.7, 181 + (i % 7), 3750, `${extra}${i}`])]);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  trailers: Record<string, string | undefined>;
  body: Buffer;
}

/** A plain HTTP exchange: node's client is the one that reads trailers. */
function exchange(url: string, method: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { TE: 'trailers', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const predict = (url: string, body: Buffer | string, query = '?keep=true', token = TOKEN, name = 'colony.csv') =>
  exchange(`${url}/v1/predict${query}`, 'POST', { ...auth(token), 'Content-Type': 'text/csv', 'X-File-Name': name }, body);
const download = (url: string, id: string, token = TOKEN) => exchange(`${url}/v1/jobs/${id}/result`, 'GET', auth(token));
const problem = (a: Answer) => JSON.parse(a.body.toString()) as { type: string; detail: string; status: number };

describe('kept results through the real server process (folder backend)', () => {
  let server: ServerProcess;
  let url: string;
  let resultsDir: string;
  beforeAll(async () => {
    resultsDir = join(tempDir('results-e2e-'), 'kept');
    server = await startServerProcess({ API_TOKENS: `${TOKEN},${OTHER_TOKEN}`, RESULTS_DIR: resultsDir, DATABASE_URL: '' });
    url = server.url;
  }, 40_000);
  afterAll(() => server.stop());

  it.each([
    ['a small answer (sent at once)', 50],
    ['a streamed answer (over 2 MiB, written as it goes)', 60_000],
  ])('keeps %s and gives it back byte for byte, with its name and type, to its caller only', async (_what, rows) => {
    const answer = await predict(url, rowsCsv(rows));
    expect(answer.status).toBe(200);
    expect(keptOf(answer)).toMatch(/^yes; until=\d{4}-/);
    const id = String(answer.headers['x-job-id']);
    const again = await download(url, id);
    expect(again.status).toBe(200);
    expect(again.body.equals(answer.body)).toBe(true);
    expect(again.headers['content-type']).toBe(answer.headers['content-type']);
    expect(again.headers['content-disposition']).toBe(answer.headers['content-disposition']);
    expect(again.headers['x-result-expires']).toBe(keptOf(answer)!.slice('yes; until='.length));

    // Another caller's job is no job at all, as GET /v1/jobs/{id} answers.
    const other = await download(url, id, OTHER_TOKEN);
    expect(other.status).toBe(404);
    expect(problem(other).type).toBe('/problems/unknown-job');
    expect(other.body.includes(answer.body.subarray(0, 40))).toBe(false);

    // The job log says where and until when, once its record is written.
    let job: { result?: { location: string; expiresAt: string } } = {};
    for (let i = 0; i < 100 && !job.result; i++) {
      const r = await fetch(`${url}/v1/jobs/${id}`, { headers: auth() });
      if (r.status === 200) job = await r.json();
      else await new Promise((res) => setTimeout(res, 50));
    }
    expect(job.result).toEqual({ location: `file://${join(resultsDir, id)}`, expiresAt: again.headers['x-result-expires'] });
  }, 60_000);

  it('sends a streamed answer’s outcome as a trailer only to a client that takes trailers (TE: trailers); to others it ends once kept, and the job log says', async () => {
    const answer = await exchange(`${url}/v1/predict?keep=true`, 'POST', { ...auth(), 'Content-Type': 'text/csv', TE: '' }, rowsCsv(120_000));
    expect(answer.status).toBe(200);
    expect([answer.headers['transfer-encoding'], answer.headers.trailer, keptOf(answer)]).toEqual(['chunked', undefined, undefined]);
    // Kept by the time the answer ended: downloadable at once.
    const again = await download(url, String(answer.headers['x-job-id']));
    expect([again.status, again.body.equals(answer.body)]).toEqual([200, true]);
  });

  it('keeps a small answer before sending it with its Content-Length (a cut is told by every client) and the outcome as a header, trailers asked or not', async () => {
    for (const te of ['', 'trailers']) {
      const answer = await exchange(`${url}/v1/predict?keep=true`, 'POST', { ...auth(), 'Content-Type': 'text/csv', TE: te }, rowsCsv(50));
      expect(answer.status).toBe(200);
      expect([answer.headers['transfer-encoding'], answer.headers['content-length'], answer.headers.trailer]).toEqual([undefined, String(answer.body.length), undefined]);
      expect(answer.headers['x-result-kept']).toMatch(/^yes; until=/);
      const again = await download(url, String(answer.headers['x-job-id']));
      expect([again.status, again.body.equals(answer.body)]).toEqual([200, true]);
    }
  });

  it('answers 404 with the reason for an answer that was never kept, and for an unknown job', async () => {
    const answer = await predict(url, rowsCsv(5), '');
    expect(answer.status).toBe(200);
    expect(keptOf(answer)).toBeUndefined();
    const id = String(answer.headers['x-job-id']);
    let missing = await download(url, id);
    // Until the job log has its record, the job is unknown; then it says why.
    for (let i = 0; i < 100 && problem(missing).type === '/problems/unknown-job'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      missing = await download(url, id);
    }
    expect(missing.status).toBe(404);
    expect(problem(missing).type).toBe('/problems/result-not-kept');
    expect(problem(missing).detail).toContain('?keep=true');
    expect(problem(await download(url, id, OTHER_TOKEN)).type).toBe('/problems/unknown-job');

    const unknown = await download(url, '00000000-0000-4000-8000-000000000000');
    expect([unknown.status, problem(unknown).type]).toEqual([404, '/problems/unknown-job']);
  });

  it('refuses a keep parameter that is not true or false, naming it', async () => {
    const answer = await predict(url, rowsCsv(5), '?keep=yes');
    expect(answer.status).toBe(400);
    expect(problem(answer).detail).toMatch(/^keep must be true or false/);
  });
});

describe('kept results in the app, over time and under failure (folder backend)', () => {
  let t: ServedTestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const jobRecord = async (id: string) => {
    await t!.jobLog.flush(2000);
    return t!.jobStore.get(id);
  };

  it('keeps a Shift_JIS answer as Shift_JIS, expires it after the retention with a reason, and the sweep removes it', async () => {
    const dir = tempDir('results-expiry-');
    const retentionDays = 1.5 / 86_400; // 1.5 s
    const store = new FolderResultStore(dir, retentionDays);
    t = await serveTestApp({ results: { store, retentionDays } });
    const body = iconv.encode(csv([[...FEATURES, '備考'], [39.1, 18.7, 181, 3750, 'ペンギン']]), 'Shift_JIS');
    const answer = await predict(t.url, body, '?keep=true&encoding=shift_jis&output_encoding=shift_jis', TOKEN);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=shift_jis');
    const id = String(answer.headers['x-job-id']);
    const again = await download(t.url, id);
    expect([again.status, again.headers['content-type'], again.body.equals(answer.body)]).toEqual([200, 'text/csv; charset=shift_jis', true]);

    await new Promise((r) => setTimeout(r, 1600));
    const expired = await download(t.url, id);
    expect([expired.status, problem(expired).type]).toEqual([404, '/problems/result-expired']);
    expect(problem(expired).detail).toMatch(/was kept until .* and has expired/);

    expect(await store.sweep()).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
    // Swept, the job log still says why.
    expect((await jobRecord(id))?.result?.location).toBe(store.locationOf(id));
    const gone = await download(t.url, id);
    expect([gone.status, problem(gone).type]).toEqual([404, '/problems/result-expired']);
  });

  it('sends a kept answer over 32 MiB chunked, without a length (Cloud Run refuses a longer declared HTTP/1 response), and a smaller one with it', async () => {
    const store = new FolderResultStore(tempDir('results-large-'), 30);
    t = await serveTestApp({ results: { store, retentionDays: 30 } });
    const small = await predict(t.url, csv([FEATURES, [39.1, 18.7, 181, 3750]]), '?keep=true', TOKEN);
    const smallId = String(small.headers['x-job-id']);
    const again = await download(t.url, smallId);
    expect([again.headers['content-length'], again.headers['transfer-encoding']]).toEqual([String(small.body.length), undefined]);
    // A kept answer just over the limit, as the caller's own (its meta taken from the small one's).
    const { meta } = (await store.open(smallId))!;
    const large = Buffer.alloc(MAX_DECLARED_RESPONSE_BYTES + 1, 0x61);
    const largeId = randomUUID();
    await pipeline(Readable.from([large]), store.create(largeId, meta));
    const got = await download(t.url, largeId);
    expect([got.status, got.headers['content-length'], got.headers['transfer-encoding'], got.body.equals(large)]).toEqual([200, undefined, 'chunked', true]);
  });

  it('delivers the whole prediction when keeping fails, says so in the trailer and the job log, and the download says why', async () => {
    const dir = tempDir('results-broken-');
    const store = new FolderResultStore(dir, 30);
    t = await serveTestApp({ results: { store, retentionDays: 30 } });
    // A file where the folder should be: no answer can be written there.
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a folder');
    const plain = await predict(t.url, rowsCsv(200), '');
    const answer = await predict(t.url, rowsCsv(200));
    expect(answer.status).toBe(200);
    expect(answer.body.equals(plain.body)).toBe(true);
    expect(keptOf(answer)).toMatch(/^no; reason="storage refused it: EEXIST/);
    const id = String(answer.headers['x-job-id']);
    expect((await jobRecord(id))?.errorSummary).toMatch(/^answer not kept: storage refused it/);
    const missing = await download(t.url, id);
    expect([missing.status, problem(missing).type]).toEqual([404, '/problems/result-not-kept']);
    expect(problem(missing).detail).toContain('was asked to be kept but was not (storage refused it');
  });

  it('gives up a keep whose storage stalls, holding no more than its bound, and still delivers the answer', async () => {
    let heldMost = 0;
    let stalled: Writable | undefined;
    const stalling: ResultStore = {
      kind: 'folder',
      locationOf: (id) => `stall://${id}`,
      create: () => {
        // Takes the first piece and never confirms it: a storage that stopped answering.
        stalled = new Writable({ highWaterMark: 16 * 1024, write: () => undefined });
        return stalled;
      },
      open: async () => undefined,
    };
    t = await serveTestApp({ maxUploadBytes: 16 * 1024 * 1024, results: { store: stalling, retentionDays: 1, limits: { maxBehindBytes: 256 * 1024, stallMs: 300 } } });
    const input = rowsCsv(60_000);
    const plain = await predict(t.url, input, '');
    const watch = setInterval(() => (heldMost = Math.max(heldMost, stalled?.writableLength ?? 0)), 1);
    const answer = await predict(t.url, input);
    clearInterval(watch);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(plain.body)).toBe(true);
    expect(keptOf(answer)).toMatch(/^no; reason="storage fell 262144 bytes behind and took nothing more for 300 ms"/);
    // The bound and one piece of the answer (at most a write batch's answer, about 2 MiB here).
    expect(heldMost).toBeLessThan(256 * 1024 + 4 * 1024 * 1024);
    expect(stalled!.destroyed).toBe(true);
  }, 30_000);

  it('keeps the exact bytes when storage is slower than the client (the answer\'s buffers are written into again once sent)', async () => {
    const folder = new FolderResultStore(tempDir('results-slow-'), 30);
    const slow: ResultStore = {
      kind: 'folder',
      locationOf: (id) => folder.locationOf(id),
      open: (id) => folder.open(id),
      create: (id, meta) => {
        const inner = folder.create(id, meta);
        // Each piece reaches the disk 20 ms after it was handed over.
        return new Writable({
          write: (chunk, _enc, done) => setTimeout(() => inner.write(chunk, done), 20),
          final: (done) => inner.end(done),
          destroy: (error, done) => done(inner.destroy(error ?? undefined) && error),
        });
      },
    };
    t = await serveTestApp({ maxUploadBytes: 16 * 1024 * 1024, threads: 1, results: { store: slow, retentionDays: 30, limits: { maxBehindBytes: 64 * 1024 * 1024, stallMs: 10_000 } } });
    // Past three write batches on one thread, the first batch's buffer is written into again.
    const answer = await predict(t.url, rowsCsv(200_000));
    expect(keptOf(answer)).toMatch(/^yes/);
    const again = await download(t.url, String(answer.headers['x-job-id']));
    expect(again.body.length).toBe(answer.body.length);
    expect(again.body.equals(answer.body)).toBe(true);
  }, 60_000);

  it('keeps a workbook answer as the workbook, and gives it back byte for byte with its name and type', async () => {
    const store = new FolderResultStore(tempDir('results-xlsx-'), 30);
    t = await serveTestApp({ results: { store, retentionDays: 30 } });
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('データ');
    sheet.addRow([...FEATURES, '備考']);
    sheet.addRow([39.1, 18.7, 181, 3750, 'ペンギン']);
    const answer = await predict(t.url, Buffer.from(await wb.xlsx.writeBuffer()), '?keep=true', TOKEN, 'colony.xlsx');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(keptOf(answer)).toMatch(/^yes; until=/);
    const again = await download(t.url, String(answer.headers['x-job-id']));
    expect([again.status, again.headers['content-type'], again.headers['content-disposition']]).toEqual([200, answer.headers['content-type'], answer.headers['content-disposition']]);
    expect(again.body.equals(answer.body)).toBe(true);
  });

  it('keeps nothing of an answer the client left half-way', async () => {
    const dir = tempDir('results-left-');
    const store = new FolderResultStore(dir, 30);
    t = await serveTestApp({ maxUploadBytes: 16 * 1024 * 1024, results: { store, retentionDays: 30 } });
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${t!.url}/v1/predict?keep=true`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/csv' } }, (res) => {
        res.once('data', () => {
          res.destroy();
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end(rowsCsv(120_000));
    });
    for (let i = 0; i < 100 && readdirSync(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  }, 30_000);
});

describe('kept results and who may download them (identity)', () => {
  let issuer: AccessIssuer;
  let t: ServedTestApp;
  beforeAll(async () => {
    issuer = await AccessIssuer.start();
    t = await serveTestApp({ access: issuer.settings, admins: { emails: ['boss@example.com'] }, results: { store: new FolderResultStore(tempDir('results-owners-'), 30), retentionDays: 30 } });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  const as = async (email: string) => ({ ...auth(), 'Cf-Access-Jwt-Assertion': await issuer.assertion({ email }) });
  const predictAs = async (email: string, query = '?keep=true') =>
    exchange(`${t.url}/v1/predict${query}`, 'POST', { ...(await as(email)), 'Content-Type': 'text/csv', 'X-File-Name': 'colony.csv' }, rowsCsv(20));
  const downloadAs = async (email: string, id: string) => exchange(`${t.url}/v1/jobs/${id}/result`, 'GET', await as(email));

  it("keeps the answer as its caller's: another user gets 404 unknown-job, an admin and the caller get the bytes", async () => {
    const answer = await predictAs('alice@example.com');
    expect(keptOf(answer)).toMatch(/^yes/);
    const id = String(answer.headers['x-job-id']);

    const bob = await downloadAs('bob@example.com', id);
    expect([bob.status, problem(bob).type]).toEqual([404, '/problems/unknown-job']);
    // The shared API token alone is another caller too (token:<fingerprint>), not the person who kept it.
    const token = await download(t.url, id);
    expect([token.status, problem(token).type]).toEqual([404, '/problems/unknown-job']);

    for (const who of ['alice@example.com', 'boss@example.com']) {
      const again = await downloadAs(who, id);
      expect(again.status).toBe(200);
      expect(again.body.equals(answer.body)).toBe(true);
    }
  });

  it('tells the caller and an admin why an answer was not kept, and another user nothing', async () => {
    const answer = await predictAs('alice@example.com', '');
    const id = String(answer.headers['x-job-id']);
    await t.jobLog.flush(2000);
    expect((await t.jobStore.get(id))?.caller).toBe('alice@example.com');
    for (const who of ['alice@example.com', 'boss@example.com']) {
      const missing = await downloadAs(who, id);
      expect([missing.status, problem(missing).type]).toEqual([404, '/problems/result-not-kept']);
    }
    const bob = await downloadAs('bob@example.com', id);
    expect([bob.status, problem(bob).type]).toEqual([404, '/problems/unknown-job']);
  });
});
