/**
 * npm run bench: figures for this machine, against the built service in its own process.
 *   end-to-end rows/s (1k and 100k rows × 30 numeric columns, and 100k with a column of Japanese
 *   names in UTF-8 and in Shift_JIS), peak RSS for a 32 MiB upload,
 *   latency and throughput with 50 and 200 concurrent clients, start → ready, CSV parsers alone,
 *   synthesis of every infrastructure stack, and memory over time (memory.ts).
 */
import autocannon from 'autocannon';
import iconv from 'iconv-lite';
import { japaneseCsv, numericCsv, writeBenchModel } from './bench-model';
import { compareParsers } from './parsers';
import { measureSynth } from './synth';
import { mb, peakRssKb, start, stop, TOKEN } from './service-process';
import { sustainedMemory } from './memory';

const RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function predict(url: string, body: string | Blob): Promise<number> {
  const res = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body });
  if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${await res.text()}`);
  return (await res.arrayBuffer()).byteLength;
}

async function throughput(url: string): Promise<void> {
  const japanese = japaneseCsv(100_000);
  // Bodies are bytes made once, so the client does not encode 12 MiB of text on every request.
  const files: [string, number, Blob][] = [
    ['30 cols', 1_000, new Blob([numericCsv(1_000)])],
    ['30 cols', 100_000, new Blob([numericCsv(100_000)])],
    // A spreadsheet's export: a text column of names, in UTF-8 and in Shift_JIS (Excel's plain "CSV" in Japan).
    ['30 cols + Japanese names, UTF-8', 100_000, new Blob([japanese])],
    ['30 cols + Japanese names, Shift_JIS', 100_000, new Blob([new Uint8Array(iconv.encode(japanese, 'shift_jis'))])],
  ];
  for (const [what, rows, body] of files) {
    // Warmed up until the threads' code is optimised: the first 100k-row requests after a start
    // take up to three times as long, and a small file is otherwise measured mostly cold.
    for (let i = 0; i < (rows <= 1000 ? 30 : 5); i++) await predict(url, body);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await predict(url, body);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    console.log(`end to end, ${rows} rows × ${what} (${(body.size / 1048576).toFixed(1)} MiB): median ${ms.toFixed(1)} ms → ${Math.round((rows / ms) * 1000).toLocaleString('en')} rows/s`);
  }
}

async function load(url: string): Promise<void> {
  const body = numericCsv(100);
  for (const connections of [50, 200]) {
    // autocannon's summary has fixed percentiles without p95: every response time is kept instead.
    const times: number[] = [];
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const options = { url: `${url}/v1/predict`, method: 'POST' as const, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body, connections, duration: 10 };
      const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
      instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
    });
    const errors = result.errors + result.non2xx + result.timeouts;
    times.sort((a, b) => a - b);
    const p = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]);
    console.log(
      `${connections} clients × 10 s, 100-row files: p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms, ${Math.round(result.requests.average)} req/s, ${errors} errors (${result.non2xx} non-2xx)`,
    );
  }
}

/** `npm run bench -- memory throughput` runs only the sections named; with none, all of them. */
const SECTIONS = ['parsers', 'synth', 'startup', 'throughput', 'load', 'memory', 'sustained'] as const;

async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const unknown = named.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown bench section ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
  const runs = (section: (typeof SECTIONS)[number]) => named.length === 0 || named.includes(section);
  const modelsDir = writeBenchModel();
  if (runs('parsers')) compareParsers();
  if (runs('synth')) measureSynth();
  if (runs('startup')) await startup(modelsDir);
  if (runs('throughput') || runs('load')) {
    const server = await start(modelsDir);
    if (runs('throughput')) await throughput(server.url);
    if (runs('load')) await load(server.url);
    await stop(server);
  }
  if (runs('memory')) await memory(modelsDir);
  if (runs('sustained')) await sustainedMemory(modelsDir);
}

async function startup(modelsDir: string): Promise<void> {
  const startups: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await start(modelsDir);
    startups.push(s.readyMs);
    await stop(s);
  }
  const database = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite';
  console.log(`process start → /readyz 200 (${database}): median ${median(startups).toFixed(0)} ms of ${RUNS}`);
}

async function memory(modelsDir: string): Promise<void> {
  const fresh = await start(modelsDir);
  const before = peakRssKb(fresh.child.pid!);
  // As many rows as fit the 32 MiB limit (rows are about 130 bytes), then trimmed to it.
  const rows = Math.ceil((32 * 1048576) / (Buffer.byteLength(numericCsv(1000)) / 1000));
  let body = numericCsv(rows);
  while (Buffer.byteLength(body) > 32 * 1048576) body = body.slice(0, body.lastIndexOf('\r\n', body.length - 3) + 2);
  const out = await predict(fresh.url, body);
  console.log(`32 MiB upload (${(Buffer.byteLength(body) / 1048576).toFixed(1)} MiB, ${body.split('\r\n').length - 2} rows → ${(out / 1048576).toFixed(1)} MiB out): peak RSS ${mb(peakRssKb(fresh.child.pid!))} (idle after start ${mb(before)})`);
  await stop(fresh);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
