/**
 * Synthesis of all stacks (both example environments), as `npm run synth` runs the app: a fresh
 * Node process with tsx, wall time from spawn to exit and the process's peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function measureSynth(): { ms: number; rssMb: number } {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'synth-once.ts')], { encoding: 'utf8', env: { ...process.env, INFRA_ENV: '' } });
    times.push(performance.now() - t0);
    if (run.status !== 0) throw new Error(`synth failed: ${run.stderr}`);
    rss.push(JSON.parse(run.stdout.trim().split('\n').pop()!).maxRssKb / 1024);
  }
  const result = { ms: median(times), rssMb: median(rss) };
  console.log(`synth, all stacks of dev and prod (6 stacks): median ${result.ms.toFixed(0)} ms wall, peak RSS ${result.rssMb.toFixed(0)} MB, of ${RUNS} (targets ≤ 3000 ms, ≤ 300 MB)`);
  return result;
}

if (require.main === module) measureSynth();
