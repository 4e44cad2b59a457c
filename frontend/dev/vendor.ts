/**
 * Copies the page's one third-party script (papaparse's browser build) from node_modules into
 * frontend/public/vendor, so the version is the one package-lock pins. Run before serving or
 * deploying the page: `npm run build:frontend`, and by `npm start` and the tests.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const PUBLIC_DIR = join(__dirname, '..', 'public');

export function copyVendorScripts(): void {
  mkdirSync(join(PUBLIC_DIR, 'vendor'), { recursive: true });
  copyFileSync(require.resolve('papaparse/papaparse.min.js'), join(PUBLIC_DIR, 'vendor', 'papaparse.min.js'));
}

if (require.main === module) copyVendorScripts();
