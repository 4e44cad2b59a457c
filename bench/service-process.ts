/** The built service started as its own process, as the image starts it (process-settings.ts). */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../frontend/dev/pages-dev';
import { NODE_FLAGS, PROCESS_ENV, SERVICE_ENTRY } from '../service/src/process-settings';

export const TOKEN = 'bench-token-0123456789abcdef';
const ROOT = join(__dirname, '..');

export interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  readyMs: number;
}

/** `root` is a checkout whose `npm run build` has run (another commit's, to compare builds). */
export async function start(modelsDir: string, env: Record<string, string> = {}, root = ROOT): Promise<Server> {
  // A free port chosen here, so readiness is polled on it without scanning /proc while the server starts.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, join(root, SERVICE_ENTRY)], {
    cwd: root,
    env: { ...process.env, ...PROCESS_ENV, NODE_ENV: 'production', PORT: String(port), API_TOKEN: TOKEN, MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', PGLITE_DIR: join(modelsDir, 'pglite'), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return { child, url, port, readyMs: performance.now() - t0 };
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.on('exit', r));
}

const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
/** The process's resident memory now, in kB. */
export const rssKb = (pid: number) => status(pid, 'VmRSS');
/** The most it has been resident since it started (or since resetPeakRss), in kB. */
export const peakRssKb = (pid: number) => status(pid, 'VmHWM');
/** Starts the peak over from now (Linux: clear_refs 5). */
export const resetPeakRss = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
