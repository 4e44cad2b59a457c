import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { JobLog } from '../src/jobs/job-log';
import { decodeCursor, JobRecord, JobStore } from '../src/jobs/job-store';
import { migrate } from '../src/jobs/migrate';
import { createPostgresClient } from '../src/jobs/postgres-client';
import { createPgliteClient, SqlClient } from '../src/jobs/sql-client';
import { DATABASES, isolatedSchemaUrl, jobRecord, memoryLogger, openTestDatabase, TcpProxy, tempDir } from './helpers';

function job(i: number, overrides: Partial<JobRecord> = {}): JobRecord {
  return jobRecord({ rows: i, bytesIn: 100 + i, bytesOut: 200 + i, tokenFingerprint: 'abcdef012345', caller: 'token:abcdef012345', createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), ...overrides });
}

describe.each(DATABASES)('job store on %s', (kind) => {
  let db: SqlClient;
  let store: JobStore;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = new JobStore(db);
  });
  afterAll(() => db.close());

  it('migrates once, idempotently', async () => {
    expect(await migrate(db)).toEqual(['001_create_jobs.sql', '002_job_caller.sql', '003_job_batches.sql', '004_kept_results.sql', '005_job_pieces.sql']);
    expect(await migrate(db)).toEqual([]);
  });

  it('pages newest first with a cursor, and inserts idempotently', async () => {
    const jobs = Array.from({ length: 7 }, (_, i) => job(i));
    await store.insertMany(jobs);
    await store.insertMany(jobs.slice(0, 2));
    const seen: string[] = [];
    let cursor: [string, string] | undefined;
    for (;;) {
      const page = await store.list(3, cursor);
      seen.push(...page.jobs.map((j) => j.id));
      if (!page.nextCursor) break;
      cursor = decodeCursor(page.nextCursor);
    }
    expect(seen).toEqual([...jobs].reverse().map((j) => j.id));
    expect(await store.get(jobs[3].id)).toEqual(jobs[3]);
  });

  it('lists a caller’s own jobs, page by page, exactly as filtering and sorting all jobs would', async () => {
    const callers = ['yamada@example.co.jp', 'suzuki@example.co.jp', 'token:cli', null];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ caller: fc.constantFrom(...callers), second: fc.integer({ min: 0, max: 20 }) }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (specs, limit) => {
          await db.query('DELETE FROM jobs');
          // Equal times are common (one batch): the id breaks the tie, as the cursor does.
          const jobs = specs.map((sp) => job(0, { caller: sp.caller, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sp.second)).toISOString() }));
          await store.insertMany(jobs);
          const newestFirst = (a: JobRecord, b: JobRecord) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);
          for (const caller of [...callers.filter((c): c is string => c !== null), undefined]) {
            const seen: string[] = [];
            let cursor: [string, string] | undefined;
            for (;;) {
              const page = await store.list(limit, cursor, caller);
              expect(page.jobs.length).toBeLessThanOrEqual(limit);
              seen.push(...page.jobs.map((j) => j.id));
              if (!page.nextCursor) break;
              cursor = decodeCursor(page.nextCursor);
            }
            const expected = jobs.filter((j) => caller === undefined || j.caller === caller).sort(newestFirst).map((j) => j.id);
            expect(seen).toEqual(expected);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("lists a batch's kept jobs, oldest first, a caller's own or everyone's, exactly as filtering all jobs would", async () => {
    const callers = ['yamada@example.co.jp', 'token:cli'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ caller: fc.constantFrom(...callers), batch: fc.constantFrom('b1', 'b2', null), kept: fc.boolean(), second: fc.integer({ min: 0, max: 20 }) }), { maxLength: 20 }),
        async (specs) => {
          await db.query('DELETE FROM jobs');
          const jobs = specs.map((sp) =>
            job(0, { caller: sp.caller, batch: sp.batch, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sp.second)).toISOString(), ...(sp.kept ? { result: { location: 'file:///x', expiresAt: '2026-02-01T00:00:00.000Z' } } : {}) }),
          );
          await store.insertMany(jobs);
          const oldestFirst = (a: JobRecord, b: JobRecord) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1);
          for (const caller of [...callers, undefined]) {
            const got = await store.keptInBatch('b1', caller, 100);
            const expected = jobs.filter((j) => j.batch === 'b1' && j.result && (caller === undefined || j.caller === caller)).sort(oldestFirst);
            expect(got).toEqual(expected);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

const postgresOnly = process.env.DATABASE_URL ? describe : describe.skip;

/** A fresh schema on the test server, reached through a TCP proxy the test can stop and restart. */
async function behindProxy(): Promise<{ proxy: TcpProxy; viaProxy: URL }> {
  const target = new URL(process.env.DATABASE_URL!);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  const viaProxy = new URL(await isolatedSchemaUrl(process.env.DATABASE_URL!));
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  return { proxy, viaProxy };
}

postgresOnly('job log through a real database outage (PostgreSQL behind a TCP proxy)', () => {
  it('keeps records while the database is away and writes them all once it returns', async () => {
    const { proxy, viaProxy } = await behindProxy();
    const db = createPostgresClient(viaProxy.toString(), memoryLogger().logger);
    const store = new JobStore(db);
    const log = new JobLog(store, memoryLogger().logger, { queueBytes: 1024 * 1024, retryMinMs: 20, retryMaxMs: 200, prepare: () => migrate(db) });
    await log.start();
    log.record(job(1));
    expect(await log.flush(5000)).toBe(true);

    const port = proxy.port;
    await proxy.stop();
    const during = Array.from({ length: 1200 }, (_, i) => job(i + 10));
    for (const j of during) log.record(j);
    await new Promise((r) => setTimeout(r, 500));
    expect(log.status()).toMatchObject({ database: 'unreachable', queued: 1200 });
    expect(await log.check()).toBe(false);

    await proxy.start(port);
    expect(await log.flush(10_000)).toBe(true);
    expect(log.status()).toMatchObject({ database: 'ok', queued: 0, dropped: 0 });
    const [{ count }] = await db.query<{ count: string }>('SELECT count(*) FROM jobs');
    expect(Number(count)).toBe(1201);
    await log.close(1000);
    await db.close();
    await proxy.stop();
  });

  it('fails a transaction whose connection drops between statements, without an unheard error', async () => {
    const { proxy, viaProxy } = await behindProxy();
    const { logger, lines } = memoryLogger();
    const db = createPostgresClient(viaProxy.toString(), logger);
    // The connection goes while the transaction waits between two statements.
    const failed = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await proxy.stop();
      await new Promise((r) => setTimeout(r, 200));
      await tx.query('SELECT 2');
    });
    await expect(failed).rejects.toThrow();
    expect(lines.some((l) => l.message === 'database connection lost')).toBe(true);
    await proxy.start(proxy.port);
    expect(await db.query<{ n: number }>('SELECT 3 AS n')).toEqual([{ n: 3 }]);
    await db.close();
    await proxy.stop();
  });
});

describe('PGlite in its own thread', () => {
  it('starts without holding up this thread, and rolls back a failed transaction', async () => {
    // PGlite's first start is seconds of WebAssembly: this thread must stay mostly idle meanwhile
    // (when it ran in this thread, this event loop was busy 99 % of the time).
    const before = performance.eventLoopUtilization();
    const db = await createPgliteClient(tempDir('pglite-thread-'));
    const busy = performance.eventLoopUtilization(before);
    try {
      expect(busy.active).toBeGreaterThan(0);
      expect(busy.utilization).toBeLessThan(0.3);

      await db.query('CREATE TABLE t (n int)');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1)', [1]);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await db.transaction(async (tx) => void (await tx.exec('INSERT INTO t VALUES (2); INSERT INTO t VALUES (3);')));
      expect(await db.query<{ n: number }>('SELECT n FROM t ORDER BY n')).toEqual([{ n: 2 }, { n: 3 }]);
      await expect(db.query('SELECT * FROM missing')).rejects.toMatchObject({ message: 'relation "missing" does not exist', code: '42P01' });
    } finally {
      await db.close();
    }
    await expect(db.query('SELECT 1')).rejects.toThrow(/PGlite thread stopped/);
  });
});

describe('job log batching', () => {
  it('writes records that arrive within its batch delay in one insert, and all of them on close', async () => {
    const inserts: number[] = [];
    const store = { insertMany: async (jobs: JobRecord[]) => void inserts.push(jobs.length), ping: async () => undefined } as unknown as JobStore;
    // A batch delay far above the gaps between records, so a loaded machine's late timers cannot split the batch.
    const log = new JobLog(store, memoryLogger().logger, { queueBytes: 64 * 1024, retryMaxMs: 1000, batchDelayMs: 1000 });
    for (let i = 0; i < 10; i++) {
      log.record(job(i));
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(inserts).toEqual([10]);
    log.record(job(10));
    await log.close(1000);
    expect(inserts).toEqual([10, 1]);
  });
});

describe('job log bound', () => {
  it('keeps records up to its bytes, and counts and logs at ERROR those past it, with their time span', async () => {
    const failing = { insertMany: () => Promise.reject(new Error('down')), ping: () => Promise.reject(new Error('down')) } as unknown as JobStore;
    const { logger, lines } = memoryLogger();
    const log = new JobLog(failing, logger, { queueBytes: 64 * 1024, retryMinMs: 1000, retryMaxMs: 1000 });
    const jobs = Array.from({ length: 1000 }, (_, i) => job(i));
    for (const j of jobs) log.record(j);
    const { queued, queuedBytes, dropped } = log.status();
    expect(queuedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(queued).toBeGreaterThan(500);
    expect(queued + dropped).toBe(1000);
    const full = lines.filter((l) => l.severity === 'ERROR' && l.notKeptSoFar !== undefined);
    expect(full).toEqual([expect.objectContaining({ notKept: 1, since: jobs[queued].createdAt })]);
    await log.close(10);
    // On shutdown: the records not kept, then those not written, each with their span.
    const spans = lines.filter((l) => l.severity === 'ERROR').slice(1);
    expect(spans).toEqual([
      expect.objectContaining({ notKept: dropped, firstCreatedAt: jobs[queued].createdAt, lastCreatedAt: jobs[999].createdAt }),
      expect.objectContaining({ lost: queued, firstCreatedAt: jobs[0].createdAt, lastCreatedAt: jobs[queued - 1].createdAt }),
    ]);
    expect(lines.filter((l) => l.message === 'job recorded').map((l) => l.job)).toEqual(jobs);
  });
});

describe.each(DATABASES)('job log on %s, given a record the database refuses', (kind) => {
  it('writes the others, and logs the refused one at ERROR instead of retrying its batch for ever', async () => {
    const db = await openTestDatabase(kind);
    const store = new JobStore(db);
    const { logger, lines } = memoryLogger();
    const log = new JobLog(store, logger, { queueBytes: 1024 * 1024, retryMinMs: 20, retryMaxMs: 100, prepare: () => migrate(db) });
    // A NUL is valid in a URL's model name and in JavaScript, not in PostgreSQL text (SQLSTATE 22021).
    const jobs = [job(1), job(2, { modelName: 'bad\u0000name', status: 'rejected', httpStatus: 404 }), job(3)];
    for (const j of jobs) log.record(j);
    expect(await log.flush(5000)).toBe(true);
    log.record(job(4));
    expect(await log.flush(5000)).toBe(true);
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM jobs');
    expect(Number(n)).toBe(3);
    expect(lines.filter((l) => l.severity === 'ERROR')).toEqual([expect.objectContaining({ job: jobs[1], message: expect.stringContaining('refused this record') })]);
    expect(log.status()).toMatchObject({ database: 'ok', queued: 0, dropped: 1 });
    await log.close(100);
    await db.close();
  });
});
