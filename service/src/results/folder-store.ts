/**
 * Kept answers in a folder: `<id>` holds the bytes, `<id>.json` what a download needs. An answer
 * is written to `<id>.part` and renamed once complete, so a half-written one is never served.
 * The folder is swept with the bucket's rule: whatever is older than the retention goes.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile, FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import type { KeptAnswer, KeptMeta, ResultStore } from './result-store';

const DAY_MS = 86_400_000;

export class FolderResultStore implements ResultStore {
  readonly kind = 'folder';
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly dir: string,
    private readonly retentionDays: number,
  ) {}

  locationOf(jobId: string): string {
    return pathToFileURL(join(this.dir, jobId)).href;
  }

  create(jobId: string, meta: KeptMeta): Writable {
    return new FolderWriter(this.dir, join(this.dir, jobId), meta);
  }

  async open(jobId: string): Promise<KeptAnswer | undefined> {
    const path = join(this.dir, jobId);
    try {
      const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as KeptMeta;
      const { size } = await stat(path);
      return { meta, size, body: createReadStream(path) };
    } catch (error) {
      // Nothing there: no such file, or no folder where it would be.
      if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
  }

  /** Deletes what is older than the retention (by modification time, as the bucket's lifecycle counts age); returns how many files went. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    // Not there yet: nothing was kept.
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
    for (const name of names) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || now - info.mtimeMs < this.retentionDays * DAY_MS) continue;
      await unlink(path).then(
        () => removed++,
        () => undefined,
      );
    }
    return removed;
  }

  /** Sweeps now and then every `everyMs`; failures go to `onError` and the next sweep tries again. */
  startSweeping(everyMs: number, onError: (error: unknown) => void, onSwept: (removed: number) => void): void {
    const run = () => void this.sweep().then((n) => n > 0 && onSwept(n), onError);
    run();
    this.sweeper = setInterval(run, everyMs);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

class FolderWriter extends Writable {
  private file: FileHandle | undefined;
  private done = false;

  constructor(
    private readonly dir: string,
    private readonly path: string,
    private readonly meta: KeptMeta,
  ) {
    super();
  }

  // The folder is made on first use: a service whose folder cannot be written still predicts, and its keeps say why they failed.
  override _construct(callback: (error?: Error | null) => void): void {
    mkdir(this.dir, { recursive: true })
      .then(() => open(`${this.path}.part`, 'w'))
      .then((f) => {
        this.file = f;
        callback();
      }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.file!.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.file!.close();
      this.file = undefined;
      await writeFile(`${this.path}.json`, JSON.stringify(this.meta));
      await rename(`${this.path}.part`, this.path);
      this.done = true;
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.done) return callback(error);
    const file = this.file;
    this.file = undefined;
    Promise.resolve(file?.close())
      .catch(() => undefined)
      .then(() => Promise.all([unlink(`${this.path}.part`).catch(() => undefined), unlink(`${this.path}.json`).catch(() => undefined)]))
      .then(() => callback(error));
  }
}
