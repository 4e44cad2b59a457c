/**
 * One service process per PGlite folder. PGlite writes a postmaster.pid but neither checks nor
 * holds it (its pid is -42; a second PGlite opens the same folder), and two processes writing
 * one folder lost about 10 % of their rows. The lock is a file beside the data: the owner's
 * pid, host and start time; a lock whose process is gone is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'service.lock';

interface Owner {
  pid: number;
  host: string;
  since: string;
}

export class DataDirInUse extends Error {}

/** Lock files this process holds, so a lock with our pid that is not among them is known stale. */
const held = new Set<string>();

/** Takes the folder for this process, or throws a DataDirInUse naming the folder and its owner. */
export function lockDataDir(dir: string): { release(): void } {
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, LOCK_FILE);
  const mine: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const text = JSON.stringify(mine);
  if (held.has(file)) throw inUse(folder, file, mine);
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx' fails if the file exists: of two processes starting together, one creates it.
      writeFileSync(file, text, { flag: 'wx' });
      held.add(file);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw inUse(folder, file, error);
      const owner = readOwner(file);
      if (owner && alive(owner)) throw inUse(folder, file, owner);
      // Stale: its process is gone (killed, or a container restarted). Removed, then taken anew
      // once ('wx' again). Two processes finding the same stale lock at the same instant could
      // both get through; two starting together on a folder whose owner crashed are not guarded.
      unlinkSync(file);
    }
  }
  return {
    release: () => {
      if (!held.delete(file)) return;
      // Removed only if it is still ours (not taken over by hand meanwhile).
      if (readOwner(file)?.pid === mine.pid && readFileSync(file, 'utf8') === text) unlinkSync(file);
    },
  };
}

function readOwner(file: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    // Missing, or half-written by a process that died while writing it: nobody holds it.
    return undefined;
  }
}

function alive(owner: Owner): boolean {
  // Another machine's process cannot be checked from here (a shared volume): it holds the folder.
  if (owner.host !== hostname()) return true;
  // Our own pid in a lock this process does not hold: an earlier process's (a restarted container).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(folder: string, file: string, cause: unknown): DataDirInUse {
  if (cause && typeof cause === 'object' && 'pid' in cause) {
    const owner = cause as Owner;
    return new DataDirInUse(
      `PGLITE_DIR ${folder} is in use by another service process (pid ${owner.pid} on ${owner.host}, since ${owner.since}): ` +
        `stop it, or give this one a PGLITE_DIR of its own (or a DATABASE_URL). If no such process runs, delete ${file}.`,
    );
  }
  return new DataDirInUse(`PGLITE_DIR ${folder}: cannot take its lock file ${file}: ${(cause as Error).message}`);
}
