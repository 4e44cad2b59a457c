import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Whether `pid` holds the socket listening on 127.0.0.1:`port` (wrangler's ProxyWorker's workerd does, for its URL). */
export function listensOn(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
    .map((f) => f[9]);
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.includes(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
