/**
 * Puts the page's third-party and shared scripts into frontend/public/vendor: papaparse's browser
 * build, copied from node_modules so the version is the one package-lock pins; pieces.js, the
 * CLI's large-file code bundled for the browser (frontend/bundle/pieces.ts); and
 * workbook-worker.js, the service's workbook reader as a Web Worker that reads a workbook answer's
 * summary and preview (frontend/bundle/workbook-worker.ts). Run before serving or deploying the page:
 * `npm run build:frontend`, and by `npm start` and the tests.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const FRONTEND_DIR = join(__dirname, '..');
const PUBLIC_DIR = join(FRONTEND_DIR, 'public');

export function copyVendorScripts(): void {
  mkdirSync(join(PUBLIC_DIR, 'vendor'), { recursive: true });
  copyFileSync(require.resolve('papaparse/papaparse.min.js'), join(PUBLIC_DIR, 'vendor', 'papaparse.min.js'));
  rmSync(join(PUBLIC_DIR, 'vendor', 'exceljs.bare.min.js'), { force: true }); // what the page used before the worker
  bundlePieces(join(PUBLIC_DIR, 'vendor', 'pieces.js'));
  bundleWorkbookWorker(join(PUBLIC_DIR, 'vendor', 'workbook-worker.js'));
}

/**
 * frontend/bundle/workbook-worker.ts as a classic worker script: the service's workbook code with
 * Node's zlib and string decoder replaced by what a browser has (fflate, TextDecoder).
 */
export function bundleWorkbookWorker(outfile: string): void {
  buildSync({
    entryPoints: [join(FRONTEND_DIR, 'bundle', 'workbook-worker.ts')],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    alias: { 'node:zlib': join(FRONTEND_DIR, 'bundle', 'zlib-shim.ts'), 'node:string_decoder': join(FRONTEND_DIR, 'bundle', 'string-decoder-shim.ts') },
    inject: [join(FRONTEND_DIR, 'bundle', 'buffer-shim.ts')],
    logLevel: 'warning',
  });
}

/** frontend/bundle/pieces.ts as the browser takes it: no Node built-ins, Buffer as a Uint8Array view (CommonJS only for tests in Node). */
export function bundlePieces(outfile: string, format: 'esm' | 'cjs' = 'esm'): void {
  buildSync({
    entryPoints: [join(FRONTEND_DIR, 'bundle', 'pieces.ts')],
    outfile,
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    inject: [join(FRONTEND_DIR, 'bundle', 'buffer-shim.ts')],
    logLevel: 'warning',
  });
}

if (require.main === module) copyVendorScripts();
