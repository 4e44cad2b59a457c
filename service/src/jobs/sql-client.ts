/**
 * The two Postgres back ends behind one small interface: a pg pool when DATABASE_URL is set
 * (a server, or Cloud SQL's unix socket: postgres-client.ts), else embedded PGlite with its data
 * in a local folder.
 */
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
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
 * Embedded PGlite in a thread of its own (pglite-thread.ts): its start and its queries run there,
 * not on the main thread, which serves requests meanwhile. Resolves once it is open.
 */
export async function createPgliteClient(dir: string): Promise<SqlClient> {
  mkdirSync(dir, { recursive: true });
  const thread = new Worker(threadFile(__dirname, 'pglite-thread'), { workerData: { dir } });
  // Closed with the service; an open client alone must not keep a process alive.
  thread.unref();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let lastId = 0;
  let broken: Error | undefined;
  const failAll = (error: Error) => {
    broken ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  thread.on('message', (reply: PgliteReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiting?.resolve(reply.value);
    else waiting?.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
  });
  thread.on('error', failAll);
  thread.on('exit', (code) => failAll(new Error(`the PGlite thread stopped (exit code ${code})`)));
  const call = <T>(request: DistributiveOmit<PgliteRequest, 'id'>) =>
    new Promise<T>((resolve, reject) => {
      if (broken) return reject(broken);
      const id = ++lastId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      thread.postMessage({ ...request, id });
    });
  try {
    await call({ op: 'open' });
  } catch (error) {
    await thread.terminate();
    throw error;
  }
  const query: Query = (text, params) => call({ op: 'query', text, params });
  return {
    kind: 'pglite',
    query,
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
      await thread.terminate();
    },
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
