/**
 * A large file through the CLI (npm run predict) against the local service, both as processes of
 * their own: rows/s, the service's peak RSS (VmHWM) and the time to the first answered piece.
 *   npx tsx bench/cli-large-file.ts [MB=1024] [concurrency=4]
 * The file: 30 columns (the penguin model's 4 features and 26 others), about 290 bytes a row.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../service/src/paths';
import { NODE_FLAGS, PROCESS_ENV } from '../service/src/process-settings';

const MB = Number(process.argv[2] ?? 1024);
const CONCURRENCY = process.argv[3] ?? '4';
export const TOKEN = 'bench-token-0123456789abcdef';
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

/** The bench's file: about `bytes` of 30-column rows (also bench/page-large-file.ts's). Resolves with its rows. */
export async function writeFile(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const extra = Array.from({ length: 26 }, (_, i) => `col_${i + 1}`);
  out.write([...FEATURES, ...extra].join(',') + '\n');
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    let block = '';
    for (let k = 0; k < 1000; k++, rows++) {
      const i = rows;
      block += `${(35 + (i % 200) / 10).toFixed(1)},${(15 + (i % 50) / 10).toFixed(1)},${180 + (i % 40)},${3000 + (i % 3000)},` + extra.map((_, c) => (c % 3 === 0 ? `text ${i % 977}` : `${(i * (c + 1)) % 100000}.${c}`)).join(',') + '\n';
    }
    written += Buffer.byteLength(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return rows;
}

export async function startService(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
    env: { ...process.env, ...PROCESS_ENV, PORT: '0', API_TOKEN: TOKEN, LOG_LEVEL: 'info', NODE_OPTIONS: '', PGLITE_DIR: join(tmpdir(), `bench-cli-${process.pid}`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  while (!/"port":(\d+)/.test(out)) {
    if (child.exitCode !== null) throw new Error(out);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `http://127.0.0.1:${/"port":(\d+)/.exec(out)![1]}`;
  while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) await new Promise((r) => setTimeout(r, 100));
  return { child, url };
}

export const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main() {
  const file = join(tmpdir(), `bench-cli-${MB}mb.csv`);
  const rows = await writeFile(file, MB * 1024 * 1024);
  const size = statSync(file).size;
  const service = await startService();
  const idleRss = peakRssMb(service.child.pid!);
  const started = performance.now();
  const cli = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'cli/predict.ts'), file, '--concurrency', CONCURRENCY, '--out', `${file}.out`], {
    env: { ...process.env, API_URL: service.url, API_TOKEN: TOKEN, NODE_OPTIONS: '' },
  });
  let stderr = '';
  let firstProgressMs = -1;
  cli.stderr.on('data', (d) => {
    stderr += d;
    if (firstProgressMs < 0 && /\d+ rows \|/.test(String(d)) && !/\| 0 rows \|/.test(String(d))) firstProgressMs = performance.now() - started;
  });
  let cliPeak = 0;
  const sample = setInterval(() => {
    try {
      cliPeak = Math.max(cliPeak, peakRssMb(cli.pid!));
    } catch {
      // The CLI has exited.
    }
  }, 200);
  const code = await new Promise((r) => cli.on('exit', r));
  clearInterval(sample);
  const seconds = (performance.now() - started) / 1000;
  const servicePeak = peakRssMb(service.child.pid!);
  service.child.kill('SIGTERM');
  const outSize = statSync(`${file}.out`, { throwIfNoEntry: false })?.size ?? 0;
  console.log(stderr.split('\n').filter((l) => /^scored|problem|refused|failed/.test(l)).join('\n'));
  console.log(
    JSON.stringify({ fileMB: +(size / 1048576).toFixed(0), rows, columns: 30, concurrency: Number(CONCURRENCY), exit: code, seconds: +seconds.toFixed(1), rowsPerSecond: Math.round(rows / seconds), firstAnswerSeconds: +(firstProgressMs / 1000).toFixed(2), serviceIdleRssMB: Math.round(idleRss), servicePeakRssMB: Math.round(servicePeak), cliPeakRssMB: Math.round(cliPeak), outputMB: +(outSize / 1048576).toFixed(0) }),
  );
  rmSync(file, { force: true });
  rmSync(`${file}.out`, { force: true });
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
