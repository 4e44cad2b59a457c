/**
 * Adds an exported ONNX model: inspects the graph, drafts its manifest from the graph and a
 * sample CSV, runs a smoke prediction, and only then writes models/<name>.onnx, .json and the
 * sample. Nothing is written when any step fails.
 *   npm run model:add -- <file.onnx> --sample <data.csv> [--name n] [--version v]
 *     [--features a,b,c] [--positive-class c] [--description text] [--models-dir dir]
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Papa from 'papaparse';
import { decodeUpload } from '../../service/src/csv/decode';
import { readGraph } from '../../service/src/models/graph';
import { Manifest, parseManifest } from '../../service/src/models/manifest';
import { inspectModel } from '../../service/src/models/registry';
import { MODELS_DIR } from '../../service/src/paths';
import { inferManifest } from './infer-manifest';
import { smokePredict } from './smoke';

const SAMPLE_ROWS = 50;

export interface AddOptions {
  file: string;
  sample: string;
  modelsDir?: string;
  name?: string;
  version?: string;
  features?: string[];
  positiveClass?: string;
  description?: string;
}

const slug = (file: string) => basename(file).replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

/** A new model starts at 1.0.0; a replacement bumps the minor version unless one is given. */
function nextVersion(manifestPath: string): string {
  if (!existsSync(manifestPath)) return '1.0.0';
  const previous = String(JSON.parse(readFileSync(manifestPath, 'utf8')).version ?? '');
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(previous);
  if (!m) throw new Error(`the current version "${previous}" is not major.minor.patch; pass --version`);
  return `${m[1]}.${Number(m[2]) + 1}.0`;
}

/** The sample's first rows, re-encoded as UTF-8, kept beside the model for model:check. */
function sampleHead(text: string): { header: string[]; csv: string } {
  const parsed = Papa.parse<string[]>(text, { preview: SAMPLE_ROWS + 1, skipEmptyLines: true });
  const [header = []] = parsed.data;
  return { header: header.map((h) => h.trim()), csv: Papa.unparse(parsed.data, { newline: '\r\n' }) + '\r\n' };
}

export async function addModel(opts: AddOptions): Promise<{ manifest: Manifest; summary: string; rewrites: string[] }> {
  const modelsDir = opts.modelsDir ?? MODELS_DIR;
  const bytes = readFileSync(opts.file);
  const name = opts.name ?? slug(opts.file);
  const label = `${name}.onnx`;
  const target = join(modelsDir, label);
  const facts = readGraph(bytes, label);

  const sampleBytes = readFileSync(opts.sample);
  const sample = sampleHead(decodeUpload(sampleBytes).text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const version = opts.version ?? nextVersion(join(modelsDir, `${name}.json`));
  const draft = inferManifest(facts, sample.header, sha256, { ...opts, name, version });
  const manifest = parseManifest({ ...draft, sample: `samples/${name}.csv` }, `${name}.json`);
  const loaded = await inspectModel(label, target, bytes, manifest);
  const summary = await smokePredict(loaded, sampleBytes);

  mkdirSync(join(modelsDir, 'samples'), { recursive: true });
  if (resolve(opts.file) !== resolve(target)) copyFileSync(opts.file, target);
  writeFileSync(join(modelsDir, 'samples', `${name}.csv`), sample.csv);
  writeFileSync(join(modelsDir, `${name}.json`), JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, summary, rewrites: loaded.rewrites };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      sample: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' }, features: { type: 'string' },
      'positive-class': { type: 'string' }, description: { type: 'string' }, 'models-dir': { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.sample) throw new Error('usage: npm run model:add -- <file.onnx> --sample <data.csv> [--name n] [--version v] [--features a,b,c] [--positive-class c]');
  const { manifest, summary, rewrites } = await addModel({
    file: positionals[0], sample: values.sample, name: values.name, version: values.version, description: values.description,
    features: values.features?.split(',').map((f) => f.trim()), positiveClass: values['positive-class'], modelsDir: values['models-dir'],
  });
  console.log(`added ${manifest.name} ${manifest.version} (${manifest.task}; features ${manifest.features.map((f) => `${f.name}:${f.type}`).join(', ')}${manifest.classes ? `; classes ${manifest.classes.join(', ')}` : ''})`);
  for (const r of rewrites) console.log(`  served with: ${r}`);
  console.log(`  smoke: ${summary}`);
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`model:add: ${e.message}`);
    process.exit(1);
  });
}
