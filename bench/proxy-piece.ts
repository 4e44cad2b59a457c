/**
 * Where the local proxy's time goes (issue 18): one piece of the page's size (16 MiB), sent one at
 * a time, straight to an echo server standing in for the service (it reads the whole upload, then
 * answers the same bytes back, chunked, as the service answers a piece) and through `wrangler pages
 * dev` (real workerd) three ways:
 *   proxy        the real Pages Function (frontend/functions, frontend/proxy/proxy.ts)
 *   passthrough  a minimal Function in the same wrangler: `fetch(target, request)`, nothing else
 *   upload only  the minimal Function reads the body and answers 2 bytes (no outbound fetch)
 *   answer only  the minimal Function answers 16 MiB it makes itself from a 2-byte request
 * The paths are alternated in every round, so noise from other work falls on all alike. Prints
 * the median seconds and MiB/s of each; then four pieces at once (the page's pattern), and the peak
 * RSS of each workerd process, which would show a Function holding bodies (an isolate has 128 MB).
 *   npx tsx bench/proxy-piece.ts [rounds=7] [MiB=16]
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Miniflare } from 'miniflare';
import { FRONTEND_DIR, PagesDev, startPagesDev } from '../frontend/dev/pages-dev';
import { peakRssMb } from './cli-large-file';
import { descendants, listensOn } from './processes';

const ROUNDS = Number(process.argv[2] ?? 7);
const MIB = Number(process.argv[3] ?? 16);
const TOKEN = 'bench-token-0123456789abcdef';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CSV-like ASCII lines, MIB MiB. */
function piece(): Uint8Array {
  const line = Buffer.from('1.25,2.5,3.75,4,5.5,6.25,7,8.5,9.75,10,11.5,12.25,13,14.5,15.75,16\n');
  const out = Buffer.alloc(MIB * 1024 * 1024);
  for (let i = 0; i < out.length; i += line.length) line.copy(out, i);
  return out;
}

/** Reads the whole upload, then writes it back in 1 MiB writes without a length, as the service does. */
async function startEcho(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = Buffer.concat(parts);
    res.writeHead(200, { 'content-type': 'text/csv' });
    for (let i = 0; i < body.length; i += 1 << 20) {
      if (!res.write(body.subarray(i, i + (1 << 20)))) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A Pages project whose only Function is the minimal pass-through, plus the one-way endpoints. */
function minimalProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-minimal-pages-'));
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public', 'index.html'), '<!doctype html>');
  mkdirSync(join(dir, 'functions', 'api'), { recursive: true });
  writeFileSync(join(dir, 'wrangler.toml'), 'name = "bench-minimal"\npages_build_output_dir = "public"\ncompatibility_date = "2026-05-01"\n');
  writeFileSync(
    join(dir, 'functions', 'api', '[[path]].js'),
    `export async function onRequest({ request, env }) {
  const url = new URL(request.url);
  if (url.pathname === '/api/upload-only') {
    let n = 0;
    for await (const chunk of request.body) n += chunk.byteLength;
    return new Response(String(n).slice(0, 2));
  }
  if (url.pathname === '/api/answer-only') {
    const bytes = Number(url.searchParams.get('bytes'));
    const chunk = new Uint8Array(1 << 16).fill(0x31);
    let sent = 0;
    return new Response(new ReadableStream({
      pull(controller) {
        const n = Math.min(chunk.length, bytes - sent);
        if (n <= 0) return controller.close();
        controller.enqueue(n === chunk.length ? chunk.slice() : chunk.slice(0, n));
        sent += n;
      },
    }));
  }
  return fetch(env.API_URL + '/v1' + url.pathname.slice(4) + url.search, request);
}
`,
  );
  return dir;
}

/**
 * The Pages project's Functions as one Worker (`wrangler pages functions build`, what Pages deploys),
 * run by Miniflare's API: the same workerd, but requests reach it without wrangler's ProxyWorker.
 */
async function startMiniflare(projectDir: string, apiUrl: string): Promise<{ mf: Miniflare; url: string; outDir: string }> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-functions-'));
  execFileSync(join(FRONTEND_DIR, '..', 'node_modules', '.bin', 'wrangler'), ['pages', 'functions', 'build', '--outdir', outDir], { cwd: projectDir, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: join(outDir, 'index.js') }],
    modulesRoot: outDir,
    compatibilityDate: '2026-05-01',
    host: '127.0.0.1',
    port: 0,
    bindings: { API_URL: apiUrl, API_TOKEN: TOKEN, ACCESS_OPEN: 'true' },
    serviceBindings: { ASSETS: () => new Response('not found', { status: 404 }) },
  });
  try {
    return { mf, url: (await mf.ready).origin, outDir };
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
}

async function seconds(url: string, body: Uint8Array | undefined, expect: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'text/csv' } });
  const answer = await res.arrayBuffer();
  if (res.status !== 200 || answer.byteLength !== expect) throw new Error(`${url}: ${res.status}, ${answer.byteLength} bytes`);
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const body = piece();
  const echo = await startEcho();
  const dir = minimalProject();
  const started: PagesDev[] = [];
  const miniflares: { mf: Miniflare; outDir: string }[] = [];
  try {
    const proxy = await startPagesDev({ apiUrl: echo.url, apiToken: TOKEN });
    started.push(proxy);
    const minimal = await startPagesDev({ apiUrl: echo.url, apiToken: TOKEN, dir });
    started.push(minimal);
    const mfProxy = await startMiniflare(FRONTEND_DIR, echo.url);
    miniflares.push(mfProxy);
    const mfMinimal = await startMiniflare(dir, echo.url);
    miniflares.push(mfMinimal);
    const paths: [string, () => Promise<number>][] = [
      ['straight to the echo server', () => seconds(`${echo.url}/v1/predict`, body, body.length)],
      ['through workerd, the proxy', () => seconds(`${proxy.url}/api/predict`, body, body.length)],
      ['through workerd, minimal pass-through', () => seconds(`${minimal.url}/api/predict`, body, body.length)],
      ['into workerd only (upload, 2-byte answer)', () => seconds(`${minimal.url}/api/upload-only`, body, 2)],
      ['out of workerd only (answer, 2-byte upload)', () => seconds(`${minimal.url}/api/answer-only?bytes=${body.length}`, new Uint8Array(2), body.length)],
      ["workerd without wrangler's ProxyWorker (Miniflare API), the proxy", () => seconds(`${mfProxy.url}/api/predict`, body, body.length)],
      ["workerd without wrangler's ProxyWorker (Miniflare API), minimal pass-through", () => seconds(`${mfMinimal.url}/api/predict`, body, body.length)],
      ["workerd without wrangler's ProxyWorker (Miniflare API), upload only", () => seconds(`${mfMinimal.url}/api/upload-only`, body, 2)],
    ];
    for (const [, run] of paths) await run(); // warm up: the first request compiles the Function
    const times = paths.map((): number[] => []);
    for (let r = 0; r < ROUNDS; r++) {
      const order = paths.map((_, i) => (i + r) % paths.length);
      for (const i of order) times[i].push(await paths[i][1]());
    }
    const straight = median(times[0]);
    for (const [i, [what]] of paths.entries()) {
      const m = median(times[i]);
      console.log(`${what}: ${m.toFixed(2)} s, ${(MIB / m).toFixed(1)} MiB/s (${(m / straight).toFixed(1)}× straight; runs ${times[i].map((t) => t.toFixed(2)).join(' ')})`);
    }
    const fourPaths = [0, 1, 5].map((i) => paths[i]);
    const fourTimes = fourPaths.map((): number[] => []);
    for (let r = 0; r < Math.ceil(ROUNDS / 2); r++) {
      for (const [i, [, run]] of fourPaths.entries()) {
        const t0 = performance.now();
        await Promise.all([run(), run(), run(), run()]);
        fourTimes[i].push((performance.now() - t0) / 1000);
      }
    }
    for (const [i, [what]] of fourPaths.entries()) {
      const m = median(fourTimes[i]);
      console.log(`4 at once, ${what}: ${m.toFixed(2)} s, ${((4 * MIB) / m).toFixed(1)} MiB/s (runs ${fourTimes[i].map((t) => t.toFixed(2)).join(' ')})`);
    }
    const workerd = (root: number) => descendants(root).filter((p) => /workerd/.test(p.cmd)).map((p) => p.pid);
    const underWrangler = new Set(started.flatMap((p) => workerd(p.child.pid!)));
    const mb = (pid: number) => `${Math.round(peakRssMb(pid))} MB`;
    const wrangler = (p: PagesDev) =>
      workerd(p.child.pid!)
        .map((pid) => `${listensOn(pid, Number(new URL(p.url).port)) ? 'ProxyWorker' : 'Function'} ${mb(pid)}`)
        .join(', ');
    const direct = workerd(process.pid).filter((pid) => !underWrangler.has(pid));
    console.log(`workerd peak RSS: wrangler with the proxy: ${wrangler(proxy)}; wrangler with the minimal Function: ${wrangler(minimal)}; Miniflare API: the proxy ${mb(direct[0])}, minimal ${mb(direct[1])}`);
  } finally {
    for (const p of started) await p.stop();
    for (const m of miniflares) {
      await m.mf.dispose();
      rmSync(m.outDir, { recursive: true, force: true });
    }
    echo.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
