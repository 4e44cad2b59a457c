/**
 * npm run bench:preview: what the upload page pays to read a workbook answer for its summary and
 * preview (frontend/public/answer-workbook.js into answer-summary.js) in real Chromium, by the
 * answer's size: rows of 30 numeric columns, a Japanese name, and the prediction columns as the
 * service writes them. Each read is on a fresh page, so it includes loading the reader (the
 * worker's script, or before it exceljs's browser build), as a user's first workbook answer does.
 * With --against <git ref>, that commit's page (frontend/public, with exceljs's browser build
 * where it used one) is read too, alternated read by read with this checkout's, so noise from
 * other work on the machine falls on both alike.
 * Prints per build the read's median time, the page's JS heap after it (the main thread's only)
 * and the renderer processes' peak RSS during it (worker included), sampled every 20 ms.
 * Usage: tsx bench/workbook-preview.ts [--against <ref>] [--rounds N] [rows…]   (default: 1000 10000 50000)
 */
import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { copyVendorScripts } from '../frontend/dev/vendor';
import { launchChromium } from '../frontend/test/browser';
import { FEATURES } from './bench-model';

const ROOT = join(__dirname, '..');
const PUBLIC = join(ROOT, 'frontend', 'public');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
const ADDED = ['prediction', 'probability'];
/** A read longer than this is given up (the page would long since have been closed). */
const GIVE_UP_MS = 180_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** An answer workbook as the service writes one (written as it streams, so 210,000 rows fit): the upload's columns, then the prediction columns. */
async function answerOf(rows: number): Promise<string> {
  const file = join(tmpdir(), `bench-preview-answer-${rows}.xlsx`);
  if (existsSync(file)) return file;
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: `${file}.part`, useSharedStrings: true });
  const sheet = wb.addWorksheet('データ');
  sheet.addRow(['氏名', ...FEATURES, ...ADDED]).commit();
  for (let i = 0; i < rows; i++) {
    const cells: (string | number)[] = [`山田${i}`];
    for (let j = 0; j < FEATURES.length; j++) cells.push(((Math.sin(i * 31 + j) * 100) | 0) / 10);
    sheet.addRow([...cells, i % 3 ? 'male' : 'female', (i % 1000) / 1000]).commit();
  }
  sheet.commit();
  await wb.commit();
  execFileSync('mv', [`${file}.part`, file]);
  return file;
}

/** The page's files as commit `ref` had them, with the vendored scripts it loaded then. */
function publicAt(ref: string): string {
  const dir = join(tmpdir(), `bench-preview-page-${ref}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${ref} frontend/public | tar -x -C ${dir}`], { cwd: ROOT });
  const pub = join(dir, 'frontend', 'public');
  mkdirSync(join(pub, 'vendor'), { recursive: true });
  copyFileSync(require.resolve('exceljs/dist/exceljs.bare.min.js'), join(pub, 'vendor', 'exceljs.bare.min.js'));
  return pub;
}

/** Resident memory of Chromium's renderer processes, all together (the worker runs in its page's renderer). */
function rendererRss(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

interface Read {
  ms: number;
  rows: number;
  heap: number;
  peakRss: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : args.splice(at, 2)[1];
  };
  const against = option('--against');
  const rounds = Number(option('--rounds') ?? 3);
  const sizes = args.map(Number);
  copyVendorScripts();
  const builds: Record<string, string> = against ? { [against]: publicAt(against), current: PUBLIC } : { current: PUBLIC };
  const answers = new Map<string, string>();
  // The page's files of the build being read, and the answers, from one origin (the modules load /vendor/ by path).
  let served = PUBLIC;
  const server = createServer((req, res) => {
    const answer = answers.get(req.url!);
    if (answer) return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(answer));
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
    const file = join(served, normalize(req.url!).replace(/^(\.\.[/\\])+/, ''));
    try {
      statSync(file);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();

  async function readOnce(build: string, path: string): Promise<Read | string> {
    served = builds[build];
    const page = await browser.newPage();
    try {
      await page.goto(url);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      let peakRss = rendererRss();
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rendererRss())), 20);
      try {
        const out = await page.evaluate(
          async ([path, added, giveUp]) => {
            const { addAnswerWorkbook } = await import('/answer-workbook.js' as string);
            const { AnswerSummary } = await import('/answer-summary.js' as string);
            const blob = await (await fetch(path as string)).blob();
            const summary = new AnswerSummary({ task: 'classification', classes: ['female', 'male'] });
            const t0 = performance.now();
            const done = await Promise.race([addAnswerWorkbook(summary, blob, added).then(() => true), new Promise((r) => setTimeout(() => r(false), giveUp as number))]);
            return done ? { ms: performance.now() - t0, rows: summary.rows as number } : null;
          },
          [path, ADDED, GIVE_UP_MS] as const,
        );
        if (!out) return `gave up after ${GIVE_UP_MS / 1000} s`;
        const heap = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
        return { ...out, heap, peakRss };
      } finally {
        clearInterval(sampler);
      }
    } catch (error) {
      return `failed: ${(error as Error).message.split('\n')[0]}`;
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  try {
    for (const rows of sizes.length ? sizes : [1000, 10_000, 50_000]) {
      const file = await answerOf(rows);
      const path = `/answer-${rows}.xlsx`;
      answers.set(path, file);
      const reads: Record<string, Read[]> = Object.fromEntries(Object.keys(builds).map((b) => [b, []]));
      const failed: Record<string, string> = {};
      for (let k = 0; k < rounds; k++) {
        const order = k % 2 ? Object.keys(builds).reverse() : Object.keys(builds);
        for (const build of order) {
          if (failed[build]) continue;
          const read = await readOnce(build, path);
          if (typeof read === 'string') failed[build] = read;
          else reads[build].push(read);
        }
      }
      const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
      for (const build of Object.keys(builds)) {
        const r = reads[build];
        const what = r.length
          ? `read ${r[0].rows.toLocaleString('en')} rows in ${(median(r.map((x) => x.ms)) / 1000).toFixed(2)} s (median of ${r.length}); JS heap after ${mb(median(r.map((x) => x.heap)))}; renderer peak RSS ${mb(median(r.map((x) => x.peakRss)))}`
          : '';
        console.log(`${rows.toLocaleString('en')} rows (${(statSync(file).size / 1048576).toFixed(2)} MiB) ${build}: ${[what, failed[build]].filter(Boolean).join('; ')}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
