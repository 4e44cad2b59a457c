/**
 * The bundled service the image runs (service/build/bundle.ts): built with its code cache, it
 * starts from the cache and answers exactly as the service does from source, PGlite included.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { bundleService } from '../build/bundle';
import { PROJECT_ROOT } from '../src/paths';
import { NODE_FLAGS, PROCESS_ENV } from '../src/process-settings';
import { AUTH, buildTestApp, tempDir, TOKEN } from './helpers';

// Inside the project: the bundle finds the project's models and migrations from where it lies.
const OUT = join(PROJECT_ROOT, 'dist', `bundle-test-${process.pid}`);
const SAMPLE = readFileSync(join(PROJECT_ROOT, 'models', 'samples', 'penguins.csv'));

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('the bundled service', () => {
  it('is built with a code cache it takes, and answers as the service from source does', async () => {
    await bundleService(OUT);
    // exceljs (about 37 MB once loaded) belongs to the template's thread only, not the main thread's start-up.
    expect(readFileSync(join(OUT, 'server.bundle.js'), 'utf8')).not.toContain('node_modules/exceljs/');

    const child = spawn(process.execPath, [...NODE_FLAGS, join(OUT, 'server.js')], {
      env: { ...process.env, ...PROCESS_ENV, PORT: '0', API_TOKEN: TOKEN, LOG_LEVEL: 'info', PGLITE_DIR: tempDir('pglite-bundle-'), DATABASE_URL: '', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const deadline = Date.now() + 30_000;
      while (!/"port":(\d+)/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the bundled service did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = `http://127.0.0.1:${/"port":(\d+)/.exec(out)![1]}`;
      const res = await fetch(`${url}/v1/predict`, { method: 'POST', body: SAMPLE, headers: { ...AUTH, 'content-type': 'text/csv' } });
      expect(res.status).toBe(200);
      const jobId = res.headers.get('x-job-id');
      const local = await buildTestApp();
      try {
        const expected = await request(local.app).post('/v1/predict').set(AUTH).set('Content-Type', 'text/csv').send(SAMPLE);
        expect(await res.text()).toBe(expected.text);
      } finally {
        await local.close();
      }
      // A template workbook is written in its own thread, started from the bundle's file.
      const template = await fetch(`${url}/v1/models/penguin-sex/template`, { headers: AUTH });
      expect(template.status).toBe(200);
      expect([...new Uint8Array(await template.arrayBuffer()).subarray(0, 2)]).toEqual([0x50, 0x4b]);
      // PGlite, imported on first use, loads from the bundle too: the job is logged.
      const deadlineJob = Date.now() + 20_000;
      let job: Response;
      while ((job = await fetch(`${url}/v1/jobs/${jobId}`, { headers: AUTH })).status !== 200 && Date.now() < deadlineJob) await new Promise((r) => setTimeout(r, 200));
      expect(await job.json()).toMatchObject({ id: jobId, status: 'succeeded' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).not.toContain('compiling from source');
      expect(out).not.toMatch(/database unreachable/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
