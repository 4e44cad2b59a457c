/**
 * The pg back end of SqlClient, for a DATABASE_URL. A module of its own so that pg (about 70 ms of
 * CPU to load) is loaded only by a service that uses it, and after the service is ready.
 */
import pg from 'pg';
import type { Logger } from '../logging';
import type { SqlClient } from './sql-client';

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
