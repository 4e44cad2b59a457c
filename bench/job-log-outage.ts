/**
 * npm run bench:outage -- [--kind reset|blackhole|both] [--outage-s 60] [--rate 1150]
 *                         [--connections 50] [--before-s 5] [--drain-s 60] [--root DIR]
 *
 * The job log through a PostgreSQL outage under load: the service (from source, with the image's
 * node flags) on DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test, a fresh schema)
 * behind a TCP proxy (service/test/outage-proxy.ts) that resets every connection, or drops every
 * packet without a reset, for --outage-s while autocannon sends one-row predictions at --rate a
 * second; then the database returns. Prints, with the targets: rows lost (predictions answered
 * against rows in the table once the queue has drained), seconds from the database's return to
 * the first row written and to the last, and the queue's peak bytes. Nothing polls /readyz (it
 * would make the job log retry). --root runs another checkout's service (the build this one
 * started from, say) with the same bench.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createPostgresClient } from '../service/src/jobs/postgres-client';
import type { SqlClient } from '../service/src/jobs/sql-client';
import { createLogger } from '../service/src/logging';
import { NODE_FLAGS, PROCESS_ENV } from '../service/src/process-settings';
import { OutageProxy } from '../service/test/outage-proxy';

const TOKEN = 'bench-token-0123456789abcdef';
const BODY = 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\r\n39.1,18.7,181,3750\r\n';

const { values: args } = parseArgs({
  options: {
    kind: { type: 'string', default: 'both' },
    'outage-s': { type: 'string', default: '60' },
    rate: { type: 'string', default: '1150' },
    connections: { type: 'string', default: '50' },
    'before-s': { type: 'string', default: '5' },
    'drain-s': { type: 'string', default: '60' },
    root: { type: 'string', default: join(__dirname, '..') },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Service {
  url: string;
  pid: number;
  /** Predict requests answered, from their request log lines (logged when the job is recorded, by either build). */
  predictions: () => number;
  lines: Record<string, unknown>[];
  stop: () => Promise<number | null>;
}

async function startService(root: string, databaseUrl: string): Promise<Service> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(root, 'service/src/server.ts')], {
    cwd: root,
    env: { ...process.env, ...PROCESS_ENV, PORT: '0', API_TOKEN: TOKEN, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let predictions = 0;
  let port: number | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    // Lines by the thousand, counted rather than kept.
    if (line.includes('"message":"POST /v1/predict ')) return void predictions++;
    if (line.includes('"message":"job recorded"') || !line.startsWith('{')) return;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    lines.push(parsed);
    if (parsed.message === 'service ready') port = parsed.port as number;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  while (port === undefined) {
    if (child.exitCode !== null) throw new Error('the service exited while starting');
    await sleep(20);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    predictions: () => predictions,
    lines,
    stop: () => (child.kill('SIGTERM'), exited),
  };
}

const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const rowCount = async (db: SqlClient) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM jobs'))[0].n);

async function freshSchema(url: string): Promise<string> {
  const schema = `bench_outage_${Date.now()}`;
  const admin = createPostgresClient(url, createLogger('silent'));
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function run(kind: 'reset' | 'blackhole') {
  const base = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';
  const direct = await freshSchema(base);
  const proxy = OutageProxy.forUrl(base);
  await proxy.start();
  const db = createPostgresClient(direct, createLogger('silent'));
  const service = await startService(args.root!, proxy.via(direct));

  // One row first: the job log has connected and migrated.
  await fetch(`${service.url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: BODY });
  for (let i = 0; i < 200; i++) {
    if (await rowCount(db).catch(() => 0)) break;
    await sleep(50);
  }

  const beforeMs = Number(args['before-s']) * 1000;
  const outageMs = Number(args['outage-s']) * 1000;
  const drainMs = Number(args['drain-s']) * 1000;
  const rate = Number(args.rate);
  const load = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${service.url}/v1/predict`,
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' },
        body: BODY,
        connections: Number(args.connections),
        overallRate: rate,
        duration: (beforeMs + outageMs + 10_000) / 1000,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });

  await sleep(beforeMs);
  const outageStart = Date.now();
  proxy[kind]();
  await sleep(outageMs);
  proxy.restore();
  const restored = Date.now();
  const atRestore = await rowCount(db);
  const answeredAtRestore = service.predictions();
  let firstRowMs: number | undefined;
  let caughtUpMs: number | undefined;
  const result = await (async () => {
    // Polled directly, not through the proxy, while the load goes on for 10 s more.
    let done: autocannon.Result | undefined;
    void load.then((r) => (done = r));
    for (;;) {
      const rows = await rowCount(db);
      const now = Date.now() - restored;
      if (firstRowMs === undefined && rows > atRestore) firstRowMs = now;
      if (rows >= answeredAtRestore) caughtUpMs ??= now;
      if (done && ((caughtUpMs !== undefined && rows >= service.predictions()) || now > drainMs)) return done;
      await sleep(100);
    }
  })();

  const rows = await rowCount(db);
  const reachable = service.lines.filter((l) => l.message === 'job log: database reachable' && typeof l.peakQueuedBytes === 'number').pop();
  const rss = peakRss(service.pid);
  const code = await service.stop();
  const lostAtExit = service.lines.find((l) => typeof l.lost === 'number')?.lost;
  const notKept = service.lines.filter((l) => typeof l.notKept === 'number' && l.firstCreatedAt).reduce((n, l) => n + (l.notKept as number), 0);
  const answered = service.predictions();
  console.log(`\n${kind}: ${outageMs / 1000} s outage at ${rate} req/s offered (${Math.round(result.requests.average)} req/s served, ${result['2xx']} × 2xx, ${result.non2xx} other, ${result.errors} errors)`);
  console.log(`  rows lost                      ${answered - rows} of ${answered} predictions answered  (target 0)`);
  console.log(`  first row after the return     ${firstRowMs === undefined ? 'never' : `${(firstRowMs / 1000).toFixed(1)} s`}  (target: a few seconds)`);
  console.log(`  outage's rows all written      ${caughtUpMs === undefined ? `not within ${drainMs / 1000} s` : `${(caughtUpMs / 1000).toFixed(1)} s after the return`}`);
  console.log(`  queue peak                     ${reachable ? mib(reachable.peakQueuedBytes as number) : 'not reported'}; service peak RSS ${mib(rss)}`);
  console.log(`  records not kept (queue full)  ${notKept}; lost at exit ${lostAtExit ?? 0}; exit code ${code}; outage began ${((restored - outageStart) / 1000).toFixed(1)} s before the return`);
  await db.close();
  await proxy.stop();
}

async function main() {
  const kinds = args.kind === 'both' ? (['reset', 'blackhole'] as const) : [args.kind as 'reset' | 'blackhole'];
  console.log(`job log outage bench: service from ${args.root}`);
  for (const kind of kinds) await run(kind);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
