/** Locations inside the project, found the same way from source (tsx, jest) and from the built dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const MODELS_DIR = join(PROJECT_ROOT, 'models');
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'service', 'migrations');
