/**
 * The two Postgres back ends behind one small interface: a pg pool when DATABASE_URL is set
 * (a server, or Cloud SQL's unix socket: postgres-client.ts), else embedded PGlite with its data
 * in a local folder.
 */
import { mkdirSync } from 'node:fs';

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
