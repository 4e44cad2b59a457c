/**
 * Loads every models/<name>.onnx with its manifest models/<name>.json at start. Any disagreement
 * (checksum, inputs, outputs) stops startup with a message naming the file and the mismatch.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readGraph } from './graph';
import { Manifest, parseManifest } from './manifest';
import { ModelPlan, planModel } from './model-plan';

export interface LoadedModel {
  manifest: Manifest;
  file: string;
  /** The graph onnxruntime runs: the file's bytes, or a copy with ZipMap replaced. */
  servable: Uint8Array;
  /** What was changed in the servable copy, for the start-up log. */
  rewrites: string[];
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

/** Loads one models/<name>.json and its graph, checking one against the other. */
export async function loadModel(manifestPath: string): Promise<LoadedModel> {
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
  return inspectModel(basename(file), file, bytes, manifest);
}

/** Checks a manifest against the graph onnxruntime loads; shared with the model:add tool. */
export async function inspectModel(label: string, file: string, bytes: Uint8Array, manifest: Manifest): Promise<LoadedModel> {
  const graph = readGraph(bytes, label);
  if (graph.classes && manifest.classes && graph.classes.join('\u0000') !== manifest.classes.join('\u0000')) {
    throw new Error(`${label}: the graph's classes are [${graph.classes.join(', ')}] but the manifest lists [${manifest.classes.join(', ')}]; list them in the graph's order`);
  }
  if (graph.task && graph.task !== manifest.task) throw new Error(`${label}: the graph is a ${graph.task} model but the manifest says ${manifest.task}`);
  // The graph is read, not loaded: onnxruntime runs in the worker threads only (loading it here
  // would cost the main thread 40 MB). Each thread loads every model before the service is ready.
  const plan = planModel(label, manifest, graph.inputs, graph.outputs, graph.imputedInputs);
  return { manifest, file, servable: graph.servable, rewrites: graph.rewrites, plan };
}
