/**
 * Drafts a manifest from what a graph says about itself (inputs, outputs, classifier labels) and
 * the header of a sample CSV. Every guess it cannot make safely is refused with the option to pass.
 */
import type { GraphFacts } from '../../service/src/models/graph';
import type { Feature, Manifest } from '../../service/src/models/manifest';
import { FEATURE_ELEMENT, ValueMetadata } from '../../service/src/models/model-plan';

export interface ManifestOptions {
  name: string;
  version: string;
  description?: string;
  positiveClass?: string;
  /** Feature names in the graph's column order, for a single matrix input. */
  features?: string[];
}

// The manifest feature type for each tensor element type: FEATURE_ELEMENT read backwards.
const FEATURE_TYPE = Object.fromEntries(Object.entries(FEATURE_ELEMENT).map(([feature, element]) => [element, feature])) as Record<string, Feature['type']>;
const isPerColumn = (v: ValueMetadata) => (v.shape?.length ?? 2) === 1 || v.shape?.[1] === 1;

function typeOf(input: ValueMetadata): Feature['type'] {
  const type = FEATURE_TYPE[input.type ?? ''];
  if (!input.isTensor || !type) throw new Error(`input "${input.name}" is ${input.isTensor ? `a ${input.type} tensor` : 'a map or sequence'}, which a CSV column cannot fill; export float, int64 or string tensor inputs`);
  return type;
}

function inferFeatures(inputs: readonly ValueMetadata[], header: string[], opts: ManifestOptions): Feature[] {
  const matrix = inputs.length === 1 && !(isPerColumn(inputs[0]) && header.includes(inputs[0].name)) ? inputs[0] : undefined;
  if (!matrix) {
    const missing = inputs.filter((i) => !header.includes(i.name)).map((i) => i.name);
    if (missing.length) throw new Error(`the graph has one input per column, and the sample has no column for ${missing.join(', ')} (its header: ${header.join(', ')})`);
    return inputs.map((i) => ({ name: i.name, type: typeOf(i) }));
  }
  const type = typeOf(matrix);
  if (type !== 'float' && type !== 'double') throw new Error(`input "${matrix.name}" is one ${matrix.type} matrix; export it as FloatTensorType([None, ${header.length}])`);
  const width = matrix.shape?.[1];
  const names = opts.features ?? header;
  if (opts.features) {
    const missing = names.filter((n) => !header.includes(n));
    if (missing.length) throw new Error(`--features names ${missing.join(', ')}, which the sample's header lacks`);
  }
  if (typeof width === 'number' && names.length !== width) {
    throw new Error(
      `input "${matrix.name}" takes ${width} features but ${opts.features ? '--features names' : "the sample's header has"} ${names.length}; pass --features naming the ${width} columns in the order the model was trained on`,
    );
  }
  return names.map((name) => ({ name, type }));
}

function pickOutputs(facts: GraphFacts): Manifest['outputs'] {
  const outputs = facts.outputs;
  const tensors = outputs.filter((o) => o.isTensor);
  if (facts.task === 'classification') {
    const label = tensors.find((o) => o.type === 'int64' || o.type === 'string');
    const probabilities = tensors.find((o) => o.type === 'float32' && o.shape?.length === 2);
    if (!label || !probabilities) throw new Error(`a classifier needs a label output and a [N, classes] float probability output; the graph has ${outputs.map((o) => `${o.name} (${o.type})`).join(', ')}`);
    return { prediction: label.name, probabilities: probabilities.name };
  }
  const value = tensors.find((o) => o.type === 'float32' || o.type === 'float64');
  if (!value) throw new Error(`a regressor needs a float output; the graph has ${outputs.map((o) => `${o.name} (${o.type})`).join(', ')}`);
  return { prediction: value.name };
}

export function inferManifest(
  facts: GraphFacts,
  header: string[],
  sha256: string,
  opts: ManifestOptions,
): Record<string, unknown> {
  const task = facts.task ?? 'regression';
  const classifier = task === 'classification';
  if (classifier && !facts.classes) throw new Error('the classifier declares no class labels (classlabels_strings or classlabels_int64s)');
  // scikit-learn orders classes_ and calls the second one positive, as predict_proba[:, 1] does.
  const positiveClass = classifier && facts.classes!.length === 2 ? (opts.positiveClass ?? facts.classes![1]) : undefined;
  return {
    name: opts.name,
    version: opts.version,
    task,
    ...(opts.description ? { description: opts.description } : {}),
    features: inferFeatures(facts.inputs, header, opts),
    ...(classifier ? { classes: facts.classes, positiveClass } : {}),
    outputs: pickOutputs(facts),
    metrics: {},
    training: { source: `exported by ${facts.producer}` },
    sha256,
  };
}
