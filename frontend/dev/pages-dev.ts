/**
 * Runs `wrangler pages dev` on frontend/ (the page and its Functions in workerd, offline) with the
 * proxy's settings as bindings, and resolves once it serves. Used by `npm start` and the tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessSettings } from '../../service/src/identity/access-assertion';
import { copyVendorScripts } from './vendor';

export const FRONTEND_DIR = join(__dirname, '..');
const WRANGLER = join(FRONTEND_DIR, '..', 'node_modules', '.bin', 'wrangler');

export interface PagesDevOptions {
  apiUrl: string;
  apiToken: string;
  apiKey?: string;
  maxUploadBytes?: number;
  /**
   * Cloudflare Access settings for the function.
   * @default undefined: the function forwards without an assertion (ACCESS_OPEN), as on a site without Access
   */
  access?: AccessSettings;
  port?: number;
  /** The Pages project to serve (its wrangler.toml, public/ and functions/); frontend/ by default. Benches use others. */
  dir?: string;
  /** Print wrangler's own output (npm start) instead of keeping it for error messages (tests). */
  inheritOutput?: boolean;
}

export interface PagesDev {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function startPagesDev(opts: PagesDevOptions): Promise<PagesDev> {
  copyVendorScripts();
  const port = opts.port ?? (await freePort());
  const access = opts.access
    ? { ACCESS_TEAM_DOMAIN: opts.access.teamDomain, ACCESS_AUD: opts.access.audience, ...(opts.access.jwksUrl ? { ACCESS_JWKS_URL: opts.access.jwksUrl } : {}) }
    : { ACCESS_OPEN: 'true' };
  const bindings = { API_URL: opts.apiUrl, API_TOKEN: opts.apiToken, ...(opts.apiKey ? { API_KEY: opts.apiKey } : {}), ...(opts.maxUploadBytes ? { MAX_UPLOAD_BYTES: String(opts.maxUploadBytes) } : {}), ...access };
  const args = [
    'pages', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', mkdtempSync(join(tmpdir(), 'wrangler-state-')), '--log-level', 'info',
    ...Object.entries(bindings).flatMap(([k, v]) => ['--binding', `${k}=${v}`]),
  ];
  const child = spawn(WRANGLER, args, {
    cwd: opts.dir ?? FRONTEND_DIR,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_D1_WARNING: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (opts.inheritOutput) process.stdout.write(d);
      if (output.includes('Ready on')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`wrangler pages dev exited (${code}):\n${output}`)));
    setTimeout(() => reject(new Error(`wrangler pages dev not ready after 60 s:\n${output}`)), 60_000).unref();
  });
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        // wrangler starts workerd as its own child: signal the whole group.
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}
