/**
 * npm run jobs:backfill -- FILE... (or - for standard input)
 *
 * Writes the job records of the service's "job recorded" log lines into the job log: the rows an
 * outage kept from the database (the service logs at ERROR how many, and between which times).
 * Reads `gcloud logging read --format=json` output or the service's JSON lines (README, "Filling a
 * gap in the job log"). To DATABASE_URL, or else to the PGlite folder PGLITE_DIR. Rows already
 * there are left as they are, so running it twice, or on overlapping logs, is harmless. A record
 * that is not one stops it before anything is written, naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataDir } from '../src/jobs/data-dir-lock';
import { readJobLines } from '../src/jobs/job-log-lines';
import { JobRecord, JobStore } from '../src/jobs/job-store';
import { migrate } from '../src/jobs/migrate';
import { createPostgresClient } from '../src/jobs/postgres-client';
import { createPgliteClient, SqlClient } from '../src/jobs/sql-client';
import { createLogger } from '../src/logging';

const BATCH = 500;

async function main(files: string[]): Promise<number> {
  if (files.length === 0) {
    console.error('usage: npm run jobs:backfill -- FILE... (JSON from `gcloud logging read --format=json`, or JSON lines; - reads standard input)');
    return 2;
  }
  const jobs: JobRecord[] = [];
  let skipped = 0;
  const problems: string[] = [];
  for (const file of files) {
    const read = readJobLines(readFileSync(file === '-' ? 0 : file, 'utf8'));
    jobs.push(...read.jobs);
    skipped += read.skipped;
    problems.push(...read.problems.map((p) => `${file}: ${p.where}: ${p.message}`));
  }
  if (problems.length) {
    console.error(`${problems.length} "job recorded" line(s) do not hold a job record; nothing was written:\n${problems.slice(0, 50).join('\n')}`);
    return 1;
  }

  const url = process.env.DATABASE_URL;
  const lock = url ? undefined : lockDataDir(process.env.PGLITE_DIR || join(process.cwd(), '.data', 'pglite'));
  const db: SqlClient = url ? createPostgresClient(url, createLogger('warn')) : await createPgliteClient(process.env.PGLITE_DIR || join(process.cwd(), '.data', 'pglite'));
  try {
    await migrate(db);
    const store = new JobStore(db);
    let inserted = 0;
    for (let i = 0; i < jobs.length; i += BATCH) {
      const batch = jobs.slice(i, i + BATCH);
      const present = await db.query<{ n: string }>('SELECT count(*) AS n FROM jobs WHERE id = ANY($1::uuid[])', [batch.map((j) => j.id)]);
      await store.insertMany(batch);
      inserted += batch.length - Number(present[0].n);
    }
    console.log(JSON.stringify({ records: jobs.length, inserted, alreadyThere: jobs.length - inserted, otherLines: skipped }));
    return 0;
  } finally {
    await db.close();
    lock?.release();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
