/**
 * Runs one bundled CommonJS file with V8's code cache kept beside it (`<file>.cache`), so the
 * service starts by deserialising compiled code instead of parsing and compiling 3-4 MB of
 * JavaScript. Node 22+ has a built-in cache (`module.enableCompileCache`), but it keeps the code
 * compiled when a module loads, not the functions start-up compiles lazily afterwards, which this
 * one holds (below). Figures are in bench/README.md.
 *
 * `npm run build` writes the caches (service/build/bundle.ts) by starting the bundled service once
 * with CODE_CACHE_WRITE=1, so they hold the functions start-up really compiles, not only the top
 * level. A cache is used only for the exact bundle it was made from: V8 itself checks only the
 * source's length, so a CRC-32 of the source heads the file (zlib's: node:crypto would cost each
 * thread a few milliseconds more to load). A missing, stale or rejected cache
 * (another Node build, other V8 flags) costs only the compile time it would have saved.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

export const WRITE_CACHE_ENV = 'CODE_CACHE_WRITE';
const CHECKSUM_BYTES = 4;

/** What became of the cache: used, or why the file was compiled from source. */
export type CacheUse = 'used' | 'absent' | 'stale' | 'rejected' | 'writing';

export interface LoadedBundle {
  exports: unknown;
  cache: CacheUse;
}

type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;

/**
 * Runs `file` as a CommonJS module. When CODE_CACHE_WRITE=1, its cache is written once the
 * module's export settles, if that is a promise (an inference thread's set-up), else at exit (the
 * main thread, after start-up and shutdown have run).
 */
export function loadBundle(file: string): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  const checksum = Buffer.alloc(CHECKSUM_BYTES);
  checksum.writeUInt32BE(crc32(source));
  const cacheFile = `${file}.cache`;
  const writing = process.env[WRITE_CACHE_ENV] === '1';
  const stored = writing ? 'writing' : readCache(cacheFile, checksum);
  const script = new Script(Module.wrap(source), {
    filename: file,
    cachedData: typeof stored === 'string' ? undefined : stored,
  });
  const cache: CacheUse = typeof stored === 'string' ? stored : script.cachedDataRejected ? 'rejected' : 'used';
  if (cache === 'stale' || cache === 'rejected') {
    // Printed before any logger exists, in the same shape (Cloud Logging's severity and message).
    const why = cache === 'stale' ? 'was made from another build of it' : 'was refused by this Node (another version or other V8 flags)';
    console.error(JSON.stringify({ severity: 'WARNING', message: `${cacheFile} ${why}: compiling from source; run npm run build` }));
  }

  const mod = new Module(file);
  mod.filename = file;
  const wrapper = script.runInThisContext() as CommonJsWrapper;
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  mod.loaded = true;

  if (writing) {
    const write = () => writeCache(cacheFile, checksum, script.createCachedData());
    if (isPromise(mod.exports)) mod.exports.then(write, () => undefined);
    else process.once('exit', write);
  }
  return { exports: mod.exports, cache };
}

function readCache(cacheFile: string, checksum: Buffer): Buffer | 'absent' | 'stale' {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return 'absent';
  }
  return bytes.length > CHECKSUM_BYTES && checksum.equals(bytes.subarray(0, CHECKSUM_BYTES)) ? bytes.subarray(CHECKSUM_BYTES) : 'stale';
}

/** Written whole, then renamed: two threads of one bundle may write at once. */
function writeCache(cacheFile: string, checksum: Buffer, data: Buffer): void {
  const partial = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(partial, Buffer.concat([checksum, data]));
  renameSync(partial, cacheFile);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}
