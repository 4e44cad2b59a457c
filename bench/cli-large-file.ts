/**
 * A large file through the CLI (npm run predict) against the local service, both as processes of
 * their own: rows/s, the service's peak RSS (VmHWM) and the time to the first answered piece.
 *   npx tsx bench/cli-large-file.ts [MB=1024] [concurrency=4] [--piece-mib N] [--root <other checkout>]
 * The service is the built bundle run as the image runs it (process-settings.ts), its job log
 * PostgreSQL when DATABASE_URL is set (a schema of its own), else PGlite (about 280 MB more).
 * The file: 30 columns (the penguin model's 4 features and 26 others), about 245 bytes a row.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR, PROJECT_ROOT } from '../service/src/paths';
import { benchDatabase } from './memory';
import { peakRssKb, start, stop, TOKEN } from './service-process';

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : undefined);
const ROOT = flag('--root');
const PIECE_MIB = flag('--piece-mib');
const MB = Number(args[0] ?? 1024);
const CONCURRENCY = args[1] ?? '4';
export { TOKEN };
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

/** The bench's file: about `bytes` of 30-column rows (also bench/page-large-file.ts's). Resolves with its rows. */
export async function writeFile(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const extra = Array.from({ length: 26 }, (_, i) => `col_${i + 1}`);
  out.write([...FEATURES, ...extra].join(',') + '\n');
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    let block = '';
    for (let k = 0; k < 1000; k++, rows++) {
      const i = rows;
      block += `${(35 + (i % 200) / 10).toFixed(1)},${(15 + (i % 50) / 10).toFixed(1)},${180 + (i % 40)},${3000 + (i % 3000)},` + extra.map((_, c) => (c % 3 === 0 ? `text ${i % 977}` : `${(i * (c + 1)) % 100000}.${c}`)).join(',') + '\n';
    }
    written += Buffer.byteLength(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return rows;
}

export const peakRssMb = (pid: number) => peakRssKb(pid) / 1024;

/** The service as the image runs it (the bundle, process-settings.ts), with PostgreSQL when DATABASE_URL is set (also bench/page-large-file.ts's). */
export async function startService(root = ROOT) {
  const db = await benchDatabase();
  const server = await start(MODELS_DIR, db ? { DATABASE_URL: db.url } : { PGLITE_DIR: join(tmpdir(), `bench-cli-${process.pid}`) }, root);
  return Object.assign(server, { db });
}

async function main() {
  const file = join(tmpdir(), `bench-cli-${MB}mb.csv`);
  const rows = await writeFile(file, MB * 1024 * 1024);
  const size = statSync(file).size;
  const service = await startService();
  const { db } = service;
  const servicePid = service.child.pid!;
  const idleRss = peakRssMb(servicePid);
  const started = performance.now();
  const cli = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'cli/predict.ts'), file, '--concurrency', CONCURRENCY, '--out', `${file}.out`, ...(PIECE_MIB ? ['--piece-mib', PIECE_MIB] : [])], {
    env: { ...process.env, API_URL: service.url, API_TOKEN: TOKEN, NODE_OPTIONS: '' },
  });
  let stderr = '';
  cli.stderr.on('data', (d) => (stderr += d));
  let cliPeak = 0;
  const sample = setInterval(() => {
    try {
      cliPeak = Math.max(cliPeak, peakRssMb(cli.pid!));
    } catch {
      // The CLI has exited.
    }
  }, 200);
  const code = await new Promise((r) => cli.on('exit', r));
  clearInterval(sample);
  const seconds = (performance.now() - started) / 1000;
  const servicePeak = peakRssMb(servicePid);
  await stop(service);
  await db?.drop();
  const outSize = statSync(`${file}.out`, { throwIfNoEntry: false })?.size ?? 0;
  const scored = stderr.split('\n').filter((l) => /^scored|problem|refused|failed/.test(l));
  console.log(scored.join('\n'));
  // The CLI times from when it starts scoring; its own start-up (tsx) comes before: counted here.
  const firstAnswer = /first answer after ([\d.]+) s/.exec(scored.join('\n'))?.[1];
  const cliSeconds = /piece\(s\), ([\d.]+) s/.exec(scored.join('\n'))?.[1];
  const firstProgress = firstAnswer === undefined || cliSeconds === undefined ? undefined : seconds - Number(cliSeconds) + Number(firstAnswer);
  console.log(
    JSON.stringify({
      fileMB: +(size / 1048576).toFixed(0),
      rows,
      columns: 30,
      concurrency: Number(CONCURRENCY),
      database: db ? 'PostgreSQL' : 'PGlite',
      exit: code,
      seconds: +seconds.toFixed(1),
      rowsPerSecond: Math.round(rows / seconds),
      firstProgressSeconds: firstProgress === undefined ? null : +firstProgress.toFixed(2),
      serviceIdleRssMB: Math.round(idleRss),
      servicePeakRssMB: Math.round(servicePeak),
      cliPeakRssMB: Math.round(cliPeak),
      outputMB: +(outSize / 1048576).toFixed(0),
    }),
  );
  rmSync(file, { force: true });
  rmSync(`${file}.out`, { force: true });
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
