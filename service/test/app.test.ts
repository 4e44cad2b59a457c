import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { predictProba } from '../../models/training/logistic-regression';
import { loadPenguins } from '../../models/training/penguins';
import { trainPenguinModels } from '../../models/training/penguin-models';
import { tokenFingerprint } from '../src/http/auth';
import { PREDICT_QUERY } from '../src/http/contract';
import { AUTH, binaryParser, buildTestApp, csv, FEATURES, OTHER_TOKEN, TestApp, TOKEN } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ maxUploadBytes: 256 * 1024 });
});
afterAll(() => t.close());

const trained = Object.fromEntries(trainPenguinModels().map((m) => [m.name, m.model]));
const penguins = loadPenguins();

function penguinCsv(extra: (i: number) => string[] = () => []): string {
  return csv([['id', ...FEATURES, 'species'], ...penguins.map((p, i) => [String(i + 1), ...p.features.map(String), p.species, ...extra(i)])]);
}

describe('POST /v1/predict', () => {
  it('appends the binary model prediction and positive-class probability, matching the training arithmetic', async () => {
    const res = await request(t.app).post('/v1/models/penguin-sex/predict').set(AUTH).attach('file', Buffer.from(penguinCsv()), 'colony.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('filename="colony-predictions.csv"');
    expect(res.headers['x-model-name']).toBe('penguin-sex');
    expect(res.headers['x-model-version']).toBe('1.0.0');
    const rows: Record<string, string>[] = parse(res.text, { columns: true });
    expect(rows).toHaveLength(penguins.length);
    expect(Object.keys(rows[0])).toEqual(['id', ...FEATURES, 'species', 'prediction', 'probability']);
    rows.forEach((row, i) => {
      const expected = predictProba(trained['penguin-sex'], penguins[i].features)[1];
      expect(Math.abs(Number(row.probability) - expected)).toBeLessThan(1e-5);
      expect(row.prediction).toBe(expected >= 0.5 ? 'male' : 'female');
      expect(row.species).toBe(penguins[i].species);
    });
  });

  it('gives one probability column per class for the multiclass model', async () => {
    const res = await request(t.app).post('/v1/models/penguin-species/predict').set(AUTH).type('text/csv').send(penguinCsv());
    expect(res.status).toBe(200);
    const rows: Record<string, string>[] = parse(res.text, { columns: true });
    const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
    expect(Object.keys(rows[0]).slice(-4)).toEqual(['prediction', ...classes.map((c) => `probability_${c}`)]);
    rows.forEach((row, i) => {
      const expected = predictProba(trained['penguin-species'], penguins[i].features);
      classes.forEach((c, k) => expect(Math.abs(Number(row[`probability_${c}`]) - expected[k])).toBeLessThan(1e-5));
      expect(row.prediction).toBe(classes[expected.indexOf(Math.max(...expected))]);
    });
    expect(JSON.parse(res.headers['x-class-counts'])).toEqual(
      rows.reduce<Record<string, number>>((acc, r) => ((acc[r.prediction] = (acc[r.prediction] ?? 0) + 1), acc), {}),
    );
  });

  it('round-trips a Shift_JIS upload with Japanese text to UTF-8 with BOM, or back to Shift_JIS on request', async () => {
    const text = csv([['名前', ...FEATURES, '備考'], ['ペンギン①', 39.1, 18.7, 181, 3750, '"カンマ, 入り"']]);
    const upload = iconv.encode(text, 'cp932');
    const res = await request(t.app).post('/v1/predict').set(AUTH).attach('file', upload, 'ペンギン.csv').buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(body.subarray(3).toString('utf8')).toMatch(/^名前,bill_length_mm,.*,備考,prediction,probability\r\nペンギン①,39.1,18.7,181,3750,"カンマ, 入り",male,0\.\d{6}\r\n$/);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('ペンギン-predictions.csv')}`);

    const sjis = await request(t.app).post('/v1/predict?output_encoding=shift_jis').set(AUTH).type('text/csv').send(upload).buffer(true).parse(binaryParser);
    expect(sjis.headers['content-type']).toBe('text/csv; charset=shift_jis');
    expect(iconv.decode(sjis.body as Buffer, 'cp932')).toContain('ペンギン①,39.1');

    // Without quotes, the rows are read in their bytes and written from them: the same answer.
    const plain = iconv.encode(csv([['名前', ...FEATURES, '備考'], ['ﾍﾟﾝｷﾞﾝ 漾@黑', 39.1, 18.7, 181, 3750, '=合計'], ['②', 38, 17, 180, 3700, '']]), 'cp932');
    const fromBytes = await request(t.app).post('/v1/predict').set(AUTH).type('text/csv').send(plain).buffer(true).parse(binaryParser);
    expect((fromBytes.body as Buffer).subarray(3).toString('utf8')).toMatch(/^名前,.*,備考,prediction,probability\r\nﾍﾟﾝｷﾞﾝ 漾@黑,39\.1,18\.7,181,3750,'=合計,male,0\.\d{6}\r\n②,38,17,180,3700,,\w+,0\.\d{6}\r\n$/);
  });

  it('neutralises formulas in passthrough columns but keeps negative numbers', async () => {
    const res = await request(t.app)
      .post('/v1/predict')
      .set(AUTH)
      .type('text/csv')
      .send(csv([[...FEATURES, 'a', 'b'], [39.1, 18.7, 181, 3750, '=1+2', '-1.5']]));
    expect(res.text.split('\r\n')[1]).toMatch(/^39\.1,18\.7,181,3750,'=1\+2,-1\.5,/);
  });

  it('answers bad uploads with problem+json naming row and column, never a partial CSV', async () => {
    const res = await request(t.app)
      .post('/v1/predict')
      .set(AUTH)
      .type('text/csv')
      .send(csv([FEATURES, [1, 2, 3, 4], [1, '', 3, 4]]));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({ status: 422, errors: [{ row: 2, column: 'bill_depth_mm', message: 'empty value; a number is required' }], totalErrors: 1 });
  });

  it.each([
    ['an empty body', (r: request.Test) => r.type('text/csv').send(''), 400],
    ['a JSON body', (r: request.Test) => r.type('application/json').send('{"a":1}'), 415],
    ['a workbook', (r: request.Test) => r.attach('file', Buffer.from('PK\u0003\u0004xx'), 'book.xlsx'), 415],
    ['the wrong multipart field', (r: request.Test) => r.attach('upload', Buffer.from('a\n1\n'), 'a.csv'), 400],
    ['a header-only file', (r: request.Test) => r.type('text/csv').send(`${FEATURES.join(',')}\n`), 400],
    ['an unknown encoding', (r: request.Test) => r.query({ encoding: 'ebcdic' }).type('text/csv').send('a\n1\n'), 400],
    ['an upload over the limit', (r: request.Test) => r.type('text/csv').send('x'.repeat(300 * 1024)), 413],
    ['a multipart upload over the limit', (r: request.Test) => r.attach('file', Buffer.alloc(300 * 1024, 'x'), 'big.csv'), 413],
  ])('refuses %s with a clear status', async (_name, send, status) => {
    const res = await send(request(t.app).post('/v1/predict').set(AUTH));
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toEqual(expect.any(String));
    expect(res.text).not.toMatch(/\n\s+at /);
  });

  it('404s an unknown model before reading the upload', async () => {
    const res = await request(t.app).post('/v1/models/nope/predict').set(AUTH).type('text/csv').send('a\n1\n');
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/no model named "nope"/);
  });
});

describe('auth', () => {
  it('401s without a token, with a wrong one, and accepts every rotated token and the gateway header', async () => {
    expect((await request(t.app).get('/v1/models')).status).toBe(401);
    expect((await request(t.app).get('/v1/models').set('Authorization', 'Bearer wrong-token-000000000')).status).toBe(401);
    expect((await request(t.app).get('/v1/models').set('Authorization', `Bearer ${OTHER_TOKEN}`)).status).toBe(200);
    const gateway = await request(t.app).get('/v1/models').set('Authorization', 'Bearer google-signed-jwt').set('X-Forwarded-Authorization', `Bearer ${TOKEN}`);
    expect(gateway.status).toBe(200);
  });

  it('refuses a wrong token before reading the upload, and never logs a token', async () => {
    const res = await request(t.app).post('/v1/predict').set('Authorization', 'Bearer wrong-token-000000000').type('text/csv').send('x'.repeat(100_000));
    expect(res.status).toBe(401);
    expect(res.headers.connection).toBe('close');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.stringify(t.logLines)).not.toContain('wrong-token');
    expect(JSON.stringify(t.logLines)).not.toContain(TOKEN);
  });
});

describe('models, jobs and errors', () => {
  it('lists manifests with the default marked', async () => {
    const res = await request(t.app).get('/v1/models').set(AUTH);
    expect(res.body.models.map((m: { name: string }) => m.name)).toEqual(['penguin-sex', 'penguin-species']);
    expect(res.body.models.find((m: { default: boolean }) => m.default).name).toBe(t.registry.defaultName);
    const one = await request(t.app).get('/v1/models/penguin-species').set(AUTH);
    expect(one.body).toMatchObject({ name: 'penguin-species', task: 'classification', classes: ['Adelie', 'Chinstrap', 'Gentoo'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await request(t.app).get('/v1/models/nope').set(AUTH)).status).toBe(404);
    // The formats an upload may be in (issue 16).
    expect(one.body.formats.map((f: { format: string }) => f.format)).toEqual(['csv', 'tsv', 'xlsx']);
    expect(one.body.formats[2].extensions).toEqual(['.xlsx']);
    expect(one.body.formats[2].parameters).toEqual(['sheet', 'header_row', 'format']);
    expect(one.body.formats[0].parameters).toContain('delimiter');
    // Predict's query parameters, as the contract declares them (the one source of the routes, the gateway's document and the proxy).
    expect(one.body.predictParameters).toEqual(JSON.parse(JSON.stringify(PREDICT_QUERY)));
    const named = new Set(one.body.predictParameters.map((p: { name: string }) => p.name));
    for (const f of one.body.formats) for (const p of f.parameters) expect(named).toContain(p);
  });

  it('logs every predict call with model, version, status, rows and token fingerprint, newest first with a cursor', async () => {
    const ok = await request(t.app).post('/v1/models/penguin-species/predict').set(AUTH).type('text/csv').send(csv([FEATURES, [39.1, 18.7, 181, 3750]]));
    const bad = await request(t.app).post('/v1/models/penguin-species/predict').set(AUTH).type('text/csv').send(csv([FEATURES, [39.1, 'x', 181, 3750]]));
    expect(await t.jobLog.flush(5000)).toBe(true);
    const first = await request(t.app).get('/v1/jobs?limit=1').set(AUTH);
    expect(first.body.jobs[0]).toMatchObject({ id: bad.headers['x-job-id'], status: 'rejected', httpStatus: 422, errorSummary: expect.stringMatching(/invalid rows/) });
    const second = await request(t.app).get(`/v1/jobs?limit=1&cursor=${first.body.nextCursor}`).set(AUTH);
    expect(second.body.jobs[0]).toMatchObject({
      id: ok.headers['x-job-id'],
      modelName: 'penguin-species',
      modelVersion: '1.0.0',
      status: 'succeeded',
      rows: 1,
      tokenFingerprint: tokenFingerprint(TOKEN),
    });
    const byId = await request(t.app).get(`/v1/jobs/${ok.headers['x-job-id']}`).set(AUTH);
    expect(byId.body.bytesOut).toBeGreaterThan(0);
    expect((await request(t.app).get('/v1/jobs/00000000-0000-0000-0000-000000000000').set(AUTH)).status).toBe(404);
    expect((await request(t.app).get('/v1/jobs?limit=0').set(AUTH)).status).toBe(400);
    expect((await request(t.app).get('/v1/jobs?cursor=garbage').set(AUTH)).status).toBe(400);
  });

  it('answers unknown routes with 404 and wrong methods with 405 and Allow, as problem+json', async () => {
    const missing = await request(t.app).get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const wrong = await request(t.app).put('/v1/models').set(AUTH);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
  });

  it('is live and ready, and logs one line per request in Cloud Logging shape with the trace', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(t.app).get('/readyz')).body).toMatchObject({ status: 'ready', models: 'loaded', database: 'ok' });
    await request(t.app).get('/healthz').set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const line = t.logLines.filter((l) => (l.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/healthz').pop()!;
    expect(line).toMatchObject({ severity: 'INFO', message: 'GET /healthz 200', 'logging.googleapis.com/trace': '0af7651916cd43dd8448eb211c80319c' });
    expect(line.httpRequest).toMatchObject({ requestMethod: 'GET', status: 200, latency: expect.stringMatching(/^\d+\.\d+s$/) });
  });
});

describe('while the models load', () => {
  it('answers /readyz 503 with the reason, and logs it as a warning, not an error', async () => {
    const loading = await buildTestApp({ modelsReady: () => false });
    try {
      const res = await request(loading.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'not ready', models: 'loading', reasons: ['models are still loading', expect.any(String)] });
      const line = loading.logLines.find((l) => (l.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/readyz')!;
      expect(line).toMatchObject({ severity: 'WARNING', message: 'GET /readyz 503' });
    } finally {
      await loading.close();
    }
  });
});
