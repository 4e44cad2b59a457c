/**
 * This build against another, alternated so both meet the same minutes of this machine (its speed
 * drifts a lot from minute to minute): start → ready, the 100k-row file end to end, and 200
 * clients of 100-row files, the single-request figures of bench/run.ts, each with this build's
 * median as a share of the other's. Both services run at once; each request (or 10 s load run, or
 * start) goes to one and then the other, in turn first.
 *   tsx bench/compare.ts --base <checkout whose npm run build has run> [--rounds 9]
 */
import autocannon from 'autocannon';
import { numericCsv, writeBenchModel } from './bench-model';
import { benchDatabase } from './memory';
import { start, stop, TOKEN, type Server } from './service-process';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function predict(url: string, body: Blob): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body });
  if (res.status !== 200) throw new Error(`predict answered ${res.status}`);
  await res.arrayBuffer();
  return performance.now() - t0;
}

async function load(url: string): Promise<{ p95: number; rps: number; errors: number }> {
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = { url: `${url}/v1/predict`, method: 'POST' as const, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: numericCsv(100), connections: 200, duration: 10 };
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  return { p95: times[Math.floor(0.95 * times.length)], rps: result.requests.average, errors: result.errors + result.non2xx + result.timeouts };
}

/** Runs `measure` on each side in turn, `rounds` times, the first side alternating. */
async function alternated<T>(rounds: number, measure: (side: 0 | 1) => Promise<T>): Promise<[T[], T[]]> {
  const out: [T[], T[]] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) out[side].push(await measure(side));
  }
  return out;
}

const line = (what: string, base: number, ours: number, unit: string, lowerIsBetter = true) => {
  const share = ours / base;
  const worse = lowerIsBetter ? share - 1 : 1 - share;
  console.log(`${what}: this ${ours.toFixed(0)} ${unit}, base ${base.toFixed(0)} ${unit} → ${(share * 100).toFixed(0)} % (target: within 10 %: ${worse <= 0.1 ? 'met' : 'NOT met'})`);
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const base = at('--base');
  if (!base) throw new Error('tsx bench/compare.ts --base <checkout>: the other build, after its npm run build');
  const rounds = Number(at('--rounds') ?? 9);
  const roots = [base, undefined] as const;
  const modelsDir = writeBenchModel();
  const db = await benchDatabase();
  const env: Record<string, string> = db ? { DATABASE_URL: db.url } : {};
  console.log(`this build against ${base}, ${rounds} alternated rounds; job log ${db ? 'PostgreSQL' : 'PGlite'}`);
  try {
    const [baseReady, ourReady] = await alternated(rounds, async (side) => {
      const s = await start(modelsDir, env, roots[side]);
      await stop(s);
      return s.readyMs;
    });
    line('start → /readyz 200, median', median(baseReady), median(ourReady), 'ms');

    const servers: Server[] = [await start(modelsDir, env, base), await start(modelsDir, env)];
    try {
      const file = new Blob([numericCsv(100_000)]);
      // The first requests after a start run unoptimised code.
      await alternated(5, (side) => predict(servers[side].url, file));
      const [baseMs, ourMs] = await alternated(rounds, (side) => predict(servers[side].url, file));
      line('100k rows × 30 end to end, median', median(baseMs), median(ourMs), 'ms');
      const loadRounds = Math.max(3, Math.round(rounds / 3));
      const [baseLoad, ourLoad] = await alternated(loadRounds, (side) => load(servers[side].url));
      line('200 clients × 10 s, median p95', median(baseLoad.map((l) => l.p95)), median(ourLoad.map((l) => l.p95)), 'ms');
      line('200 clients × 10 s, median req/s', median(baseLoad.map((l) => l.rps)), median(ourLoad.map((l) => l.rps)), 'req/s', false);
      const errors = [...baseLoad, ...ourLoad].reduce((n, l) => n + l.errors, 0);
      if (errors) console.log(`load errors: ${errors}`);
    } finally {
      await Promise.all(servers.map(stop));
    }
  } finally {
    await db?.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
