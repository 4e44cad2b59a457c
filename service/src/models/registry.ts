/**
 * Loads every models/<name>.onnx with its manifest models/<name>.json at start. Any disagreement
 * (checksum, inputs, outputs) stops startup with a message naming the file and the mismatch.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Manifest, parseManifest } from './manifest';
import { ModelPlan, planModel } from './model-plan';

export interface LoadedModel {
  manifest: Manifest;
  file: string;
  plan: ModelPlan;
}

export class ModelRegistry {
  private constructor(
    private readonly models: Map<string, LoadedModel>,
    readonly defaultName: string,
  ) {}

  static async load(dir: string, defaultName?: string): Promise<ModelRegistry> {
    const manifests = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const models = new Map<string, LoadedModel>();
    for (const manifestFile of manifests) {
      const model = await loadModel(join(dir, manifestFile));
      if (models.has(model.manifest.name)) throw new Error(`${manifestFile}: model name "${model.manifest.name}" is used twice`);
      models.set(model.manifest.name, model);
    }
    if (models.size === 0) throw new Error(`MODELS_DIR ${dir} has no models (<name>.onnx with <name>.json)`);
    const chosen = defaultName ?? [...models.keys()][0];
    if (!models.has(chosen)) {
      throw new Error(`DEFAULT_MODEL "${chosen}" is not one of the loaded models: ${[...models.keys()].join(', ')}`);
    }
    return new ModelRegistry(models, chosen);
  }

  get(name: string): LoadedModel | undefined {
    return this.models.get(name);
  }

  list(): LoadedModel[] {
    return [...this.models.values()];
  }
}

async function loadModel(manifestPath: string): Promise<LoadedModel> {
  const file = manifestPath.replace(/\.json$/, '.onnx');
  const label = basename(manifestPath);
  const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), label);
  if (`${manifest.name}.json` !== label) throw new Error(`${label}: the manifest's name "${manifest.name}" must match its file name`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new Error(`${label}: ${basename(file)} is missing beside it`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== manifest.sha256) {
    throw new Error(`${basename(file)}: sha256 ${sha256} does not match the manifest's ${manifest.sha256}; re-run model:add or restore the file`);
  }
  const session = await ort.InferenceSession.create(bytes).catch((e: Error) => {
    throw new Error(`${basename(file)}: onnxruntime cannot load it: ${e.message}`);
  });
  try {
    return { manifest, file, plan: planModel(basename(file), manifest, session.inputMetadata, session.outputMetadata) };
  } finally {
    await session.release();
  }
}
