/**
 * Kept results (issue 18): the cost of ?keep=true under load, and the service's peak RSS with it.
 * Starts the service from source once per run (its peak RSS, VmHWM, is per process), alternating
 * keep off and on; each run sends streamed-size uploads (2 MiB and more) from N clients for S
 * seconds and reads every answer whole. The folder backend, on this machine's disk; the job log in
 * PostgreSQL (DATABASE_URL, a schema of its own), as in the cloud: PGlite's first start would
 * dominate the peak (about 850 MB, README).
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx bench/kept-results.ts [clients=8] [seconds=10] [rounds=2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresClient } from '../service/src/jobs/postgres-client';
import { createLogger } from '../service/src/logging';
import { PROJECT_ROOT } from '../service/src/paths';
import { NODE_FLAGS, PROCESS_ENV } from '../service/src/process-settings';

const [clients, seconds, rounds] = [Number(process.argv[2] ?? 8), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 2)];
const TOKEN = 'bench-token-0123456789abcdef';
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
const rows = Array.from({ length: 100_000 }, (_, i) => `${39 + (i % 10)},18.7,${181 + (i % 7)},3750,note ${i}`);
const body = Buffer.from(`${FEATURES.join(',')},note\r\n${rows.join('\r\n')}\r\n`);

async function databaseUrl(): Promise<string> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (a PostgreSQL server): PGlite\'s first start would dominate the peak RSS');
  const schema = `bench_kept_${process.pid}_${Date.now()}`;
  const admin = createPostgresClient(base, createLogger('silent'));
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function run(keep: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-kept-'));
  const DATABASE_URL = await databaseUrl();
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
    env: { ...process.env, ...PROCESS_ENV, PORT: '0', API_TOKEN: TOKEN, LOG_LEVEL: 'warn', NODE_OPTIONS: '', DATABASE_URL, PGLITE_DIR: join(dir, 'pglite'), RESULTS_DIR: join(dir, 'results') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // LOG_LEVEL=warn hides "listening"; find the port from the process's sockets instead.
  let url = '';
  for (let i = 0; i < 600 && !url; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const port = listeningPort(child.pid!);
    if (port && (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) url = `http://127.0.0.1:${port}`;
  }
  if (!url) throw new Error(`service did not start:\n${out}`);
  const idle = rss(child.pid!);
  let done = 0;
  let bytes = 0;
  let failed = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const res = await fetch(`${url}/v1/predict${keep ? '?keep=true' : ''}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body });
        const answer = Buffer.from(await res.arrayBuffer());
        if (res.status === 200) (done++, (bytes += answer.length));
        else failed++;
      }
    }),
  );
  const peak = peakRss(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return `keep=${keep ? 'on ' : 'off'}  ${(done / seconds).toFixed(1)} req/s  ${((bytes / seconds) / 1048576).toFixed(1)} MiB/s out  failed ${failed}  RSS idle ${idle} MB, peak ${peak} MB`;
}

function status(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}
const rss = (pid: number) => status(pid, 'VmRSS');
const peakRss = (pid: number) => status(pid, 'VmHWM');

function listeningPort(pid: number): number | undefined {
  const inodes = new Set<string>();
  try {
    for (const fd of require('node:fs').readdirSync(`/proc/${pid}/fd`)) {
      const link = require('node:fs').readlinkSync(`/proc/${pid}/fd/${fd}`) as string;
      const m = /socket:\[(\d+)\]/.exec(link);
      if (m) inodes.add(m[1]);
    }
  } catch {
    return undefined;
  }
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9])) return parseInt(cols[1].split(':')[1], 16);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  console.log(`${clients} clients × ${seconds} s, ${(body.length / 1048576).toFixed(1)} MiB uploads (100k rows), ${rounds} alternated rounds`);
  for (let r = 0; r < rounds; r++) for (const keep of [false, true]) console.log(await run(keep));
}

void main();
