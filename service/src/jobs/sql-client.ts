/**
 * The two Postgres back ends behind one small interface: a pg pool when DATABASE_URL is set
 * (a server, or Cloud SQL's unix socket: postgres-client.ts), else embedded PGlite with its data
 * in a local folder.
 */
import { mkdirSync } from 'node:fs';
import Piscina from 'piscina';
import { threadFile } from '../thread-file';
import type { PgliteReply, PgliteRequest } from './pglite-protocol';

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
 * Embedded PGlite in a thread of its own (pglite-thread.ts), through a one-thread piscina pool:
 * its start and its queries run there, not on the main thread, which serves requests meanwhile.
 * Resolves once it is open.
 */
export async function createPgliteClient(dir: string): Promise<SqlClient> {
  mkdirSync(dir, { recursive: true });
  const thread = new Piscina<PgliteRequest, PgliteReply>({
    filename: threadFile(__dirname, 'pglite-thread'),
    workerData: { dir },
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Number.MAX_SAFE_INTEGER,
    // Requests overlap: the one that ends a transaction must arrive while others wait for it.
    concurrentTasksPerWorker: 64,
    // Between requests the thread waits on its event loop, where PGlite's own I/O completes.
    atomics: 'disabled',
  });
  let closed = false;
  const call = async <T>(request: PgliteRequest): Promise<T> => {
    if (closed) throw new Error('the PGlite thread stopped: the client is closed');
    const reply = await thread.run(request);
    if ('error' in reply) throw Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {});
    return reply.value as T;
  };
  try {
    await call({ op: 'open' });
  } catch (error) {
    await thread.destroy();
    throw error;
  }
  return {
    kind: 'pglite',
    query: (text, params) => call({ op: 'query', text, params }),
    transaction: async (fn) => {
      const tx = await call<number>({ op: 'begin' });
      let result;
      try {
        result = await fn({ query: (text, params) => call({ op: 'query', text, params, tx }), exec: (script) => call({ op: 'exec', script, tx }) });
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    close: async () => {
      await call({ op: 'close' }).catch(() => undefined);
      closed = true;
      await thread.destroy();
    },
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
