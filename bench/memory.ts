/**
 * Memory over time (issue 15): the service as the image runs it, under
 *   - 100 consecutive uploads at the 32 MiB limit, and
 *   - 8 clients uploading such files at once for 60 s (503s are retried after 250 ms),
 * each followed by 10 s idle. Prints the peak RSS of each phase and the idle RSS 10 s after its
 * last request, with the targets. `tsx bench/memory.ts [--root <checkout>]` measures another
 * build (its `npm run build` must have run) with this script, to compare the two.
 *
 * The job log is PostgreSQL when DATABASE_URL is set (a schema of its own, dropped after), as in
 * the cloud; PGlite alone needs about 280 MB (bench/README.md), so the targets assume PostgreSQL.
 */
import { request } from 'node:http';
import { Client } from 'pg';
import { numericCsv, writeBenchModel } from './bench-model';
import { mb, peakRssKb, resetPeakRss, rssKb, start, stop, TOKEN, type Server } from './service-process';

const MiB = 1 << 20;
const TARGET_PEAK_MB = 400;
const TARGET_IDLE_MB = 250;
const IDLE_S = 10;

/** The 100k-row bench file grown to just under the 32 MiB upload limit. */
export function fileAtLimit(): Buffer {
  const rows = Math.ceil((32 * MiB) / (Buffer.byteLength(numericCsv(1000)) / 1000));
  let body = numericCsv(rows);
  while (Buffer.byteLength(body) > 32 * MiB) body = body.slice(0, body.lastIndexOf('\r\n', body.length - 3) + 2);
  return Buffer.from(body);
}

/**
 * One upload over its own connection; the answer is read to its end. An early answer (503) ends the
 * upload; a connection closed before any answer is status 0 (a refusal the client could not read).
 */
export function upload(url: string, body: Buffer): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/predict`, { method: 'POST', agent: false, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv', 'Content-Length': body.length } });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes }));
      res.on('error', reject);
    });
    // The server may close the connection once it has answered without reading the rest.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ status: 0, bytes: 0 });
      else reject(error);
    });
    req.end(body);
  });
}

interface PhaseFigures {
  peakKb: number;
  idleKb: number;
  /** Seconds after the last request until RSS was under the idle target, if it was. */
  underTargetS?: number;
}

/** RSS each 250 ms for IDLE_S seconds after the last request. */
async function idle(pid: number): Promise<Pick<PhaseFigures, 'idleKb' | 'underTargetS'>> {
  const t0 = performance.now();
  let underTargetS: number | undefined;
  let kb = rssKb(pid);
  while (performance.now() - t0 < IDLE_S * 1000) {
    kb = rssKb(pid);
    if (underTargetS === undefined && kb < TARGET_IDLE_MB * 1024) underTargetS = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { idleKb: rssKb(pid), underTargetS };
}

async function consecutive(server: Server, body: Buffer, count: number): Promise<PhaseFigures & { ms: number }> {
  const pid = server.child.pid!;
  resetPeakRss(pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const { status } = await upload(server.url, body);
    if (status !== 200) throw new Error(`upload ${i} answered ${status}`);
  }
  const ms = (performance.now() - t0) / count;
  const peakKb = peakRssKb(pid);
  return { peakKb, ms, ...(await idle(pid)) };
}

async function concurrent(server: Server, body: Buffer, clients: number, seconds: number): Promise<PhaseFigures & { ok: number; refused: number; cut: number }> {
  const pid = server.child.pid!;
  resetPeakRss(pid);
  const until = performance.now() + seconds * 1000;
  let ok = 0;
  let refused = 0;
  let cut = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const { status } = await upload(server.url, body);
        if (status === 200) ok++;
        else if (status === 503 || status === 0) {
          if (status === 503) refused++;
          else cut++;
          await new Promise((r) => setTimeout(r, 250));
        } else throw new Error(`upload answered ${status}`);
      }
    }),
  );
  const peakKb = peakRssKb(pid);
  return { peakKb, ok, refused, cut, ...(await idle(pid)) };
}

const verdict = (kb: number, targetMb: number) => (kb < targetMb * 1024 ? 'met' : 'NOT met');
const idleLine = (f: PhaseFigures) =>
  `idle ${IDLE_S} s later ${mb(f.idleKb)} (target < ${TARGET_IDLE_MB} MB: ${verdict(f.idleKb, TARGET_IDLE_MB)}${f.underTargetS !== undefined ? `; under it after ${f.underTargetS.toFixed(1)} s` : ''})`;

/** A schema of its own in DATABASE_URL's database, so the bench's job rows go nowhere else. */
export async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  if (!process.env.DATABASE_URL) return undefined;
  const schema = `bench_memory_${process.pid}`;
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(process.env.DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export async function sustainedMemory(modelsDir: string, root?: string, opts: { uploads?: number; seconds?: number } = {}): Promise<void> {
  const body = fileAtLimit();
  const db = await benchDatabase();
  const server = await start(modelsDir, db ? { DATABASE_URL: db.url } : {}, root);
  try {
    const startKb = rssKb(server.child.pid!);
    const database = db ? 'PostgreSQL' : 'PGlite (adds about 280 MB: set DATABASE_URL for the targets)';
    console.log(`sustained memory${root ? ` (${root})` : ''}, ${database}; ${(body.length / MiB).toFixed(1)} MiB uploads; RSS after start ${mb(startKb)}`);
    const uploads = opts.uploads ?? 100;
    const a = await consecutive(server, body, uploads);
    console.log(`  ${uploads} consecutive uploads (${a.ms.toFixed(0)} ms each): peak RSS ${mb(a.peakKb)} (target < ${TARGET_PEAK_MB} MB: ${verdict(a.peakKb, TARGET_PEAK_MB)}); ${idleLine(a)}`);
    const seconds = opts.seconds ?? 60;
    const b = await concurrent(server, body, 8, seconds);
    console.log(`  8 clients × ${seconds} s: ${b.ok} answered, ${b.refused} refused (503)${b.cut ? `, ${b.cut} cut off before an answer` : ''}; peak RSS ${mb(b.peakKb)} (target < ${TARGET_PEAK_MB} MB: ${verdict(b.peakKb, TARGET_PEAK_MB)}); ${idleLine(b)}`);
  } finally {
    await stop(server);
    await db?.drop();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const uploads = at('--uploads');
  const seconds = at('--seconds');
  sustainedMemory(writeBenchModel(), at('--root'), { uploads: uploads ? Number(uploads) : undefined, seconds: seconds ? Number(seconds) : undefined }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
