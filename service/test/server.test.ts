/** The real server process over HTTP: startup, predictions, SIGTERM drain, and a database outage. */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { encodeModel, node, tensorInfo, TensorType } from '../../models/training/onnx-builder';
import { join } from 'node:path';
import { createPostgresClient } from '../src/jobs/postgres-client';
import { PROJECT_ROOT } from '../src/paths';
import { NODE_FLAGS, PROCESS_ENV } from '../src/process-settings';
import { csv, FEATURES, isolatedSchemaUrl, memoryLogger, TcpProxy, tempDir, TOKEN } from './helpers';

interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Started as the image starts it (process-settings.ts), from source. */
async function startServer(env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
    env: { ...process.env, ...PROCESS_ENV, PORT: '0', API_TOKEN: TOKEN, LOG_LEVEL: 'info', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/"port":(\d+)/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: `http://127.0.0.1:${/"port":(\d+)/.exec(out)![1]}`, output: () => out, exited };
}

const auth = { Authorization: `Bearer ${TOKEN}` };
const small = csv([FEATURES, [39.1, 18.7, 181, 3750]]);

function bigCsv(rows: number): string {
  return csv([FEATURES, ...Array.from({ length: rows }, (_, i) => [39 + (i % 10), 18.7, 181, 3750])]);
}

function predict(url: string, body: string) {
  return fetch(`${url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body });
}

describe('server process', () => {
  it('refuses to start when onnxruntime cannot load a model, naming the file', async () => {
    const dir = tempDir('models-unloadable-');
    const bytes = encodeModel({
      name: 'broken',
      inputs: [tensorInfo('x', TensorType.FLOAT, ['N', 1])],
      outputs: [tensorInfo('y', TensorType.FLOAT, ['N', 1])],
      nodes: [node({ op: 'NoSuchOperator', inputs: ['x'], outputs: ['y'] })],
    });
    writeFileSync(join(dir, 'broken.onnx'), bytes);
    const manifest = { name: 'broken', version: '1', task: 'regression', features: [{ name: 'a', type: 'float' }], outputs: { prediction: 'y' } };
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...manifest, sha256: createHash('sha256').update(bytes).digest('hex') }));
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
      env: { ...process.env, API_TOKEN: TOKEN, MODELS_DIR: dir, PORT: '0', PGLITE_DIR: tempDir('pglite-'), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/broken\.onnx: onnxruntime cannot load it: .*NoSuchOperator/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
      env: { ...process.env, API_TOKEN: '', API_TOKENS: '', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/API_TOKENS \(comma-separated, each token or name:token\) or API_TOKEN must be set/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('answers /healthz during a large job, finishes in-flight requests on SIGTERM, flushes the job log and exits 0', async () => {
    const dataDir = tempDir('pglite-server-');
    const server = await startServer({ PGLITE_DIR: dataDir, INFERENCE_THREADS: '1' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ models: 'loaded' });
    const inFlight = predict(server.url, bigCsv(200_000));
    await new Promise((r) => setTimeout(r, 150));
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    server.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    const jobId = res.headers.get('x-job-id');
    expect((await res.text()).split('\r\n').length).toBe(200_002);
    const started = Date.now();
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    // A new process on the same data folder finds the job the old one flushed on its way out.
    const again = await startServer({ PGLITE_DIR: dataDir });
    const job = await (await fetch(`${again.url}/v1/jobs/${jobId}`, { headers: auth })).json();
    expect(job).toMatchObject({ id: jobId, status: 'succeeded', rows: 200_000 });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('on SIGTERM finishes the jobs of clients that hung up, queued ones too, and exits 0 without killing a thread mid-job', async () => {
    const server = await startServer({ PGLITE_DIR: tempDir('pglite-server-'), INFERENCE_THREADS: '2' });
    const body = bigCsv(40_000);
    const aborted = Array.from({ length: 30 }, () => {
      const controller = new AbortController();
      const done = fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body, signal: controller.signal }).catch(() => undefined);
      return { controller, done };
    });
    await new Promise((r) => setTimeout(r, 1500));
    for (const a of aborted) a.controller.abort();
    await Promise.all(aborted.map((a) => a.done));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/Terminating worker thread|unhandled error|terminate called/);
  });

  it('answers 503 with Retry-After past its queue bound, never running out of memory', async () => {
    const server = await startServer({ PGLITE_DIR: tempDir('pglite-server-'), INFERENCE_THREADS: '1', MAX_QUEUED_JOBS: '1000', MAX_PENDING_BYTES: '3000000' });
    const body = bigCsv(50_000);
    const responses = await Promise.all(Array.from({ length: 6 }, () => predict(server.url, body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const refused = responses.find((r) => r.status === 503)!;
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/retry shortly/) });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  (process.env.DATABASE_URL ? it : it.skip)('keeps predicting through a PostgreSQL outage; the rows land once it returns', async () => {
    const target = new URL(process.env.DATABASE_URL!);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const direct = await isolatedSchemaUrl(process.env.DATABASE_URL!);
    const viaProxy = new URL(direct);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startServer({ DATABASE_URL: viaProxy.toString(), JOB_LOG_RETRY_MAX_MS: '300' });
    // The outage starts once the job log has connected and migrated (on a loaded machine that can
    // come after the first answer), so the table the rows land in exists.
    for (const until = Date.now() + 30_000; (await fetch(`${server.url}/readyz?strict=true`)).status !== 200 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${server.url}/readyz?strict=true`)).status).toBe(200);
    expect((await predict(server.url, small)).status).toBe(200);

    const port = proxy.port;
    await proxy.stop();
    const during = await Promise.all(Array.from({ length: 20 }, () => predict(server.url, small)));
    expect(during.map((r) => r.status)).toEqual(new Array(20).fill(200));
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', database: 'unreachable', queuedJobRecords: expect.any(Number) });
    expect((await fetch(`${server.url}/readyz?strict=true`)).status).toBe(503);
    expect((await fetch(`${server.url}/v1/jobs`, { headers: auth })).status).toBe(503);

    await proxy.start(port);
    const db = createPostgresClient(direct, memoryLogger().logger);
    const deadline = Date.now() + 15_000;
    let landed = 0;
    while (landed < 21 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      landed = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM jobs'))[0].n);
    }
    expect(landed).toBe(21);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await db.close();
    await proxy.stop();
  });
});
