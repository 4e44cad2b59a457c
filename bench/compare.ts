/**
 * Two builds of the service, alternated on the same files: the 100k-row numeric CSV and the 100k-row
 * CSV with a column of Japanese names (UTF-8, and Shift_JIS as Excel's plain "CSV" in Japan), so noise from other work on the machine falls on
 * both alike. Prints each build's median seconds and rows/s, and the median CPU time its process
 * (every thread) spent on a request, which waiting for a core shared with other work inflates far
 * less than the seconds.
 * Usage: tsx bench/compare.ts <checkout A> <checkout B> [rounds]   (each built: dist/bundle/server.js)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { freePort } from '../frontend/dev/pages-dev';
import { NODE_FLAGS, PROCESS_ENV, SERVICE_ENTRY } from '../service/src/process-settings';
import { japaneseCsv, numericCsv, writeBenchModel } from './bench-model';

const TOKEN = 'bench-token-0123456789abcdef';
const ROWS = 100_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function start(root: string, modelsDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...NODE_FLAGS, join(root, SERVICE_ENTRY)], {
    env: { ...process.env, ...PROCESS_ENV, PORT: String(port), API_TOKEN: TOKEN, MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', PGLITE_DIR: join(modelsDir, `pglite-${port}`) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) return { child, url };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Seconds every thread of process `pid` has run on a core (Linux: the schedulers' own count, in ns). */
function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

/** One request's seconds, and the CPU seconds the server spent meanwhile. */
async function seconds(server: { child: ChildProcess; url: string }, body: Blob): Promise<[number, number]> {
  const cpu0 = cpuSeconds(server.child.pid!);
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`answered ${res.status}`);
  return [(performance.now() - t0) / 1000, cpuSeconds(server.child.pid!) - cpu0];
}

async function main(): Promise<void> {
  const [a, b, rounds = '7'] = process.argv.slice(2);
  const modelsDir = writeBenchModel();
  const files: [string, Blob][] = [
    ['100k numeric', new Blob([numericCsv(ROWS)])],
    ['100k Japanese (UTF-8)', new Blob([japaneseCsv(ROWS)])],
    ['100k Japanese (Shift_JIS)', new Blob([new Uint8Array(iconv.encode(japaneseCsv(ROWS), 'shift_jis'))])],
  ];
  const servers = [await start(a, modelsDir), await start(b, modelsDir)];
  const times = servers.map(() => files.map((): number[] => []));
  const cpu = servers.map(() => files.map((): number[] => []));
  for (const s of servers) for (const [, body] of files) for (let i = 0; i < 3; i++) await seconds(s, body);
  for (let r = 0; r < Number(rounds); r++) {
    for (let f = 0; f < files.length; f++) {
      // A then B in even rounds, B then A in odd ones.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        const [wall, onCpu] = await seconds(servers[k], files[f][1]);
        times[k][f].push(wall);
        cpu[k][f].push(onCpu);
      }
    }
  }
  files.forEach(([what], f) => {
    const [ma, mb] = [median(times[0][f]), median(times[1][f])];
    const [ca, cb] = [median(cpu[0][f]), median(cpu[1][f])];
    console.log(`${what}: A ${ma.toFixed(3)} s (${Math.round(ROWS / ma)} rows/s), B ${mb.toFixed(3)} s (${Math.round(ROWS / mb)} rows/s), B/A ${(mb / ma).toFixed(3)}; CPU A ${ca.toFixed(3)} s, B ${cb.toFixed(3)} s, B/A ${(cb / ca).toFixed(3)}`);
  });
  for (const s of servers) s.child.kill('SIGTERM');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
