/**
 * npm run bench:workbook: an Excel workbook end to end beside the same rows as CSV, against the
 * built service in its own process (a fresh one per file, so peak RSS is the file's own):
 * rows of 30 numeric columns and a column of Japanese names. Prints rows/s and the process's
 * peak RSS (a refusal is printed).
 * Usage: tsx bench/workbook.ts [rows…]   (default: 3000, 100000 and 210000, the last a workbook
 * just under the 32 MiB upload limit)
 *        tsx bench/workbook.ts --at-once N [rows]   N uploads of one workbook at once (default 210000 rows)
 *        tsx bench/workbook.ts --in-a-row N [rows]  N uploads of one workbook one after another, then
 *                                                   RSS 10 s later (memory across many requests)
 */
import ExcelJS from 'exceljs';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../frontend/dev/pages-dev';
import { NODE_FLAGS, PROCESS_ENV, SERVICE_ENTRY } from '../service/src/process-settings';
import { FEATURES, japaneseCsv, writeBenchModel } from './bench-model';

const ROOT = join(__dirname, '..');
const TOKEN = 'bench-token-0123456789abcdef';
const LIMIT = 32 * 1048576;
const NAMES = ['山田太郎', '鈴木花子', '佐藤一郎', '田中美咲', '高橋健'];

/** A workbook of `rows` rows like japaneseCsv's, written by exceljs's streaming writer (as Excel would hold them: numbers as numbers). */
async function workbookOf(rows: number): Promise<string> {
  const file = join(tmpdir(), `bench-${rows}.xlsx`);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const sheet = wb.addWorksheet('データ');
  sheet.addRow(['氏名', ...FEATURES]).commit();
  for (let i = 0; i < rows; i++) {
    const cells: (string | number)[] = [NAMES[(i + 1) % NAMES.length]];
    for (let j = 0; j < FEATURES.length; j++) cells.push(((Math.sin(i * 31 + j) * 100) | 0) / 10);
    sheet.addRow(cells).commit();
  }
  await wb.commit();
  return file;
}

async function start(modelsDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, SERVICE_ENTRY)], {
    env: { ...process.env, ...PROCESS_ENV, PORT: String(port), API_TOKEN: TOKEN, MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', PGLITE_DIR: join(modelsDir, `pglite-${port}`) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return { child, url };
    if (child.exitCode !== null) throw new Error('server exited');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** One request on a fresh server: seconds, answer bytes, the server's peak RSS and its RSS when idle after start. */
async function measure(modelsDir: string, body: Uint8Array, type: string): Promise<{ seconds: number; out: number; peak: number; idle: number }> {
  const server = await start(modelsDir);
  const idle = peakRssMb(server.child.pid!);
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': type }, body: new Blob([body as Uint8Array<ArrayBuffer>]) });
  const answer = Buffer.from(await res.arrayBuffer());
  const out = answer.byteLength;
  if (res.status !== 200) console.log(`  refused: ${res.status} ${answer.toString('utf8').slice(0, 300)}`);
  const seconds = (performance.now() - t0) / 1000;
  const peak = peakRssMb(server.child.pid!);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.on('exit', r));
  return { seconds, out, peak, idle };
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * `n` uploads of the same workbook on a fresh server, all at once or one after another: each
 * answer's status, the server's peak RSS, and its RSS 10 s after the last answer.
 */
async function many(modelsDir: string, body: Uint8Array, n: number, together: boolean): Promise<{ statuses: number[]; seconds: number; peak: number; idle: number; after: number }> {
  const server = await start(modelsDir);
  const idle = peakRssMb(server.child.pid!);
  const t0 = performance.now();
  const send = async () => {
    const res = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/octet-stream' }, body: new Blob([body as Uint8Array<ArrayBuffer>]) });
    await res.arrayBuffer();
    return res.status;
  };
  const statuses: number[] = [];
  if (together) statuses.push(...(await Promise.all(Array.from({ length: n }, send))));
  else for (let k = 0; k < n; k++) statuses.push(await send());
  const seconds = (performance.now() - t0) / 1000;
  const peak = peakRssMb(server.child.pid!);
  await new Promise((r) => setTimeout(r, 10_000));
  const after = rssMb(server.child.pid!);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.on('exit', r));
  return { statuses, seconds, peak, idle, after };
}

async function main(): Promise<void> {
  const modelsDir = writeBenchModel();
  const args = process.argv.slice(2);
  const flag = args.findIndex((a) => a === '--at-once' || a === '--in-a-row');
  const [mode, count] = flag >= 0 ? args.splice(flag, 2) : [];
  const n = Number(count ?? 0);
  const asked = args.map(Number);
  const sizes = asked.length > 0 ? asked : [3_000, 100_000, 210_000];
  if (n > 0) {
    // The largest size's workbook, `n` times (at once, WORKBOOK_JOBS decides how many run together).
    const rows = Math.max(...sizes);
    const together = mode === '--at-once';
    const m = await many(modelsDir, new Uint8Array(readFileSync(await workbookOf(rows))), n, together);
    console.log(
      `${n} workbooks of ${rows} rows ${together ? 'at once' : 'in a row'}: statuses ${m.statuses.join(' ')}, ${m.seconds.toFixed(1)} s, peak RSS ${m.peak.toFixed(0)} MB (idle ${m.idle.toFixed(0)} MB), ${m.after.toFixed(0)} MB 10 s later`,
    );
    return;
  }
  for (const rows of sizes) {
    const file = await workbookOf(rows);
    const xlsx = new Uint8Array(readFileSync(file));
    const csv = new Uint8Array(Buffer.from(japaneseCsv(rows)));
    for (const [what, body, type] of [
      ['CSV', csv, 'text/csv'],
      ['workbook', xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ] as const) {
      const m = await measure(modelsDir, body, type);
      console.log(
        `${rows} rows × 31 cols, ${what} (${(body.byteLength / 1048576).toFixed(1)} MiB in, ${(m.out / 1048576).toFixed(1)} MiB out): ${m.seconds.toFixed(2)} s, ${Math.round(rows / m.seconds)} rows/s, peak RSS ${m.peak.toFixed(0)} MB (idle ${m.idle.toFixed(0)} MB)`,
      );
    }
    console.log(`  (${file}: ${(statSync(file).size / 1048576).toFixed(1)} MiB${statSync(file).size > LIMIT ? ', over the 32 MiB limit' : ''})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
