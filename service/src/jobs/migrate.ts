/** Applies service/migrations/NNN_*.sql in order, once each, under an advisory lock so instances starting together do not race. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../paths';
import type { SqlClient } from './sql-client';

const LOCK_ID = 727_001;

export async function migrate(db: SqlClient, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return db.transaction(async ({ query, exec }) => {
    await query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
    await query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files.filter((f) => !done.has(f))) {
      await exec(readFileSync(join(dir, file), 'utf8'));
      await query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}
