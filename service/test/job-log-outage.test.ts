/**
 * The real server process, its job log on the real PostgreSQL behind a proxy that takes the
 * database away (outage-proxy.ts): by resets, or by silence. Every prediction's row must land
 * once it is back, within a few seconds; a shutdown during an outage must say how many did not.
 */
import { createPostgresClient } from '../src/jobs/postgres-client';
import type { SqlClient } from '../src/jobs/sql-client';
import { csv, FEATURES, isolatedSchemaUrl, memoryLogger, TOKEN } from './helpers';
import { OutageProxy } from './outage-proxy';
import { ServerProcess, startServerProcess } from './server-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const small = csv([FEATURES, [39.1, 18.7, 181, 3750]]);

async function predict(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: small });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get('x-job-id')!;
}

/** Predictions one after another, `perSecond` at most, for `ms`; their job ids. */
async function predictFor(url: string, ms: number, perSecond: number): Promise<string[]> {
  const ids: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const next = Date.now() + 1000 / perSecond;
    ids.push(await predict(url));
    await sleep(Math.max(0, next - Date.now()));
  }
  return ids;
}

const rowCount = async (db: SqlClient) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM jobs'))[0].n);

/** Polls the table (directly, not through the proxy) until it has `expected` rows; when the first new row came, and when the last. */
async function waitForRows(db: SqlClient, from: number, expected: number, timeoutMs: number) {
  const started = Date.now();
  let firstNewAt: number | undefined;
  let count = from;
  while (count < expected && Date.now() - started < timeoutMs) {
    await sleep(100);
    count = await rowCount(db);
    if (count > from) firstNewAt ??= Date.now() - started;
  }
  return { count, firstNewAfterMs: firstNewAt, allAfterMs: Date.now() - started };
}

const postgresOnly = process.env.DATABASE_URL ? describe : describe.skip;

postgresOnly('job log through PostgreSQL outages (real server process, real PostgreSQL behind a TCP proxy)', () => {
  let proxy: OutageProxy;
  let direct: string;
  let db: SqlClient;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    proxy = OutageProxy.forUrl(process.env.DATABASE_URL!);
    await proxy.start();
    direct = await isolatedSchemaUrl(process.env.DATABASE_URL!);
    db = createPostgresClient(direct, memoryLogger().logger);
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    server = undefined;
    await db.close();
    await proxy.stop();
  });

  /** A server on the proxied database, with one row already written (so the table exists). */
  async function serve(env: Record<string, string> = {}): Promise<ServerProcess> {
    server = await startServerProcess({ DATABASE_URL: proxy.via(direct), ...env });
    await predict(server.url);
    expect((await waitForRows(db, 0, 1, 10_000)).count).toBe(1);
    return server;
  }

  it('after 20 s of resets, writes every row, starting within a few seconds of the database returning (default settings)', async () => {
    const s = await serve();
    proxy.reset();
    const during = await predictFor(s.url, 20_000, 20);
    proxy.restore();
    const landed = await waitForRows(db, 1, 1 + during.length, 30_000);
    expect(landed.count).toBe(1 + during.length);
    // Before: retries backed off towards 30 s (10-16 s apart by now), so rows resumed up to 16 s late.
    expect(landed.firstNewAfterMs).toBeLessThan(2_500);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('after packets are dropped without a reset, gives up the silent connections and writes every row once the database returns', async () => {
    const s = await serve({ DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_QUERY_TIMEOUT_MS: '1000' });
    proxy.blackhole();
    const during = await predictFor(s.url, 6_000, 25);
    proxy.restore();
    const landed = await waitForRows(db, 1, 1 + during.length, 20_000);
    // Before: the insert waited on a silent connection for ever, and no row came.
    expect(landed.count).toBe(1 + during.length);
    expect(landed.firstNewAfterMs).toBeLessThan(4_000);
    expect(proxy.accepted.blackhole).toBeGreaterThan(0);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it.each(['reset', 'blackhole'] as const)('on SIGTERM during an outage (%s), exits in time and logs at ERROR exactly how many records were not written', async (kind) => {
    const s = await serve({ SHUTDOWN_TIMEOUT_MS: '4000', DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_QUERY_TIMEOUT_MS: '1000' });
    proxy[kind]();
    const during = await Promise.all(Array.from({ length: 40 }, () => predict(s.url)));
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    // Before (blackhole): the flush waited on a silent connection until the process's own
    // deadline ended it, saying nothing of the 40 records.
    expect(await s.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4_000);
    const lost = s.logLines().filter((l) => l.severity === 'ERROR' && typeof l.lost === 'number');
    expect(lost).toEqual([expect.objectContaining({ lost: during.length, message: expect.stringContaining(`${during.length} record(s) could not be written`) })]);
    // And every one of them is in the logs, whole, to be backfilled.
    const recorded = new Set(s.logLines().filter((l) => l.message === 'job recorded').map((l) => (l.job as { id: string }).id));
    for (const id of during) expect(recorded.has(id)).toBe(true);
    expect(await rowCount(db)).toBe(1);
  });
});
