/**
 * npm run bench:preview: what the upload page pays to read a workbook answer for its summary and
 * preview (frontend/public/answer-workbook.js into answer-summary.js, exceljs's browser build) in real Chromium, by the
 * answer's size: rows of 30 numeric columns, a Japanese name, and the prediction columns as the
 * service writes them. Prints the read's time (median of 3) and Chromium's JS heap after it.
 * Usage: tsx bench/workbook-preview.ts [rows…]   (default: 1000 10000 50000)
 */
import ExcelJS from 'exceljs';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { copyVendorScripts } from '../frontend/dev/vendor';
import { launchChromium } from '../frontend/test/browser';
import { FEATURES } from './bench-model';

const PUBLIC = join(__dirname, '..', 'frontend', 'public');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
const ADDED = ['prediction', 'probability'];

/** An answer workbook as the service writes one: the upload's columns, then the prediction columns. */
async function answerOf(rows: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('データ');
  sheet.addRow(['氏名', ...FEATURES, ...ADDED]);
  for (let i = 0; i < rows; i++) {
    const cells: (string | number)[] = [`山田${i}`];
    for (let j = 0; j < FEATURES.length; j++) cells.push(((Math.sin(i * 31 + j) * 100) | 0) / 10);
    sheet.addRow([...cells, i % 3 ? 'male' : 'female', (i % 1000) / 1000]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  copyVendorScripts();
  const answers = new Map<string, Buffer>();
  // The page's own files, and the answers, from one origin (the module loads /vendor/ by path).
  const server = createServer((req, res) => {
    const answer = answers.get(req.url!);
    if (answer) return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer);
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
    const file = join(PUBLIC, normalize(req.url!).replace(/^(\.\.[/\\])+/, ''));
    try {
      statSync(file);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    for (const rows of sizes.length ? sizes : [1000, 10_000, 50_000]) {
      const bytes = await answerOf(rows);
      answers.set(`/answer-${rows}.xlsx`, bytes);
      // A fresh page per size, so the heap is this answer's.
      const page = await browser.newPage();
      await page.goto(url);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const times: number[] = [];
      let read = 0;
      for (let k = 0; k < 3; k++) {
        const out = await page.evaluate(
          async ([path, added]) => {
            const { addAnswerWorkbook } = await import('/answer-workbook.js' as string);
            const { AnswerSummary } = await import('/answer-summary.js' as string);
            const blob = await (await fetch(path as string)).blob();
            const summary = new AnswerSummary({ task: 'classification', classes: ['female', 'male'] });
            const t0 = performance.now();
            await addAnswerWorkbook(summary, blob, added);
            return { ms: performance.now() - t0, rows: summary.rows as number };
          },
          [`/answer-${rows}.xlsx`, ADDED] as const,
        );
        times.push(out.ms);
        read = out.rows;
      }
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
      const total = metrics.find((m) => m.name === 'JSHeapTotalSize')!.value;
      times.sort((a, b) => a - b);
      console.log(
        `${rows.toLocaleString('en')} rows × 33 columns (${(bytes.length / 1048576).toFixed(2)} MiB answer): read ${read.toLocaleString('en')} rows in ${(times[1] / 1000).toFixed(2)} s (median of 3); JS heap after: ${(heap / 1048576).toFixed(0)} MB used of ${(total / 1048576).toFixed(0)} MB`,
      );
      await page.close();
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
