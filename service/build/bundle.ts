/**
 * `npm run build`'s second step: the service as the image runs it, in dist/bundle/.
 *   server.bundle.js, worker.bundle.js   the main thread's and an inference thread's code, one file each (esbuild)
 *   server.js, worker.js                 launchers that run those with their V8 code cache (launch/code-cache.ts)
 *   pglite-thread.js                     the thread embedded PGlite runs in (jobs/pglite-thread.ts)
 *   workbook-thread.js                   the thread a workbook job reads, predicts and writes its workbook in
 *   template-thread.js                   the thread a model's template workbook is written in
 *   *.bundle.js.cache                    the caches, written by starting the bundled service once
 * One file instead of ~300 modules saves the module lookups and reads; the cache saves compiling.
 * Together they take about a quarter off start → ready (bench/README.md).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { WRITE_CACHE_ENV } from '../src/launch/code-cache';
import { NODE_FLAGS, PROCESS_ENV } from '../src/process-settings';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'service', 'src');

/**
 * Left as packages: onnxruntime-node and pg's optional binding are native, PGlite reads its wasm
 * from beside itself, piscina starts its own worker file from its own folder, /docs serves
 * swagger-ui-dist's files from its folder, and the Cloud Storage client (loaded only when
 * RESULTS_BUCKET is set) reads its package.json from beside itself.
 */
const EXTERNAL = ['onnxruntime-node', 'pg', '@electric-sql/pglite', 'piscina', 'swagger-ui-dist', '@google-cloud/storage'];

export async function bundleService(outDir = join(ROOT, 'dist', 'bundle')): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: {
      'server.bundle': join(SRC, 'server.ts'),
      'worker.bundle': join(SRC, 'inference', 'worker.ts'),
      server: join(SRC, 'launch', 'server.ts'),
      worker: join(SRC, 'launch', 'worker.ts'),
      // Embedded PGlite's thread: small, and started after ready, so it goes without a cache.
      'pglite-thread': join(SRC, 'jobs', 'pglite-thread.ts'),
      // A workbook job's thread: exceljs stays out of the main bundle (and its start-up).
      'workbook-thread': join(SRC, 'workbook', 'workbook-thread.ts'),
      'template-thread': join(SRC, 'workbook', 'template-thread.ts'),
    },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    // import() becomes require(): a script compiled from a code cache has no dynamic-import
    // callback in Node 20, and PGlite is imported on first use.
    supported: { 'dynamic-import': false },
    logLevel: 'warning',
  });
  await startOnce(outDir, { [WRITE_CACHE_ENV]: '1' });
  for (const name of ['server', 'worker']) {
    if (!existsSync(join(outDir, `${name}.bundle.js.cache`))) throw new Error(`bundle: starting the service wrote no code cache for ${name}.bundle.js`);
  }
  // Started again to prove the caches are taken: a refused one prints a warning.
  const { stderr } = await startOnce(outDir, {});
  if (/compiling from source/.test(stderr)) throw new Error(`bundle: the service did not take its code cache:\n${stderr}`);
}

/**
 * Starts dist/bundle/server.js as the image does and stops it with SIGTERM once it says it is
 * listening (logged just before server.ts takes SIGTERM over, so the main cache is written at exit).
 */
function startOnce(outDir: string, env: Record<string, string>): Promise<{ stderr: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'bundle-start-'));
  const { DATABASE_URL: _unused, ...inherited } = process.env;
  const child = spawn(process.execPath, [...NODE_FLAGS, join(outDir, 'server.js')], {
    env: { ...inherited, ...PROCESS_ENV, ...env, PORT: '0', LOG_LEVEL: 'info', API_TOKEN: randomBytes(16).toString('hex'), PGLITE_DIR: join(scratch, 'pglite') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let listening = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!listening && stdout.includes('"message":"listening on')) {
        listening = true;
        child.kill('SIGTERM');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      rmSync(scratch, { recursive: true, force: true });
      if (code === 0 && listening) resolve({ stderr });
      else reject(new Error(`bundle: the bundled service did not start and stop cleanly (exit ${code ?? signal}):\n${stdout}${stderr}`));
    });
  });
}

if (require.main === module) {
  bundleService().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
