/**
 * Validates every model in models/ against its manifest and runs its smoke prediction on its
 * sample; exits non-zero naming each model at fault. Part of `npm test`.
 *   npm run model:check [-- --models-dir dir]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel } from '../../service/src/models/registry';
import { MODELS_DIR } from '../../service/src/paths';
import { smokePredict } from './smoke';

export interface CheckResult {
  file: string;
  ok: boolean;
  message: string;
}

async function checkOne(dir: string, manifestFile: string): Promise<string> {
  const model = await loadModel(join(dir, manifestFile));
  const sample = model.manifest.sample;
  if (!sample) throw new Error(`${manifestFile}: no "sample" to smoke-test; re-add it with npm run model:add -- <file.onnx> --sample <data.csv>`);
  const samplePath = join(dir, sample);
  if (!existsSync(samplePath)) throw new Error(`${manifestFile}: its sample ${sample} is missing`);
  return `${model.manifest.name} ${model.manifest.version}: ${await smokePredict(model, readFileSync(samplePath))}`;
}

export async function checkModels(dir: string = MODELS_DIR): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    try {
      results.push({ file, ok: true, message: await checkOne(dir, file) });
    } catch (e) {
      results.push({ file, ok: false, message: (e as Error).message });
    }
  }
  const orphans = readdirSync(dir).filter((f) => f.endsWith('.onnx') && !existsSync(join(dir, f.replace(/\.onnx$/, '.json'))));
  for (const file of orphans) results.push({ file, ok: false, message: `${file} has no manifest; add it with npm run model:add` });
  return results;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { 'models-dir': { type: 'string' } } });
  checkModels(values['models-dir']).then((results) => {
    for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.message}`);
    const failed = results.filter((r) => !r.ok).length;
    console.log(failed ? `model:check: ${failed} of ${results.length} failed` : `model:check: ${results.length} models ok`);
    process.exit(failed || results.length === 0 ? 1 : 0);
  });
}
