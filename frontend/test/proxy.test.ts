/**
 * The Pages Function in the real workerd runtime (wrangler pages dev) in front of the real
 * service, with a TCP proxy between them that records what reaches the API and when.
 */
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenFingerprint } from '../../service/src/http/auth';
import { FolderResultStore } from '../../service/src/results/folder-store';
import { AUTH, ServedTestApp, serveTestApp, TcpProxy, tempDir, TOKEN } from '../../service/test/helpers';
import { cutAnswer } from '../../cli/send-piece';
import { PagesDev, startPagesDev } from '../dev/pages-dev';

const SAMPLE = readFileSync(join(__dirname, '..', '..', 'models', 'samples', 'penguins.csv'));
const API_KEY = 'gateway-key-for-tests';
const MAX_UPLOAD = 1024 * 1024;

let service: ServedTestApp;
let tap: TcpProxy;
let pages: PagesDev;
let seen: { direction: string; at: number; text: string }[] = [];
let holdResponse: { afterBytes: number; ms: number } | undefined;

beforeAll(async () => {
  service = await serveTestApp({ results: { store: new FolderResultStore(tempDir('proxy-kept-'), 30), retentionDays: 30 } });
  tap = new TcpProxy('127.0.0.1', service.port, {
    tap: (direction, chunk) => seen.push({ direction, at: performance.now(), text: chunk.toString('latin1') }),
    get holdResponse() {
      return holdResponse;
    },
  });
  await tap.start();
  pages = await startPagesDev({ apiUrl: `http://127.0.0.1:${tap.port}`, apiToken: TOKEN, apiKey: API_KEY, maxUploadBytes: MAX_UPLOAD });
}, 90_000);

afterAll(async () => {
  await pages?.stop();
  await tap?.stop();
  await service?.close();
});

beforeEach(() => {
  seen = [];
  holdResponse = undefined;
});

const upstreamRequests = () => seen.filter((s) => s.direction === 'request').map((s) => s.text).join('');

describe('the /api proxy in workerd', () => {
  it('forwards a prediction and returns the API’s bytes with its content type, disposition and X-Job/X-Model headers', async () => {
    const form = new FormData();
    form.append('file', new Blob([SAMPLE], { type: 'text/csv' }), 'penguins.csv');
    const viaProxy = await fetch(`${pages.url}/api/models/penguin-species/predict`, { method: 'POST', body: form });
    const direct = await fetch(`http://127.0.0.1:${tap.port}/v1/models/penguin-species/predict`, { method: 'POST', body: SAMPLE, headers: { ...AUTH, 'content-type': 'text/csv' } });
    expect(viaProxy.status).toBe(200);
    expect(Buffer.from(await viaProxy.arrayBuffer())).toEqual(Buffer.from(await direct.arrayBuffer()));
    expect(viaProxy.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(viaProxy.headers.get('content-disposition')).toContain('filename="penguins-predictions.csv"');
    expect(viaProxy.headers.get('x-job-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(viaProxy.headers.get('x-model-name')).toBe('penguin-species');
    expect(viaProxy.headers.get('x-model-version')).toBe('1.0.0');
  });

  it('adds its own token and API key and drops the credentials the client sent', async () => {
    const res = await fetch(`${pages.url}/api/models?x=1`, { headers: { authorization: 'Bearer client-token-should-vanish', 'x-api-key': 'client-key', cookie: 'session=abc', 'x-forwarded-authorization': 'Bearer spoof' } });
    expect(res.status).toBe(200);
    const sent = upstreamRequests().toLowerCase();
    expect(sent).toMatch(/^get \/v1\/models\?x=1 http\/1\.1/);
    expect(sent).toContain(`authorization: bearer ${TOKEN}`.toLowerCase());
    expect(sent).toContain(`x-api-key: ${API_KEY}`);
    for (const leaked of ['client-token-should-vanish', 'client-key', 'session=abc', 'spoof']) expect(sent).not.toContain(leaked);
    await service.jobLog.flush(5000);
    const jobs = (await (await fetch(`${pages.url}/api/jobs?limit=1`)).json()) as { jobs: { tokenFingerprint: string }[] };
    expect(jobs.jobs[0].tokenFingerprint).toBe(tokenFingerprint(TOKEN));
  });

  it('passes only the contract’s routes and methods', async () => {
    const status = async (method: string, path: string) => (await fetch(`${pages.url}${path}`, { method })).status;
    expect(await status('GET', '/api/jobs')).toBe(200);
    expect(await status('GET', '/api/models/penguin-sex')).toBe(200);
    const wrongMethod = await fetch(`${pages.url}/api/models`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(wrongMethod.headers.get('content-type')).toBe('application/problem+json');
    for (const path of ['/api/healthz', '/api/readyz', '/api/v1/models', '/api/models/a/b/predict', '/api/admin']) expect(await status('GET', path)).toBe(404);
    expect(upstreamRequests()).not.toMatch(/healthz|readyz|admin|\/v1\/v1/);
  });

  it('refuses an oversize upload with 413 before anything reaches the API, and an upload without a length with 411', async () => {
    const big = Buffer.alloc(MAX_UPLOAD + 1, 'a');
    const res = await fetch(`${pages.url}/api/predict`, { method: 'POST', body: big, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toBe('the upload is larger than 1 MiB; split the file and upload the parts');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${pages.url}/api/predict`, { method: 'POST', headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      req.end(SAMPLE);
    });
    expect(chunked).toBe(411);
    expect(upstreamRequests()).toBe('');
  });

  it('streams the upload: the API receives the first part while the client is still sending', async () => {
    const parts = 8;
    const body = Buffer.concat(Array.from({ length: parts }, () => SAMPLE)).subarray(0, 8 * 14000);
    let clientDone = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${pages.url}/api/predict`, { method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': body.length } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      const size = Math.ceil(body.length / parts);
      let i = 0;
      const next = () => {
        req.write(body.subarray(i * size, (i + 1) * size));
        if (++i < parts) setTimeout(next, 150);
        else {
          clientDone = performance.now();
          req.end();
        }
      };
      next();
    });
    expect([200, 422]).toContain(status); // a cut row at the end is fine: what matters is when bytes moved
    const firstUpstream = seen.find((s) => s.direction === 'request')!.at;
    expect(clientDone - firstUpstream).toBeGreaterThan(600);
  });

  it('streams the response: the client reads the first bytes while the API’s answer is held midway', async () => {
    holdResponse = { afterBytes: 4096, ms: 1500 };
    // New connections only: workerd keeps the earlier ones alive, and the hold is set per connection.
    await tap.stop();
    await tap.start(tap.port);
    await fetch(`${pages.url}/api/models`); // lets workerd find its pooled connection gone
    const t0 = performance.now();
    const res = await fetch(`${pages.url}/api/predict`, { method: 'POST', body: SAMPLE, headers: { 'content-type': 'text/csv' } });
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = performance.now() - t0;
    let rest = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value.length;
    const endAt = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(first.value!.length + rest).toBeGreaterThan(4096);
    expect(endAt - firstAt).toBeGreaterThan(1000);
  });

  it('never passes on an answer the API cut midway as whole: it fails, or ends short (workerd, chunked) where the clients’ check (cutAnswer) tells it cut', async () => {
    holdResponse = { afterBytes: 4096, ms: 10_000 };
    await tap.stop();
    await tap.start(tap.port);
    await fetch(`${pages.url}/api/models`); // lets workerd find its pooled connection gone
    const res = await fetch(`${pages.url}/api/predict?keep=true`, { method: 'POST', body: SAMPLE, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [(await reader.read()).value!];
    // The API's connection is cut while its answer is held midway.
    await tap.stop();
    holdResponse = undefined;
    await tap.start(tap.port);
    let failed = false;
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    } catch {
      failed = true;
    }
    // With a Content-Length the client's own fetch fails it. A chunked answer workerd ends cleanly
    // (through a TransformStream of the function's own too): the function cannot fail it.
    if (res.headers.get('content-length') !== null) expect(failed).toBe(true);
    if (!failed) expect(cutAnswer(Buffer.concat(chunks), res.headers)).toMatch(/the answer was cut/);
  });

  it('forwards the query parameters the contract declares for predict, and refuses any other', async () => {
    const post = (query: string) => fetch(`${pages.url}/api/predict${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: SAMPLE });
    expect((await post('?delimiter=comma&format=csv')).status).toBe(200);
    const unknown = await post('?debug=1');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/takes no query parameter "debug"; it takes encoding, output_encoding, delimiter, sheet, header_row, format, filename/);
    expect(upstreamRequests()).not.toMatch(/debug=1/);
  });

  it("forwards the CLI's piece parameters to predict and the jobs listing (declared in the contract)", async () => {
    const piece = await fetch(`${pages.url}/api/predict?row_offset=10&batch=proxy-batch-1`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: SAMPLE });
    expect(piece.status).toBe(200);
    const listing = await fetch(`${pages.url}/api/jobs?batch=proxy-batch-1&all=false&limit=5`);
    expect(listing.status).toBe(200);
    expect(upstreamRequests()).toMatch(/row_offset=10&batch=proxy-batch-1/);
    expect(upstreamRequests()).toMatch(/batch=proxy-batch-1&all=false&limit=5/);
  });

  it("forwards keep and pieces to predict, and a batch's kept answer comes back through it whole", async () => {
    const piece = await fetch(`${pages.url}/api/predict?batch=proxy-batch-2&row_offset=0&keep=true&pieces=1`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: SAMPLE });
    expect(piece.status).toBe(200);
    const answer = Buffer.from(await piece.arrayBuffer());
    expect(upstreamRequests()).toMatch(/batch=proxy-batch-2&row_offset=0&keep=true&pieces=1/);
    await service.jobLog.flush(2000);
    const kept = await fetch(`${pages.url}/api/batches/proxy-batch-2/result`);
    expect(kept.status).toBe(200);
    expect(Buffer.from(await kept.arrayBuffer()).equals(answer)).toBe(true);
    expect(kept.headers.get('content-disposition')).toBe(piece.headers.get('content-disposition'));
  });

  it("serves a model's template (workbook or CSV) with its declared format and lang, and refuses any other parameter", async () => {
    const book = await fetch(`${pages.url}/api/models/penguin-sex/template?format=xlsx&lang=ja`);
    expect(book.status).toBe(200);
    expect(book.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(book.headers.get('content-disposition')).toBe('attachment; filename="penguin-sex-template.xlsx"');
    expect([...new Uint8Array(await book.arrayBuffer()).subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect(upstreamRequests()).toMatch(/GET \/v1\/models\/penguin-sex\/template\?format=xlsx&lang=ja /);
    const csv = await fetch(`${pages.url}/api/models/penguin-sex/template?format=csv`);
    expect(Buffer.from(await csv.arrayBuffer()).toString('utf8')).toBe('\ufeffbill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\r\n');
    const unknown = await fetch(`${pages.url}/api/models/penguin-sex/template?sheet=x`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/takes no query parameter "sheet"; it takes format, lang/);
  });

  it('serves the page with a strict content security policy', async () => {
    const page = await fetch(`${pages.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 502 problem+json when the API cannot be reached', async () => {
    await tap.stop();
    try {
      const res = await fetch(`${pages.url}/api/models`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 502, detail: 'the prediction service could not be reached; try again in a minute' });
    } finally {
      await tap.start(tap.port);
    }
  });
});
