/**
 * A large file's pieces in flight at once (issue 18): the service as the image runs it, and
 * clients that each send pieces back to back as the CLI does (the whole body, then the whole
 * answer read; a 503 waited out for its Retry-After). For each mix (4 × 16 MiB, the CLI's
 * default; 2 × 32 MiB; 8 × 4 MiB; and clients of mixed sizes) it prints the peak RSS of the
 * phase and the RSS 10 s after its last piece, against the single-request bound of bench/memory.ts.
 *   tsx bench/pieces-memory.ts [--root <other checkout>] [--seconds 30] [--mix 4x16,2x32]
 */
import { request } from 'node:http';
import { numericCsv, writeBenchModel } from './bench-model';
import { benchDatabase } from './memory';
import { mb, peakRssKb, resetPeakRss, rssKb, start, stop, TOKEN, type Server } from './service-process';

const MiB = 1 << 20;
const TARGET_PEAK_MB = 400;
const TARGET_IDLE_MB = 250;
const IDLE_S = 10;

/** The bench's numeric rows, about `bytes` of them (a piece as the CLI cuts it: whole records, the header first). */
export function pieceOf(bytes: number): Buffer {
  const perRow = Buffer.byteLength(numericCsv(1000)) / 1000;
  let body = numericCsv(Math.ceil(bytes / perRow));
  while (Buffer.byteLength(body) > bytes) body = body.slice(0, body.lastIndexOf('\r\n', body.length - 3) + 2);
  return Buffer.from(body);
}

interface Mix {
  name: string;
  /** Each client's piece size in MiB. */
  clients: number[];
  /** How long each client leaves its answer unread once it starts (a slow network): the service holds it meanwhile. */
  readAfterMs?: number;
}

const times = (n: number, mib: number) => Array.from({ length: n }, () => mib);
const MIXES: Mix[] = [
  { name: '4x16', clients: times(4, 16) },
  { name: '2x32', clients: times(2, 32) },
  { name: '8x4', clients: times(8, 4) },
  // Whatever fits the budget: one client of each size, and small ones beside them.
  { name: 'mixed', clients: [31, 16, 8, 4, 1, 1] },
  // The budget full of the largest uploads.
  { name: '4x32', clients: times(4, 32) },
  // Answers that wait to be read: streamed ones (2 MiB, the smallest streamed upload) and whole ones (just under).
  { name: 'slow-2', clients: times(64, 2), readAfterMs: 2000 },
  { name: 'slow-small', clients: times(128, 1.9), readAfterMs: 2000 },
];

/** One piece, as memory.ts's upload, but the answer is left unread for `readAfterMs` once it starts. */
function send(url: string, body: Buffer, readAfterMs = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/predict`, { method: 'POST', agent: false, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv', 'Content-Length': body.length } });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.pause();
      setTimeout(() => res.resume(), res.statusCode === 200 ? readAfterMs : 0);
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve(0);
      else reject(error);
    });
    req.end(body);
  });
}

async function phase(server: Server, mix: Mix, seconds: number, bodies: Map<number, Buffer>) {
  const pid = server.child.pid!;
  resetPeakRss(pid);
  const until = performance.now() + seconds * 1000;
  let ok = 0;
  let refused = 0;
  await Promise.all(
    mix.clients.map(async (size) => {
      const body = bodies.get(size)!;
      while (performance.now() < until) {
        const status = await send(server.url, body, mix.readAfterMs);
        if (status === 200) ok++;
        else if (status === 503 || status === 0) {
          refused++;
          // The CLI honours Retry-After (2 s); a shorter wait keeps the budget fuller.
          await new Promise((r) => setTimeout(r, 250));
        } else throw new Error(`a ${size} MiB piece answered ${status}`);
      }
    }),
  );
  const peakKb = peakRssKb(pid);
  const t0 = performance.now();
  while (performance.now() - t0 < IDLE_S * 1000) await new Promise((r) => setTimeout(r, 250));
  return { peakKb, idleKb: rssKb(pid), ok, refused };
}

function describe(mix: Mix): string {
  const sizes = [...new Set(mix.clients)].map((mib) => `${mix.clients.filter((c) => c === mib).length} × ${mib} MiB`).join(' + ');
  return mix.readAfterMs ? `${sizes}, answers read ${mix.readAfterMs / 1000} s late` : sizes;
}

const verdict = (kb: number, targetMb: number) => (kb < targetMb * 1024 ? 'met' : 'NOT met');

export async function piecesMemory(modelsDir: string, root?: string, opts: { seconds?: number; mixes?: string[] } = {}): Promise<void> {
  const mixes = opts.mixes ? MIXES.filter((m) => opts.mixes!.includes(m.name)) : MIXES;
  const bodies = new Map<number, Buffer>();
  for (const m of mixes) for (const size of m.clients) if (!bodies.has(size)) bodies.set(size, pieceOf(size * MiB));
  const db = await benchDatabase();
  const server = await start(modelsDir, db ? { DATABASE_URL: db.url } : {}, root);
  try {
    const database = db ? 'PostgreSQL' : 'PGlite (adds about 280 MB: set DATABASE_URL for the targets)';
    console.log(`pieces in flight${root ? ` (${root})` : ''}, ${database}; RSS after start ${mb(rssKb(server.child.pid!))}`);
    for (const mix of mixes) {
      const seconds = opts.seconds ?? 30;
      const f = await phase(server, mix, seconds, bodies);
      console.log(
        `  ${mix.name} (${describe(mix)}) × ${seconds} s: ${f.ok} answered, ${f.refused} refused; peak RSS ${mb(f.peakKb)} (target < ${TARGET_PEAK_MB} MB: ${verdict(f.peakKb, TARGET_PEAK_MB)}); ${IDLE_S} s later ${mb(f.idleKb)} (target < ${TARGET_IDLE_MB} MB: ${verdict(f.idleKb, TARGET_IDLE_MB)})`,
      );
    }
  } finally {
    await stop(server);
    await db?.drop();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const seconds = at('--seconds');
  piecesMemory(writeBenchModel(), at('--root'), { seconds: seconds ? Number(seconds) : undefined, mixes: at('--mix')?.split(',') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
