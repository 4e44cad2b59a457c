/// <reference lib="dom" />
/**
 * A large file through the upload page in Chromium via the local whole system: the page and its
 * Pages Function in workerd (wrangler pages dev), the service as a process of its own, the file
 * cut and sent by the page (frontend/public/split-upload.js). Prints rows/s, the time to the first
 * progress (the first piece answered: the label first shows a time left) and to the bar's first
 * whole percent, the peak RSS (VmHWM) of the service, of the tab's
 * renderer process and of Chromium's browser process (which holds the answer's Blob parts).
 * Then the local proxy's share: the file's first 16 MiB as four requests at once, to the service
 * directly and through the Pages Function in workerd.
 *   npx tsx bench/page-large-file.ts [MB=200] [piece KiB=16384]
 * The file is bench/cli-large-file.ts's: 30 columns, about 290 bytes a row.
 */
import { openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPagesDev } from '../frontend/dev/pages-dev';
import { launchChromium } from '../frontend/test/browser';
import { peakRssMb, startService, TOKEN, writeFile } from './cli-large-file';
import { descendants } from './processes';

const MB = Number(process.argv[2] ?? 200);
const PIECE_KIB = Number(process.argv[3] ?? 16384);

/** Seconds for four requests of `body` at once, each answer read whole. */
async function fourAtOnce(url: string, body: Uint8Array, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const res = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { ...headers, 'content-type': 'text/csv' } });
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }),
  );
  return +((performance.now() - t0) / 1000).toFixed(1);
}

/** The file's first 16 MiB, to its last whole line. */
function firstPiece(file: string): Uint8Array {
  const bytes = Buffer.alloc(16 * 1024 * 1024);
  readSync(openSync(file, 'r'), bytes, 0, bytes.length, 0);
  return bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
}

async function main() {
  const file = join(tmpdir(), `bench-page-${MB}mb.csv`);
  const rows = await writeFile(file, MB * 1024 * 1024);
  const size = statSync(file).size;
  const service = await startService();
  const pages = await startPagesDev({ apiUrl: service.url, apiToken: TOKEN });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${pages.url}/?piece_kib=${PIECE_KIB}`);
    await page.waitForSelector('#model:not([disabled])');
    await page.setInputFiles('#file', file);
    await page.evaluate(() => {
      const w = window as unknown as { firstProgress: number; firstPercent: number; t0: number };
      const label = document.getElementById('progress-label')!;
      new MutationObserver(() => {
        if (!w.firstProgress && / left$/.test(label.textContent!)) w.firstProgress = performance.now() - w.t0;
        if (!w.firstPercent && /[1-9]\d*%/.test(label.textContent!)) w.firstPercent = performance.now() - w.t0;
      }).observe(label, { childList: true, characterData: true, subtree: true });
      document.getElementById('predict')!.addEventListener('click', () => (w.t0 = performance.now()), { capture: true });
    });
    const started = performance.now();
    await page.click('#predict');
    await page.waitForSelector('#result:not([hidden])', { timeout: 1_800_000 });
    const seconds = (performance.now() - started) / 1000;
    const [firstProgressMs, firstPercentMs] = await page.evaluate(() => {
      const w = window as unknown as { firstProgress: number; firstPercent: number };
      return [w.firstProgress, w.firstPercent];
    });
    const shown = Number((await page.textContent('#result-rows'))!.replace(/,/g, ''));
    const chromium = descendants(process.pid).filter((p) => /chrom/.test(p.cmd));
    const peak = (ps: { pid: number }[]) => Math.round(Math.max(0, ...ps.map((p) => peakRssMb(p.pid))));
    const renderer = peak(chromium.filter((p) => p.cmd.includes('--type=renderer')));
    const browserMain = peak(chromium.filter((p) => !p.cmd.includes('--type=')));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const answerBytes = statSync((await download.path())!).size;
    const piece = firstPiece(file);
    const direct = await fourAtOnce(`${service.url}/v1/predict`, piece, { Authorization: `Bearer ${TOKEN}` });
    const proxied = await fourAtOnce(`${pages.url}/api/predict`, piece, {});
    console.log(
      JSON.stringify({
        fileMB: +(size / 1048576).toFixed(0),
        rows,
        rowsShown: shown,
        pieceMiB: PIECE_KIB / 1024,
        seconds: +seconds.toFixed(1),
        rowsPerSecond: Math.round(rows / seconds),
        firstProgressSeconds: +(firstProgressMs / 1000).toFixed(2),
        firstPercentSeconds: +(firstPercentMs / 1000).toFixed(2),
        servicePeakRssMB: Math.round(peakRssMb(service.child.pid!)),
        rendererPeakRssMB: renderer,
        browserPeakRssMB: browserMain,
        answerMB: +(answerBytes / 1048576).toFixed(0),
        fourPiecesDirectSeconds: direct,
        fourPiecesThroughWorkerdSeconds: proxied,
      }),
    );
  } finally {
    await browser.close();
    await pages.stop();
    service.child.kill('SIGTERM');
    rmSync(file, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
