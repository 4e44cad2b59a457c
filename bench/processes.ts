import { readdirSync, readFileSync } from 'node:fs';

/** Processes under `root`, with their command lines (Chromium's renderers say --type=renderer). */
export function descendants(root: number): { pid: number; cmd: string }[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parents.set(Number(name), Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))![1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      try {
        out.push({ pid: child, cmd: readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ') });
      } catch {
        continue;
      }
      walk(child);
    }
  };
  walk(root);
  return out;
}
