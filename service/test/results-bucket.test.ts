/**
 * The bucket adapter (@google-cloud/storage) against a local HTTP server implementing the JSON and
 * upload endpoints it calls (fake-gcs-json-api.ts): no Cloud Storage emulator runs offline here.
 */
import { request as httpRequest } from 'node:http';
import { BucketResultStore } from '../src/results/bucket-store';
import { csv, FEATURES, keptOf, OTHER_TOKEN, serveTestApp, ServedTestApp, TOKEN } from './helpers';
import { FakeGcsJsonApi } from './fake-gcs-json-api';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  trailers: Record<string, string | undefined>;
  body: Buffer;
}

function exchange(url: string, method: string, token: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { TE: 'trailers', Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const rowsCsv = (rows: number) => csv([[...FEATURES, 'note'], ...Array.from({ length: rows }, (_, i) => [39 + (i % 10), 18.7, 181, 3750, `n${i}`])]);

describe('bucket result store against a local stand-in for Cloud Storage (a small HTTP server implementing the JSON and upload endpoints it calls; no emulator runs offline)', () => {
  let gcs: FakeGcsJsonApi;
  let t: ServedTestApp;
  let store: BucketResultStore;
  beforeAll(async () => {
    gcs = new FakeGcsJsonApi();
    await gcs.start();
    store = new BucketResultStore('acme-results', { apiEndpoint: gcs.url, projectId: 'acme-dev' });
    t = await serveTestApp({ maxUploadBytes: 16 * 1024 * 1024, results: { store, retentionDays: 30, limits: { maxBehindBytes: 256 * 1024, stallMs: 1000 } } });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await gcs.stop();
  });
  beforeEach(() => {
    gcs.failUploadsWith = undefined;
    gcs.stallUploadsAfter = undefined;
  });

  it.each([
    ['a small answer', 20],
    ['a streamed answer', 60_000],
  ])('uploads %s as one multipart object with its type, name, owner and expiry, and serves it back byte for byte', async (_what, rows) => {
    const answer = await exchange(`${t.url}/v1/predict?keep=true`, 'POST', TOKEN, rowsCsv(rows));
    expect(answer.status).toBe(200);
    expect(keptOf(answer)).toMatch(/^yes; until=/);
    const id = String(answer.headers['x-job-id']);
    const object = gcs.objects.get(`acme-results/${id}`)!;
    expect(object.bytes.equals(answer.body)).toBe(true);
    expect(object.resource).toMatchObject({
      contentType: 'text/csv; charset=utf-8',
      contentDisposition: answer.headers['content-disposition'],
      metadata: { fileName: 'upload-predictions.csv', expiresAt: keptOf(answer)!.slice('yes; until='.length) },
    });
    expect(store.locationOf(id)).toBe(`gs://acme-results/${id}`);

    const again = await exchange(`${t.url}/v1/jobs/${id}/result`, 'GET', TOKEN);
    expect(again.status).toBe(200);
    expect(again.body.equals(answer.body)).toBe(true);
    expect(again.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect((await exchange(`${t.url}/v1/jobs/${id}/result`, 'GET', OTHER_TOKEN)).status).toBe(404);
    expect(gcs.calls).toContain(`GET /storage/v1/b/acme-results/o/${id}?alt=media&generation=${object.resource.generation}`);
  }, 30_000);

  it("keeps a batch's pieces with their batch, row offset and count in the object's metadata, and serves them as the whole file's answer", async () => {
    const rows = rowsCsv(3000).split('\r\n');
    const [header, body] = [rows[0], rows.slice(1, -1)];
    const piece = (from: number, to: number) => [header, ...body.slice(from, to)].join('\r\n') + '\r\n';
    const whole = await exchange(`${t.url}/v1/predict`, 'POST', TOKEN, piece(0, 3000));
    const answers = await Promise.all(
      [[0, 1000], [1000, 2200], [2200, 3000]].map(([from, to], i) => exchange(`${t.url}/v1/predict?batch=bucket-batch&row_offset=${from}&keep=true${i === 2 ? '&pieces=3' : ''}`, 'POST', TOKEN, piece(from, to))),
    );
    expect(answers.map((a) => keptOf(a))).toEqual([expect.stringMatching(/^yes/), expect.stringMatching(/^yes/), expect.stringMatching(/^yes/)]);
    const last = gcs.objects.get(`acme-results/${answers[2].headers['x-job-id']}`)!;
    expect(last.resource.metadata).toMatchObject({ batch: 'bucket-batch', rowOffset: '2200', pieces: '3', delimiter: '44' });
    await t.jobLog.flush(2000);
    const joined = await exchange(`${t.url}/v1/batches/bucket-batch/result`, 'GET', TOKEN);
    expect(joined.status).toBe(200);
    expect(joined.body.equals(whole.body)).toBe(true);
    expect((await exchange(`${t.url}/v1/batches/bucket-batch/result`, 'GET', OTHER_TOKEN)).status).toBe(404);
  }, 30_000);

  it('delivers the answer and keeps nothing when the bucket refuses the upload', async () => {
    gcs.failUploadsWith = 503;
    const answer = await exchange(`${t.url}/v1/predict?keep=true`, 'POST', TOKEN, rowsCsv(30));
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toMatch(/prediction/);
    expect(keptOf(answer)).toMatch(/^no; reason="storage refused it/);
    expect(gcs.objects.has(`acme-results/${answer.headers['x-job-id']}`)).toBe(false);
  });

  it('gives up an upload the bucket stops reading, leaving no object, and delivers the answer', async () => {
    gcs.stallUploadsAfter = 64 * 1024;
    const answer = await exchange(`${t.url}/v1/predict?keep=true`, 'POST', TOKEN, rowsCsv(60_000));
    expect(answer.status).toBe(200);
    expect(keptOf(answer)).toMatch(/^no; reason="storage (fell|did not confirm)/);
    expect(gcs.objects.has(`acme-results/${answer.headers['x-job-id']}`)).toBe(false);
  }, 30_000);
});
