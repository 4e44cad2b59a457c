/**
 * Puts the page's third-party and shared scripts into frontend/public/vendor: papaparse's and
 * exceljs's browser builds (exceljs reads a workbook answer's preview), copied from node_modules so
 * the versions are the ones package-lock pins, and pieces.js, the CLI's large-file code bundled for
 * the browser (frontend/bundle/pieces.ts). Run before serving or deploying the page:
 * `npm run build:frontend`, and by `npm start` and the tests.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const FRONTEND_DIR = join(__dirname, '..');
const PUBLIC_DIR = join(FRONTEND_DIR, 'public');

export function copyVendorScripts(): void {
  mkdirSync(join(PUBLIC_DIR, 'vendor'), { recursive: true });
  copyFileSync(require.resolve('papaparse/papaparse.min.js'), join(PUBLIC_DIR, 'vendor', 'papaparse.min.js'));
  // The build without polyfills: the page's browsers have what they add.
  copyFileSync(require.resolve('exceljs/dist/exceljs.bare.min.js'), join(PUBLIC_DIR, 'vendor', 'exceljs.bare.min.js'));
  bundlePieces(join(PUBLIC_DIR, 'vendor', 'pieces.js'));
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
