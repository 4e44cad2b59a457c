/**
 * The thread embedded PGlite runs in: a piscina worker of its own pool (sql-client.ts). PGlite is
 * Postgres compiled to WebAssembly: its first start took 3.4 s of the main thread's CPU and each
 * insert about 0.5 ms, during which no request was served. Here it answers the main thread instead.
 */
import Piscina from 'piscina';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PgliteReply, PgliteRequest } from './pglite-protocol';

const opened: Promise<PGlite> = import('@electric-sql/pglite').then(({ PGlite }) => PGlite.create((Piscina.workerData as { dir: string }).dir));
// A failed open is answered to every request; unobserved meanwhile, it must not end the thread.
opened.catch(() => undefined);

/** Open transactions by id: each holds PGlite's transaction open until the main thread ends it. */
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => Promise<void> }>();
let lastTransaction = 0;

class RolledBack extends Error {}

async function handle(request: PgliteRequest): Promise<unknown> {
  const db = await opened;
  switch (request.op) {
    case 'open':
      return null;
    case 'query':
      return (await (request.tx ? transactionOf(request.tx) : db).query(request.text, request.params)).rows;
    case 'exec':
      await transactionOf(request.tx).exec(request.script);
      return null;
    case 'begin':
      return begin(db, ++lastTransaction);
    case 'end': {
      const { end } = openTransaction(request.tx);
      transactions.delete(request.tx);
      await end(request.commit);
      return null;
    }
    case 'close':
      await db.close();
      return null;
  }
}

function openTransaction(id: number) {
  const open = transactions.get(id);
  if (!open) throw new Error(`no open transaction ${id}`);
  return open;
}

const transactionOf = (id: number): Transaction => openTransaction(id).tx;

/** Starts a transaction that stays open, queries arriving meanwhile wait for it (PGlite's own lock). */
function begin(db: PGlite, id: number): Promise<number> {
  return new Promise((started, failed) => {
    let finish!: (commit: boolean) => void;
    const done = db
      .transaction((tx) =>
        new Promise<void>((commit, rollback) => {
          finish = (ok) => (ok ? commit() : rollback(new RolledBack()));
          transactions.set(id, { tx, end: (ok) => (finish(ok), done) });
          started(id);
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    done.catch(failed);
  });
}

module.exports = async (request: PgliteRequest): Promise<PgliteReply> => {
  try {
    return { value: await handle(request) };
  } catch (error) {
    const { message, code } = error instanceof Error ? (error as Error & { code?: string }) : { message: String(error), code: undefined };
    return { error: { message, code } };
  }
};
