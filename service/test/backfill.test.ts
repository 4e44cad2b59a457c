/**
 * Filling a gap in the job log from the logs: the "job recorded" lines a real JobLog writes, as
 * the service's stdout and as `gcloud logging read --format=json` gives them, through the real
 * backfill tool into a real database.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { JobLog } from '../src/jobs/job-log';
import { readJobLines } from '../src/jobs/job-log-lines';
import { JobRecord, JobStore } from '../src/jobs/job-store';
import { migrate } from '../src/jobs/migrate';
import { createPostgresClient } from '../src/jobs/postgres-client';
import { createPgliteClient, SqlClient } from '../src/jobs/sql-client';
import { createLogger } from '../src/logging';
import { PROJECT_ROOT } from '../src/paths';
import { DATABASES, isolatedSchemaUrl, memoryLogger, tempDir } from './helpers';

function job(i: number, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: randomUUID(),
    modelName: i % 3 ? 'penguin-sex' : 'no-such-model',
    modelVersion: i % 3 ? '1.0.0' : null,
    status: i % 3 ? 'succeeded' : 'rejected',
    httpStatus: i % 3 ? 200 : 404,
    rows: i % 3 ? i : null,
    bytesIn: 100 + i,
    bytesOut: i % 3 ? 200 + i : null,
    durationMs: i % 7,
    errorSummary: i % 3 ? null : `no model named "x${i}"; GET /v1/models lists them — 日本語, "quoted", line\nbreak`,
    tokenFingerprint: i % 5 ? 'abcdef012345' : null,
    caller: i % 4 ? 'yamada.taro@example.co.jp' : null,
    createdAt: new Date(Date.UTC(2026, 10, 30, 9, 0, 0, i)).toISOString(),
    batch: i % 4 ? null : `batch-${i % 8}`,
    errorCount: i % 3 ? null : i,
    // Pieces of a batch say where they sit in their file; kept answers where they are.
    ...(i % 4 ? {} : { piece: { rowOffset: i * 10, pieces: i % 8 ? null : 3, fileName: i % 3 ? '売上 2026.csv' : null } }),
    ...(i % 3 && i % 2 ? { result: { location: `file:///results/${i}`, expiresAt: new Date(Date.UTC(2026, 11, 30, 9, 0, 0, i)).toISOString() } } : {}),
    ...overrides,
  };
}

/** The lines a JobLog whose database is away writes to stdout, as text. */
async function loggedLines(jobs: JobRecord[]): Promise<string> {
  let text = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) });
  const down = { insertMany: () => Promise.reject(new Error('down')), ping: () => Promise.reject(new Error('down')) } as unknown as JobStore;
  const log = new JobLog(down, createLogger('info', sink), { queueBytes: 1024 * 1024, retryMaxMs: 1000 });
  for (const j of jobs) log.record(j);
  await log.close(10);
  return text;
}

/** The same lines as Cloud Logging returns them: entries with the line in jsonPayload, newest first. */
function asGcloudJson(lines: string): string {
  const entries = lines
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      const { severity, time, ...payload } = JSON.parse(l);
      return { insertId: `id${i}`, jsonPayload: payload, resource: { type: 'cloud_run_revision', labels: { service_name: 'inference' } }, severity, timestamp: time, logName: 'projects/p/logs/run.googleapis.com%2Fstdout' };
    });
  return JSON.stringify(entries.reverse(), null, 2);
}

function backfill(files: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'service/tools/backfill-jobs.ts'), ...files], {
    env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: '', ...env },
    encoding: 'utf8',
  });
}

describe('job recorded lines', () => {
  it('give back every record whole, from stdout lines and from Cloud Logging entries alike', async () => {
    const jobs = Array.from({ length: 30 }, (_, i) => job(i));
    const lines = await loggedLines(jobs);
    const fromStdout = readJobLines(lines);
    expect(fromStdout.jobs).toEqual(jobs);
    // The WARNING that the database is away and the ERROR that counts the lost records are not records.
    expect(fromStdout.skipped).toBe(2);
    expect(readJobLines(asGcloudJson(lines)).jobs).toEqual([...jobs].reverse());
  });

  it('name the line of a record that is not one', () => {
    const good = JSON.stringify({ message: 'job recorded', job: job(1) });
    const bad = JSON.stringify({ message: 'job recorded', job: { ...job(2), id: 'not-a-uuid', rows: 'many' } });
    expect(readJobLines(`${good}\n\nnot json\n${bad}\n`).problems).toEqual([{ where: 'line 4', message: expect.stringMatching(/job\.id: .*; job\.rows: /) }]);
  });
});

describe.each(DATABASES)('backfill tool on %s', (kind) => {
  it('inserts the records of a gap, leaves those already there, and writes nothing from a file with a bad record', async () => {
    const dir = tempDir('backfill-');
    let env: Record<string, string>;
    let db: SqlClient;
    if (kind === 'postgres') {
      const url = await isolatedSchemaUrl(process.env.DATABASE_URL!);
      env = { DATABASE_URL: url };
      db = createPostgresClient(url, memoryLogger().logger);
    } else {
      env = { PGLITE_DIR: join(dir, 'pglite') };
      db = undefined as unknown as SqlClient;
    }
    const jobs = Array.from({ length: 1200 }, (_, i) => job(i));
    const lines = await loggedLines(jobs);
    writeFileSync(join(dir, 'stdout.jsonl'), lines);
    writeFileSync(join(dir, 'entries.json'), asGcloudJson(lines));
    writeFileSync(join(dir, 'bad.jsonl'), `${lines}${JSON.stringify({ message: 'job recorded', job: { ...job(0), createdAt: 'yesterday' } })}\n`);

    // Some rows made it before the outage.
    if (kind === 'pglite') db = await createPgliteClient(env.PGLITE_DIR);
    await migrate(db);
    await new JobStore(db).insertMany(jobs.slice(0, 100));
    if (kind === 'pglite') await db.close();

    const refused = backfill([join(dir, 'bad.jsonl')], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`bad.jsonl: line ${jobs.length + 3}: job.createdAt:`);

    const first = backfill([join(dir, 'entries.json')], env);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual({ records: 1200, inserted: 1100, alreadyThere: 100, otherLines: 2 });
    const again = backfill([join(dir, 'stdout.jsonl')], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, alreadyThere: 1200 });

    if (kind === 'pglite') db = await createPgliteClient(env.PGLITE_DIR);
    const store = new JobStore(db);
    const page = await store.list(2000);
    expect(page.jobs.length).toBe(1200);
    for (const j of [jobs[0], jobs[99], jobs[100], jobs[1199]]) expect(await store.get(j.id)).toEqual(j);
    await db.close();
  });
});
