/**
 * The pg back end of SqlClient, for a DATABASE_URL. A module of its own so that pg (about 70 ms of
 * CPU to load) is loaded only by a service that uses it, and after the service is ready.
 */
import pg from 'pg';
import type { Logger } from '../logging';
import type { SqlClient } from './sql-client';

export interface PostgresTimeouts {
  /** A connection not open by then (a server that accepts but never answers) is given up. */
  connectMs: number;
  /** The server cancels a statement running longer; the client gives up a second later. */
  queryMs: number;
}

export const DEFAULT_TIMEOUTS: PostgresTimeouts = { connectMs: 3_000, queryMs: 5_000 };

/**
 * pg's options for a DATABASE_URL. Cloud SQL's socket form is
 * postgresql://USER:PASSWORD@/DB?host=/cloudsql/PROJECT:REGION:INSTANCE, which pg reads as a socket dir.
 * pg waits for ever by default: for a connection, and for an answer on one whose packets are
 * dropped (no reset) — the job log once hung on such a connection for good.
 */
export function poolConfig(url: string, timeouts: PostgresTimeouts = DEFAULT_TIMEOUTS): pg.PoolConfig {
  return {
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: timeouts.connectMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: timeouts.queryMs,
    // The client's own limit, for a server or network that never answers; the pool then drops the connection.
    query_timeout: timeouts.queryMs + 1_000,
    // The kernel probes idle pooled connections, so one to a vanished peer fails before it is used.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

export function createPostgresClient(url: string, logger: Logger, timeouts: PostgresTimeouts = DEFAULT_TIMEOUTS): SqlClient {
  const pool = new pg.Pool(poolConfig(url, timeouts));
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
      let failed: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
          exec: async (script) => void (await client.query(script)),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        failed = lost ?? (error instanceof Error ? error : new Error(String(error)));
        throw error;
      } finally {
        client.off('error', onLost);
        // A failed transaction's connection is closed, not returned to the pool: the server rolls
        // it back, and one that stopped answering (a timeout) is never handed out again.
        client.release(failed);
      }
    },
    close: () => pool.end(),
  };
}
