/**
 * The two Postgres back ends behind one small interface: a pg pool when DATABASE_URL is set
 * (a server, or Cloud SQL's unix socket), else embedded PGlite with its data in a local folder.
 */
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { Logger } from '../logging';

export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export interface Transaction {
  query: Query;
  /** Runs a script of several statements (a migration file). */
  exec(script: string): Promise<void>;
}

export interface SqlClient {
  readonly kind: 'postgres' | 'pglite';
  query: Query;
  /** Runs `fn` in one transaction on one connection. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * pg's options for a DATABASE_URL. Cloud SQL's socket form is
 * postgresql://USER:PASSWORD@/DB?host=/cloudsql/PROJECT:REGION:INSTANCE, which pg reads as a socket dir.
 */
export function poolConfig(url: string): pg.PoolConfig {
  return {
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    // A hung statement must not hold a job-log flush for ever.
    statement_timeout: 10_000,
  };
}

export function createPostgresClient(url: string, logger: Logger): SqlClient {
  const pool = new pg.Pool(poolConfig(url));
  // An idle connection dropped by the server (restart, failover) must not crash the process.
  pool.on('error', (error) => logger.warn({ err: error.message }, 'database connection lost'));
  return {
    kind: 'postgres',
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    transaction: async (fn) => {
      const client = await pool.connect();
      // A checked-out connection that drops between statements emits 'error' on the client, not
      // the pool: unheard, it would crash the process. It fails the transaction instead.
      let lost: Error | undefined;
      const onLost = (error: Error) => {
        lost = error;
        logger.warn({ err: error.message }, 'database connection lost');
      };
      client.on('error', onLost);
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
          exec: async (script) => void (await client.query(script)),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!lost) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', onLost);
        // A broken connection is closed rather than returned to the pool.
        client.release(lost);
      }
    },
    close: () => pool.end(),
  };
}

export async function createPgliteClient(dir: string): Promise<SqlClient> {
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir);
  const query = async <T>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows;
  return {
    kind: 'pglite',
    query,
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async <T>(text: string, params?: unknown[]) => (await tx.query<T>(text, params)).rows,
          exec: async (script) => void (await tx.exec(script)),
        }),
      ),
    close: () => db.close(),
  };
}

/**
 * A client opened on first use and reopened after a failed open, so opening the database
 * (PGlite's first start takes seconds) never delays the service's start.
 */
export function openLazily(kind: SqlClient['kind'], open: () => Promise<SqlClient>): SqlClient {
  let opening: Promise<SqlClient> | undefined;
  const client = () => (opening ??= open().catch((error: unknown) => ((opening = undefined), Promise.reject(error))));
  return {
    kind,
    query: async (text, params) => (await client()).query(text, params),
    transaction: async (fn) => (await client()).transaction(fn),
    close: async () => {
      if (opening) await (await opening.catch(() => undefined))?.close();
    },
  };
}
