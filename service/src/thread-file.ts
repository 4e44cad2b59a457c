/** Where a worker thread's entry file is, beside the module that starts it. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `<name>.js` in `dir` when the service runs built (dist/, or the bundle, which carries one per
 * thread), else `<name>-dev.cjs`, which runs the TypeScript source (tsx, jest).
 */
export function threadFile(dir: string, name: string): string {
  const built = join(dir, `${name}.js`);
  return existsSync(built) ? built : join(dir, `${name}-dev.cjs`);
}
