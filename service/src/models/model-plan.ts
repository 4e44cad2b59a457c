/**
 * How a model is fed and read: derived from its graph's inputs and outputs (as onnxruntime
 * reports them) and checked against its manifest. A mismatch stops loading with a sentence that
 * names the file, the input or output at fault, and what to export instead.
 */
import type { Feature, Manifest } from './manifest';

export type ElementType = 'float32' | 'float64' | 'int64' | 'string';

export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

export type InputPlan =
  | { kind: 'matrix'; name: string; type: 'float32' | 'float64'; width: number }
  | { kind: 'columns'; inputs: { name: string; feature: string; type: ElementType; rank: number }[] };

export interface ModelPlan {
  inputs: InputPlan;
  /** Features whose empty cells go to the model as NaN, because an Imputer in the graph fills them. */
  imputed: string[];
  /** Rows per run when the graph fixes its batch dimension, else undefined (any size). */
  fixedBatch?: number;
}

/** The tensor element type each manifest feature type is fed as. */
export const FEATURE_ELEMENT: Record<Feature['type'], ElementType> = { float: 'float32', double: 'float64', int64: 'int64', string: 'string' };

function batchOf(shape: readonly (number | string)[] | undefined): number | undefined {
  const first = shape?.[0];
  return typeof first === 'number' && first > 0 ? first : undefined;
}

const CSV_TYPES = new Set<string>(Object.values(FEATURE_ELEMENT));

export function planModel(
  file: string,
  manifest: Manifest,
  inputs: readonly ValueMetadata[],
  outputs: readonly ValueMetadata[],
  imputedInputs: ReadonlySet<string> = new Set(),
): ModelPlan {
  const fail = (message: string): never => {
    throw new Error(`${file}: ${message}`);
  };
  for (const input of inputs) {
    if (!input.isTensor) {
      fail(`input "${input.name}" is a map or sequence, which a CSV cannot fill; export one tensor input (a [N, F] float matrix, or one [N, 1] tensor per column)`);
    }
    if (!CSV_TYPES.has(input.type ?? '')) {
      fail(`input "${input.name}" is a ${input.type} tensor, which a CSV column cannot fill; declare it as FloatTensorType, Int64TensorType or StringTensorType`);
    }
  }
  const features = manifest.features;
  const byName = new Map(inputs.map((i) => [i.name, i]));
  let plan: InputPlan;
  // One input that is not named after a feature: the [N, F] matrix most exporters write.
  if (inputs.length === 1 && !byName.has(features[0].name)) {
    const input = inputs[0];
    if (input.type !== 'float32' && input.type !== 'float64') {
      fail(`input "${input.name}" is ${input.type}; a single matrix input must be float or double (tensor(float) [N, ${features.length}])`);
    }
    const width = input.shape?.[1];
    if (input.shape?.length !== 2) fail(`input "${input.name}" has shape [${input.shape?.join(', ')}]; a matrix input is [N, ${features.length}]`);
    if (typeof width === 'number' && width !== features.length) {
      fail(`input "${input.name}" takes ${width} features but the manifest lists ${features.length}`);
    }
    const nonNumeric = features.find((f) => f.type === 'string' || f.type === 'int64');
    if (nonNumeric) fail(`feature "${nonNumeric.name}" is ${nonNumeric.type} but the graph takes one float matrix`);
    plan = { kind: 'matrix', name: input.name, type: input.type as 'float32' | 'float64', width: features.length };
  } else {
    const missing = features.filter((f) => !byName.has(f.name)).map((f) => f.name);
    if (missing.length) fail(`the graph has no input for feature(s) ${missing.join(', ')}; graph inputs are ${[...byName.keys()].join(', ')}`);
    const extra = inputs.filter((i) => !features.some((f) => f.name === i.name)).map((i) => i.name);
    if (extra.length) fail(`graph input(s) ${extra.join(', ')} are not features in the manifest`);
    plan = {
      kind: 'columns',
      inputs: features.map((f) => {
        const input = byName.get(f.name)!;
        const expected = FEATURE_ELEMENT[f.type];
        if (input.type !== expected) fail(`input "${f.name}" is ${input.type} but the manifest says ${f.type} (${expected})`);
        const rank = input.shape?.length ?? 2;
        if (rank > 2 || (rank === 2 && input.shape?.[1] !== 1 && typeof input.shape?.[1] === 'number')) {
          fail(`input "${f.name}" has shape [${input.shape?.join(', ')}]; a per-column input is [N] or [N, 1]`);
        }
        return { name: f.name, feature: f.name, type: expected, rank };
      }),
    };
  }

  for (const output of outputs) {
    if (!output.isTensor) fail(`output "${output.name}" is a map or sequence, which onnxruntime-node cannot return; export it as a tensor`);
  }
  const outputNames = new Map(outputs.map((o) => [o.name, o]));
  const prediction = outputNames.get(manifest.outputs.prediction);
  if (!prediction) fail(`the graph has no output "${manifest.outputs.prediction}" (outputs: ${[...outputNames.keys()].join(', ')})`);
  if (manifest.outputs.probabilities) {
    const probabilities = outputNames.get(manifest.outputs.probabilities);
    if (!probabilities) fail(`the graph has no output "${manifest.outputs.probabilities}" (outputs: ${[...outputNames.keys()].join(', ')})`);
    const width = probabilities!.shape?.[1];
    if (typeof width === 'number' && width !== manifest.classes!.length) {
      fail(`output "${probabilities!.name}" has ${width} columns but the manifest lists ${manifest.classes!.length} classes`);
    }
  }
  const batches = inputs.map((i) => batchOf(i.shape)).filter((b): b is number => b !== undefined);
  const imputedInput = (f: Feature) => (plan.kind === 'matrix' ? imputedInputs.has(plan.name) : imputedInputs.has(f.name));
  const imputed = features.filter((f) => (f.type === 'float' || f.type === 'double') && imputedInput(f)).map((f) => f.name);
  return { inputs: plan, imputed, fixedBatch: batches.length ? Math.min(...batches) : undefined };
}
