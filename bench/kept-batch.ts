/**
 * A batch's kept answer as one file (GET /v1/batches/{batch}/result, issue 18): a large CSV scored
 * in pieces with keep (the CLI's scoreFile, as `npm run predict -- --keep`) against the service as
 * a process of its own (folder backend; PGlite unless DATABASE_URL is set), then the batch fetched
 * again `rounds` times: MiB/s, time to the first byte, and the service's resident memory while it
 * serves (sampled every 10 ms) against its memory just before. The join streams one piece at a
 * time, so the rise should not follow the file's size. Each download is checked against the answer
 * the CLI wrote (SHA-256).
 *   npx tsx bench/kept-batch.ts [MB=128] [rounds=3]
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { scoreFile } from '../cli/score-file';
import { TOKEN } from '../service/test/helpers';
import { startServerProcess } from '../service/test/server-process';
import { rssKb } from './service-process';

const MB = Number(process.argv[2] ?? 128);
const ROUNDS = Number(process.argv[3] ?? 3);
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

async function writeCsv(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${[...FEATURES, 'note'].join(',')}\r\n`);
  let written = 0;
  for (let i = 0; written < bytes; ) {
    let block = '';
    for (let k = 0; k < 1000; k++, i++) block += `${(35 + (i % 200) / 10).toFixed(1)},${(15 + (i % 50) / 10).toFixed(1)},${180 + (i % 40)},${3000 + (i % 3000)},観察 ${i % 977}\r\n`;
    written += Buffer.byteLength(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-kept-batch-'));
  const input = join(dir, 'large.csv');
  const output = join(dir, 'large-predictions.csv');
  await writeCsv(input, MB * 1024 * 1024);
  const server = await startServerProcess({ RESULTS_DIR: join(dir, 'results'), INFERENCE_THREADS: '2' });
  try {
    const batch = `bench-${process.pid}`;
    const endpoint = { url: `${server.url}/v1/predict?batch=${batch}`, headers: { Authorization: `Bearer ${TOKEN}` }, timeoutMs: 300_000 };
    const scored = await scoreFile({ input, output, endpoint, keep: true, concurrency: 4, pieceBytes: 16 * 1024 * 1024, maxRequestBytes: 32 * 1024 * 1024 });
    if (!scored.ok) throw new Error(`scoring failed: ${JSON.stringify(scored).slice(0, 300)}`);
    const expected = await sha256(output);
    console.log(`${MB} MB, ${scored.rows} rows in ${scored.pieces} pieces of 16 MiB, kept; the answer is ${(statSync(output).size / 1048576).toFixed(0)} MiB`);
    // The batch is found in the job log: wait for its rows (PGlite's first start on a new folder takes seconds).
    for (let listed = 0; listed < scored.pieces; await new Promise((r) => setTimeout(r, 200))) {
      const page = await fetch(`${server.url}/v1/jobs?batch=${batch}&limit=100`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => (r.ok ? r.json() : { jobs: [] }));
      listed = page.jobs.length;
    }
    const rates: number[] = [];
    const firsts: number[] = [];
    const rises: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = rssKb(server.child.pid!);
      let most = before;
      const sampler = setInterval(() => {
        try {
          most = Math.max(most, rssKb(server.child.pid!));
        } catch {
          // Exited (a zombie has no VmRSS): the download says why.
        }
      }, 10);
      const t0 = performance.now();
      const res = await fetch(`${server.url}/v1/batches/${batch}/result`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
      const hash = createHash('sha256');
      let bytes = 0;
      let first = -1;
      for await (const chunk of Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream<Uint8Array>)) {
        if (first < 0) first = performance.now() - t0;
        bytes += chunk.length;
        hash.update(chunk);
      }
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      if (hash.digest('hex') !== expected) throw new Error('the batch differs from the answer the CLI wrote');
      rates.push(bytes / 1048576 / seconds);
      firsts.push(first);
      rises.push((most - before) / 1024);
      console.log(`round ${r + 1}: ${(bytes / 1048576).toFixed(0)} MiB in ${seconds.toFixed(2)} s (${(bytes / 1048576 / seconds).toFixed(0)} MiB/s), first byte after ${first.toFixed(0)} ms, RSS ${(before / 1024).toFixed(0)} MB before, +${((most - before) / 1024).toFixed(0)} MB at most while serving`);
    }
    console.log(`median: ${median(rates).toFixed(0)} MiB/s, first byte ${median(firsts).toFixed(0)} ms, RSS rise ${median(rises).toFixed(0)} MB; identical to the CLI's answer every time`);
  } catch (error) {
    console.error(server.output().split('\n').filter((l) => /"severity":"(ERROR|WARNING|CRITICAL)"|Error/.test(l)).slice(-5).join('\n'));
    throw error;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
