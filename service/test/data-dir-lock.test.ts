/** One service process per PGlite folder: a second refuses to start, naming the folder; a dead owner's lock is taken over. */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lockDataDir, LOCK_FILE } from '../src/jobs/data-dir-lock';
import { PROJECT_ROOT } from '../src/paths';
import { csv, FEATURES, tempDir, TOKEN } from './helpers';

function launch(dataDir: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
    env: { ...process.env, PORT: '0', API_TOKEN: TOKEN, PGLITE_DIR: dataDir, DATABASE_URL: '', INFERENCE_THREADS: '1', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

/** Polls GET /v1/jobs/{id} until it answers 200 (PGlite's first start takes seconds); the last status. */
async function jobFound(url: string, id: string | null): Promise<number> {
  const deadline = Date.now() + 20_000;
  let status = 0;
  while (status !== 200 && Date.now() < deadline) {
    status = (await fetch(`${url}/v1/jobs/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

async function ready(p: ReturnType<typeof launch>): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (!/"port":(\d+)/.test(p.output())) {
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`server did not start:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return `http://127.0.0.1:${/"port":(\d+)/.exec(p.output())![1]}`;
}

describe('PGLITE_DIR lock', () => {
  it('a second process on the same folder refuses to start, naming the folder and the owner; a killed owner leaves a lock the next start takes over', async () => {
    const dir = tempDir('pglite-lock-');
    const first = launch(dir);
    const url = await ready(first);
    const res = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: csv([FEATURES, [39.1, 18.7, 181, 3750]]) });
    expect(res.status).toBe(200);
    const jobId = res.headers.get('x-job-id');

    const second = launch(dir);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`PGLITE_DIR ${dir} is in use by another service process (pid ${first.child.pid}`);
    expect(second.output()).not.toMatch(/\n\s+at /);

    // Killed without a chance to remove its lock: the next process finds it stale, and the job the first one wrote.
    expect(await jobFound(url, jobId)).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const third = launch(dir);
    const again = await ready(third);
    expect(await jobFound(again, jobId)).toBe(200);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    // A clean stop leaves no lock behind.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('holds within one process too, honours a live owner on another host, and is released for the next taker', () => {
    const dir = tempDir('pglite-lock-');
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/is in use by another service process/);
    lock.release();
    lockDataDir(dir).release();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: `not-${hostname()}`, since: '2026-01-01T00:00:00.000Z' }));
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`pid 1 on not-${hostname()}.*delete ${join(dir, LOCK_FILE)}`));
  });
});
