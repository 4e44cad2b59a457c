/** The real service as a process, started as the image starts it (process-settings.ts), from source. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths';
import { NODE_FLAGS, PROCESS_ENV } from '../src/process-settings';
import { tempDir, TOKEN } from './helpers';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  /** The JSON log lines written so far. */
  logLines: () => Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(PROJECT_ROOT, 'service/src/server.ts')], {
    env: { ...process.env, ...PROCESS_ENV, PORT: '0', API_TOKEN: TOKEN, LOG_LEVEL: 'info', NODE_OPTIONS: '', PGLITE_DIR: tempDir('pglite-proc-'), INFERENCE_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/"service ready"/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(/"port":(\d+)/.exec(out)![1]);
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
