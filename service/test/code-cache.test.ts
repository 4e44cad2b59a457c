/** The launcher's code cache: written when asked, taken only for the exact source it was made from. */
import { spawnSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_CACHE_ENV } from '../src/launch/code-cache';
import { PROJECT_ROOT } from '../src/paths';

let dir: string;
let file: string;

// Exports a promise, as an inference thread's set-up does; the body makes sure the cache holds more than the top level.
const source = (answer: number) => `const twice = (x) => x * 2;\nmodule.exports = Promise.resolve({ answer: () => twice(${answer}) });\n`;
const LOADER = join(PROJECT_ROOT, 'service/src/launch/code-cache.ts');

/**
 * Loads the file in a new process, as the service does: within one process V8 reuses what it
 * compiled before and would ignore the cache, right or wrong.
 */
function load(env: Record<string, string> = {}): { answer?: number; cache: string; stderr: string } {
  const script = `const { exports, cache } = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(file)});
    Promise.resolve(exports).then((e) => console.log(JSON.stringify({ answer: e.answer?.(), cache })));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return { ...JSON.parse(run.stdout), stderr: run.stderr };
}

const writeCache = () => expect(load({ [WRITE_CACHE_ENV]: '1' })).toEqual({ answer: 42, cache: 'writing', stderr: '' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  file = join(dir, 'thing.bundle.js');
  writeFileSync(file, source(21));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadBundle', () => {
  it('runs a file without a cache, writes one when asked, then takes it', () => {
    expect(load()).toEqual({ answer: 42, cache: 'absent', stderr: '' });
    writeCache();
    const cache = readFileSync(`${file}.cache`);
    expect(cache.readUInt32BE(0)).toBe(crc32(source(21)));
    expect(load()).toEqual({ answer: 42, cache: 'used', stderr: '' });
  });

  it('compiles from source when the file changed, even to the same length (V8 itself would run the old code)', () => {
    writeCache();
    writeFileSync(file, source(50));
    expect(source(50).length).toBe(source(21).length);
    const { stderr, ...result } = load();
    expect(result).toEqual({ answer: 100, cache: 'stale' });
    expect(stderr).toContain('was made from another build of it: compiling from source');
  });

  it('compiles from source when V8 refuses the cache', () => {
    writeCache();
    const cache = readFileSync(`${file}.cache`);
    cache.fill(7, 4);
    writeFileSync(`${file}.cache`, cache);
    const { stderr, ...result } = load();
    expect(result).toEqual({ answer: 42, cache: 'rejected' });
    expect(stderr).toContain('was refused by this Node');
  });

  it('writes the cache of a file whose export is not a promise when the process exits', () => {
    writeFileSync(file, 'module.exports = { answer: () => 7 };\n');
    expect(load({ [WRITE_CACHE_ENV]: '1' })).toEqual({ answer: 7, cache: 'writing', stderr: '' });
    expect(existsSync(`${file}.cache`)).toBe(true);
    expect(load()).toEqual({ answer: 7, cache: 'used', stderr: '' });
  });
});
