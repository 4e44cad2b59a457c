/**
 * The service image, built with podman (image/build.sh) and run as Cloud Run would: published on
 * a local port, ready on /readyz, a real prediction, then SIGTERM and a clean exit.
 */
import ExcelJS from 'exceljs';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../frontend/dev/pages-dev';
import { AUTH, buildTestApp, TOKEN } from '../service/test/helpers';
import { NODE_FLAGS, PROCESS_ENV, SERVICE_ENTRY } from '../service/src/process-settings';

const ROOT = join(__dirname, '..');
const SAMPLE = readFileSync(join(ROOT, 'models', 'samples', 'penguins.csv'));
// 338 MB measured: Node 24 (its binary is 28 MB larger than Node 20's; 271 MB before), then
// exceljs (workbooks), swagger-ui-dist (/docs), jose (Access assertions) and, 7 MB of it,
// @google-cloud/storage (kept results) as runtime packages.
const MAX_IMAGE_MB = 345;

const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8' }).trim();

let tag: string;
let container: string;
let url: string;

beforeAll(async () => {
  tag = execFileSync(join(ROOT, 'image', 'build.sh'), { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const port = await freePort();
  container = podman('run', '-d', '--rm=false', '-p', `127.0.0.1:${port}:8080`, '-e', `API_TOKEN=${TOKEN}`, tag);
  url = `http://127.0.0.1:${port}`;
}, 600_000);

afterAll(() => {
  if (container) spawnSync('podman', ['rm', '-f', container]);
});

async function waitReady(deadlineMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < deadlineMs) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${deadlineMs} ms:\n${podman('logs', container)}`);
}

describe('the service image', () => {
  it(`is at most ${MAX_IMAGE_MB} MB, runs as the non-root node user and starts node directly`, () => {
    const mb = Number(podman('image', 'inspect', tag, '--format', '{{.Size}}')) / 1e6;
    console.log(`image ${tag}: ${mb.toFixed(0)} MB`);
    expect(mb).toBeLessThanOrEqual(MAX_IMAGE_MB);
    expect(podman('image', 'inspect', tag, '--format', '{{.Config.User}} {{json .Config.Cmd}}')).toBe(`node ${JSON.stringify(['node', ...NODE_FLAGS, SERVICE_ENTRY])}`);
    const env = JSON.parse(podman('image', 'inspect', tag, '--format', '{{json .Config.Env}}')) as string[];
    for (const [name, value] of Object.entries(PROCESS_ENV)) expect(env).toContain(`${name}=${value}`);
    expect(podman('exec', container, 'id', '-u')).toBe('1000');
    expect(podman('exec', container, 'ls', '/app/node_modules/onnxruntime-node/bin/napi-v6')).toBe('linux');
  });

  it('runs the Node LTS its base tag names, one still in support (Node 20 ended in April 2026)', () => {
    const base = /^ARG NODE_IMAGE=.*:(\d+)[.-]/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1];
    const version = podman('exec', container, 'node', '--version');
    expect(version.startsWith(`v${base}.`)).toBe(true);
    expect(Number(base)).toBeGreaterThanOrEqual(22);
  });

  it('gets ready and answers a real prediction exactly as the service does in-process, for a CSV and a workbook', async () => {
    await waitReady(60_000);
    const res = await fetch(`${url}/v1/predict`, { method: 'POST', body: SAMPLE, headers: { ...AUTH, 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    const inContainer = await res.text();
    // The sample as a workbook: read, predicted (its thread loads onnxruntime from the image's packages) and answered as CSV.
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('サンプル');
    for (const line of SAMPLE.toString('utf8').trim().split(/\r?\n/)) sheet.addRow(line.split(',').map((c) => (c !== '' && Number.isFinite(Number(c)) ? Number(c) : c)));
    const book = Buffer.from(await wb.xlsx.writeBuffer());
    const fromBook = await fetch(`${url}/v1/predict?format=csv`, { method: 'POST', body: book, headers: { ...AUTH, 'content-type': 'application/octet-stream' } });
    expect(fromBook.status).toBe(200);
    const bookInContainer = await fromBook.text();
    const local = await buildTestApp();
    try {
      const expected = await request(local.app).post('/v1/predict').set(AUTH).set('Content-Type', 'text/csv').send(SAMPLE);
      expect(inContainer).toBe(expected.text);
      const expectedBook = await request(local.app).post('/v1/predict?format=csv').set(AUTH).set('Content-Type', 'application/octet-stream').send(book);
      expect(bookInContainer).toBe(expectedBook.text);
      expect(bookInContainer.split('\r\n').filter(Boolean)).toHaveLength(inContainer.split('\r\n').filter(Boolean).length);
    } finally {
      await local.close();
    }
  });

  it('drains on SIGTERM and exits 0', async () => {
    podman('kill', '--signal', 'TERM', container);
    expect(podman('wait', container)).toBe('0');
    const logs = podman('logs', container);
    expect(logs).toContain('shutting down: draining requests and the job log');
    expect(logs).toContain('"message":"stopped"');
    // The code cache written in the build stage is taken by the runtime's Node (a refusal warns).
    expect(logs).not.toContain('compiling from source');
  });
});
