/** One synthesis of every stack into a scratch folder; prints its peak RSS for bench/synth.ts. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../infra/app';

buildApp({ outdir: mkdtempSync(join(tmpdir(), 'synth-bench-')) }).synth();
console.log(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
