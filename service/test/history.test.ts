/**
 * GET /v1/history: the job log as files, a batch's pieces as one entry at its first piece. The
 * store's pages, read to the end at any page size, equal a straightforward reference computed from
 * all the jobs (PGlite and PostgreSQL), generated with retried, refused, unkept and expired pieces,
 * undeclared counts, batch ids shared by two callers and ties in time; and through the real service
 * a file sent in pieces is one entry whose whole answer downloads, with /v1/jobs's rules for who
 * sees what.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { BatchEntry, decodeCursor, HistoryEntry, JobRecord, JobStore } from '../src/jobs/job-store';
import { migrate } from '../src/jobs/migrate';
import { FolderResultStore } from '../src/results/folder-store';
import { AccessIssuer } from './access-issuer';
import { AUTH, DATABASES, FEATURES, jobRecord, openTestDatabase, serveTestApp, ServedTestApp, tempDir } from './helpers';
import type { SqlClient } from '../src/jobs/sql-client';

const NOW = new Date(Date.UTC(2026, 5, 1));
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const job = (overrides: Partial<JobRecord>): JobRecord => jobRecord({ caller: 'yamada@example.co.jp', createdAt: at(0), ...overrides });

const newestFirst = (a: JobRecord, b: JobRecord) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);

/** The history as the page means it, from all the jobs at once. */
function reference(jobs: readonly JobRecord[], caller: string | undefined): HistoryEntry[] {
  const mine = jobs.filter((j) => caller === undefined || j.caller === caller);
  const groups = new Map<string, JobRecord[]>();
  for (const j of mine.filter((j) => j.batch !== null)) {
    const key = JSON.stringify([j.batch, j.caller]);
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  const firsts = [...groups.values()].map((g) => [...g].sort(newestFirst).at(-1)!);
  return [...mine.filter((j) => j.batch === null), ...firsts].sort(newestFirst).map((j) => (j.batch === null ? { job: j } : { batch: summary(groups.get(JSON.stringify([j.batch, j.caller]))!, j) }));
}

function summary(pieces: JobRecord[], first: JobRecord): BatchEntry {
  const byOffset = new Map<string, JobRecord[]>();
  for (const p of pieces) {
    const key = p.piece ? `offset ${p.piece.rowOffset}` : p.id;
    byOffset.set(key, [...(byOffset.get(key) ?? []), p]);
  }
  // Each offset by its best attempt: scored, then kept, then the latest.
  const rank = (j: JobRecord) => [j.status === 'succeeded' ? 1 : 0, j.result ? 1 : 0];
  const best = [...byOffset.values()].map((attempts) =>
    [...attempts].sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return rb[0] - ra[0] || rb[1] - ra[1] || newestFirst(a, b);
    })[0],
  );
  const counts = pieces.map((p) => p.piece?.pieces ?? null).filter((n): n is number => n !== null);
  const declared = counts.length ? Math.max(...counts) : null;
  const scored = best.filter((b) => b.status === 'succeeded');
  const errors = best.reduce((n, b) => n + (b.errorCount ?? 0), 0);
  const kept = best.filter((b) => b.result && Date.parse(b.result.expiresAt) > NOW.getTime());
  const status = errors > 0 ? 'errors' : declared !== null && scored.length === declared ? 'complete' : 'incomplete';
  const expiries = best.flatMap((b) => (b.result ? [b.result.expiresAt] : [])).sort();
  return {
    id: first.batch!,
    caller: first.caller,
    fileName: first.piece?.fileName ?? null,
    modelName: first.modelName,
    modelVersion: first.modelVersion,
    firstAt: first.createdAt,
    lastAt: pieces.map((p) => p.createdAt).sort().at(-1)!,
    pieces: declared ?? best.length,
    scored: scored.length,
    requests: pieces.length,
    rows: scored.reduce((n, b) => n + (b.rows ?? 0), 0),
    errors,
    status,
    ...(status === 'complete' && kept.length === declared ? { result: { expiresAt: expiries[0] } } : {}),
  };
}

const CALLERS = ['yamada@example.co.jp', 'suzuki@example.co.jp', null];
const ATTEMPT = fc.record({
  status: fc.constantFrom<JobRecord['status']>('succeeded', 'succeeded', 'rejected', 'failed'),
  kept: fc.constantFrom<'no' | 'yes' | 'expired'>('yes', 'yes', 'no', 'expired'),
  rows: fc.integer({ min: 0, max: 1000 }),
  errors: fc.integer({ min: 0, max: 3 }),
  second: fc.integer({ min: 0, max: 30 }),
});
const LOG = fc.record({
  singles: fc.array(fc.record({ caller: fc.constantFrom(...CALLERS), second: fc.integer({ min: 0, max: 30 }) }), { maxLength: 8 }),
  batches: fc.array(
    fc.record({
      // Two callers may choose the same batch id: each one's pieces are their own file.
      id: fc.constantFrom('b1', 'b2', 'b3', 'b4'),
      caller: fc.constantFrom(...CALLERS),
      declare: fc.constantFrom('last', 'none', 'every'),
      offsets: fc.array(fc.array(ATTEMPT, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
      legacy: fc.boolean(),
    }),
    { maxLength: 5 },
  ),
});

function logOf(spec: typeof LOG extends fc.Arbitrary<infer T> ? T : never): JobRecord[] {
  const jobs = spec.singles.map((s) => job({ caller: s.caller, createdAt: at(s.second) }));
  for (const b of spec.batches) {
    b.offsets.forEach((attempts, i) => {
      const last = i === b.offsets.length - 1;
      for (const a of attempts) {
        const ok = a.status === 'succeeded';
        jobs.push(
          job({
            caller: b.caller,
            batch: b.id,
            createdAt: at(a.second),
            status: a.status,
            httpStatus: ok ? 200 : a.status === 'rejected' ? 422 : 503,
            rows: ok ? a.rows : null,
            errorCount: a.status === 'rejected' && a.errors ? a.errors : null,
            ...(ok && a.kept !== 'no' ? { result: { location: `file:///kept/${i}`, expiresAt: a.kept === 'yes' ? at(1e6 + a.second) : at(a.second) } } : {}),
            // Pieces recorded before migration 005 carry no offset: each is its own.
            ...(b.legacy ? {} : { piece: { rowOffset: i * 100, pieces: (b.declare === 'last' && last) || b.declare === 'every' ? b.offsets.length : null, fileName: `survey-${b.id}.csv` } }),
          }),
        );
      }
    });
  }
  return jobs;
}

describe.each(DATABASES)('history on %s', (kind) => {
  let db: SqlClient;
  let store: JobStore;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await migrate(db);
    store = new JobStore(db);
  });
  afterAll(() => db.close());

  it('pages through jobs and batches, each batch once at its first piece, exactly as the reference groups all the jobs', async () => {
    await fc.assert(
      fc.asyncProperty(LOG, fc.integer({ min: 1, max: 4 }), async (spec, limit) => {
        await db.query('DELETE FROM jobs');
        const jobs = logOf(spec);
        await store.insertMany(jobs);
        for (const caller of [...CALLERS.filter((c): c is string => c !== null), undefined]) {
          const seen: HistoryEntry[] = [];
          let cursor: [string, string] | undefined;
          for (;;) {
            const page = await store.history(limit, cursor, caller, NOW);
            expect(page.entries.length).toBeLessThanOrEqual(limit);
            seen.push(...page.entries);
            if (!page.nextCursor) break;
            cursor = decodeCursor(page.nextCursor);
          }
          expect(seen).toEqual(reference(jobs, caller));
        }
      }),
      { numRuns: kind === 'postgres' ? 60 : 100, seed: 18 },
    );
  }, 300_000);
});

describe('GET /v1/history through the service', () => {
  let t: ServedTestApp;
  let issuer: AccessIssuer;
  beforeAll(async () => {
    issuer = await AccessIssuer.start();
    t = await serveTestApp({ access: issuer.settings, admins: { emails: ['boss@example.com'] }, results: { store: new FolderResultStore(tempDir('history-'), 30), retentionDays: 30 } });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  const as = async (email: string) => ({ ...AUTH, 'Cf-Access-Jwt-Assertion': await issuer.assertion({ email }) });
  const header = FEATURES.join(',');
  const rowsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${39 + ((from + i) % 10) / 10},18.7,181,3750`).join('\r\n') + '\r\n';
  const predict = async (email: string, body: string, query: string) =>
    fetch(`${t.url}/v1/predict?filename=${encodeURIComponent('売上 2026.csv')}${query}`, { method: 'POST', headers: { ...(await as(email)), 'Content-Type': 'text/csv' }, body });
  const history = async (email: string, query = '') => {
    const res = await fetch(`${t.url}/v1/history${query}`, { headers: await as(email) });
    return { status: res.status, body: await res.json() };
  };

  it('shows a file sent in pieces as one complete entry whose whole answer downloads; ordinary jobs as they are; own entries only, everyone’s for an admin', async () => {
    const whole = await predict('yamada@example.co.jp', header + '\r\n' + rowsOf(0, 9), '');
    expect(whole.status).toBe(200);
    const batch = randomUUID();
    const parts = [0, 3, 6].map((from, i) => predict('yamada@example.co.jp', header + '\r\n' + rowsOf(from, 3), `&batch=${batch}&row_offset=${from}&keep=true${i === 2 ? '&pieces=3' : ''}`));
    expect((await Promise.all(parts)).map((r) => r.status)).toEqual([200, 200, 200]);
    const other = await predict('suzuki@example.co.jp', header + '\r\n' + rowsOf(0, 2), `&batch=${batch}&row_offset=0&keep=true`);
    expect(other.status).toBe(200);
    await t.jobLog.flush(2000);

    const mine = await history('yamada@example.co.jp');
    expect(mine.status).toBe(200);
    expect(mine.body.entries).toHaveLength(2);
    const [entry, single] = mine.body.entries;
    expect(single.job.batch).toBeNull();
    expect(entry.batch).toMatchObject({ id: batch, fileName: '売上 2026.csv', pieces: 3, scored: 3, rows: 9, errors: 0, status: 'complete', result: { expiresAt: expect.any(String) } });
    const again = await fetch(`${t.url}/v1/batches/${batch}/result`, { headers: await as('yamada@example.co.jp') });
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(Buffer.from(await whole.arrayBuffer()))).toBe(true);

    // The other caller's piece under the same id is their own (incomplete: no count declared).
    const theirs = await history('suzuki@example.co.jp');
    expect(theirs.body.entries.map((e: HistoryEntry) => ('batch' in e ? [e.batch.status, e.batch.pieces] : 'job'))).toEqual([['incomplete', 1]]);
    expect((await history('suzuki@example.co.jp', '?all=true')).status).toBe(403);
    const all = await history('boss@example.com', '?all=true&limit=1');
    expect(all.body.entries).toHaveLength(1);
    let cursor = all.body.nextCursor;
    let count = 1;
    while (cursor) {
      const page = await history('boss@example.com', `?all=true&limit=1&cursor=${cursor}`);
      count += page.body.entries.length;
      cursor = page.body.nextCursor;
    }
    expect(count).toBe(3);
    expect((await history('boss@example.com', '?cursor=nonsense')).status).toBe(400);
    expect((await history('boss@example.com', '?limit=0')).status).toBe(400);
  });

  it('shows a file with bad rows as one entry with the errors of all its pieces, and nothing to download', async () => {
    const batch = randomUUID();
    const bad = (from: number) => header + '\r\n' + rowsOf(from, 2) + 'oops,18.7,181,3750\r\nx,y,181,3750\r\n';
    const answers = await Promise.all([0, 4].map((from, i) => predict('tanaka@example.co.jp', bad(from), `&batch=${batch}&row_offset=${from}&keep=true${i === 1 ? '&pieces=2' : ''}`)));
    expect(answers.map((a) => a.status)).toEqual([422, 422]);
    await t.jobLog.flush(2000);
    const { body } = await history('tanaka@example.co.jp');
    expect(body.entries).toEqual([{ batch: expect.objectContaining({ id: batch, status: 'errors', errors: 6, scored: 0, pieces: 2 }) }]);
    expect(body.entries[0].batch.result).toBeUndefined();
  });
});
