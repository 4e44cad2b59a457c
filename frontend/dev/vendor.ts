/**
 * Copies the page's third-party scripts (papaparse's browser build, and exceljs's for reading a
 * workbook answer) from node_modules into frontend/public/vendor, so the versions are the ones
 * package-lock pins. Run before serving or
 * deploying the page: `npm run build:frontend`, and by `npm start` and the tests.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const PUBLIC_DIR = join(__dirname, '..', 'public');

export function copyVendorScripts(): void {
  mkdirSync(join(PUBLIC_DIR, 'vendor'), { recursive: true });
  copyFileSync(require.resolve('papaparse/papaparse.min.js'), join(PUBLIC_DIR, 'vendor', 'papaparse.min.js'));
  // The build without polyfills: the page's browsers have what they add.
  copyFileSync(require.resolve('exceljs/dist/exceljs.bare.min.js'), join(PUBLIC_DIR, 'vendor', 'exceljs.bare.min.js'));
}

if (require.main === module) copyVendorScripts();
