/**
 * What the service needs to know from an ONNX graph itself, read with onnx-proto: the class
 * labels its classifier declares, which inputs an Imputer fills, and a servable copy of the graph
 * with skl2onnx's ZipMap replaced, because onnxruntime-node cannot return seq(map) outputs
 * ("Non tensor type is temporarily not supported"). The file on disk is never modified.
 */
import { onnx } from 'onnx-proto';
import type { ValueMetadata } from './model-plan';

const ML_DOMAIN = 'ai.onnx.ml';
const CLASSIFIERS = new Set(['LinearClassifier', 'TreeEnsembleClassifier', 'SVMClassifier']);
const REGRESSORS = new Set(['LinearRegressor', 'TreeEnsembleRegressor', 'SVMRegressor']);
/** Ops that carry a missing value through unchanged, so an Imputer behind them still sees it. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Concat', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'FeatureVectorizer']);

export interface GraphFacts {
  /** The bytes to give onnxruntime: the file's own, or a copy with ZipMap replaced. */
  servable: Uint8Array;
  /** One sentence per change made to the servable copy, for the log. */
  rewrites: string[];
  /** 'classification' or 'regression' when a final estimator op says so. */
  task?: 'classification' | 'regression';
  /** Class labels as text, in the order of the probability columns, when the graph declares them. */
  classes?: string[];
  /** Graph inputs whose NaN values an Imputer replaces before the model uses them. */
  imputedInputs: Set<string>;
  producer: string;
  /** The servable graph's inputs and outputs, as onnxruntime would report them. */
  inputs: ValueMetadata[];
  outputs: ValueMetadata[];
}

const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

/** An input or output as onnxruntime's metadata describes it; read from the graph so the main thread never loads onnxruntime. */
function metadataOf(value: onnx.IValueInfoProto): ValueMetadata {
  const tensor = value.type?.tensorType;
  if (!tensor) return { name: value.name ?? '', isTensor: false };
  const dims = tensor.shape?.dim?.map((d) => (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0 ? num(d.dimValue) : (d.dimParam ?? '?')));
  return { name: value.name ?? '', isTensor: true, type: ELEMENT_TYPES[tensor.elemType ?? 0] ?? `type ${tensor.elemType}`, shape: dims };
}

type Long = { toString(): string };
const num = (v: number | Long | null | undefined): number => (typeof v === 'number' ? v : Number(String(v ?? 0)));

function attr(n: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return n.attribute?.find((a) => a.name === name);
}

function labelsOf(n: onnx.INodeProto): string[] | undefined {
  for (const key of ['classlabels_strings', 'classlabels_ints', 'classlabels_int64s']) {
    const a = attr(n, key);
    if (a?.strings?.length) return a.strings.map((s) => Buffer.from(s).toString('utf8'));
    if (a?.ints?.length) return a.ints.map((i) => String(num(i)));
  }
  return undefined;
}

function isMl(n: onnx.INodeProto, ops: Set<string> | string): boolean {
  return n.domain === ML_DOMAIN && (typeof ops === 'string' ? n.opType === ops : ops.has(n.opType ?? ''));
}

/** Graph inputs that reach `tensor` only through pass-through ops. */
function inputsBehind(tensor: string, producers: Map<string, onnx.INodeProto>, graphInputs: Set<string>): string[] {
  if (graphInputs.has(tensor)) return [tensor];
  const producer = producers.get(tensor);
  if (!producer || !PASS_THROUGH.has(producer.opType ?? '')) return [];
  // Reshape's second input is its target shape, not data.
  const data = producer.opType === 'Reshape' ? producer.input!.slice(0, 1) : producer.input ?? [];
  return data.flatMap((t) => inputsBehind(t, producers, graphInputs));
}

function imputedInputs(graph: onnx.IGraphProto): Set<string> {
  const nodes = graph.node ?? [];
  const producers = new Map(nodes.flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name!));
  const found = new Set<string>();
  for (const n of nodes.filter((x) => isMl(x, 'Imputer'))) {
    // The ONNX default replaced value is 0; only an Imputer that replaces NaN fills an empty cell.
    const replaced = attr(n, 'replaced_value_float');
    if (!replaced || !Number.isNaN(replaced.f)) continue;
    for (const input of inputsBehind(n.input![0], producers, graphInputs)) found.add(input);
  }
  return found;
}

/** Replaces each ZipMap by an Identity of its probability tensor, keeping the output's name. */
function replaceZipMaps(model: onnx.ModelProto, file: string): string[] {
  // Decoded messages have every repeated field as an array, so the non-null views are safe.
  const graph = model.graph as onnx.GraphProto;
  const rewrites: string[] = [];
  graph.node = (graph.node as onnx.NodeProto[]).map((n) => {
    if (!isMl(n, 'ZipMap')) return n;
    const output = graph.output.find((o) => o.name === n.output[0]);
    if (!output) throw new Error(`${file}: ZipMap "${n.name}" feeds other nodes; export with options={id(clf): {'zipmap': False}}`);
    const classes = labelsOf(n)?.length;
    output.type = {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, classes ? { dimValue: classes } : { dimParam: 'C' }] } },
    };
    rewrites.push(`ZipMap on "${n.output[0]}" replaced by its probability tensor "${n.input[0]}"`);
    return onnx.NodeProto.create({ opType: 'Identity', domain: '', name: `${n.name || 'ZipMap'}_as_tensor`, input: [n.input[0]], output: [n.output[0]] });
  });
  if (rewrites.length && !model.opsetImport.some((o) => !o.domain)) {
    model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: '', version: 13 }));
  }
  return rewrites;
}

export function readGraph(bytes: Uint8Array, file: string): GraphFacts {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${file}: not an ONNX model (${(e as Error).message})`);
  }
  if (!model.graph) throw new Error(`${file}: the ONNX model has no graph`);
  const nodes = model.graph.node as onnx.NodeProto[];
  const zipMap = nodes.find((n) => isMl(n, 'ZipMap'));
  const classifier = nodes.find((n) => isMl(n, CLASSIFIERS));
  const task = classifier || zipMap ? 'classification' : nodes.some((n) => isMl(n, REGRESSORS)) ? 'regression' : undefined;
  const facts = {
    task,
    classes: (classifier && labelsOf(classifier)) ?? (zipMap && labelsOf(zipMap)),
    imputedInputs: imputedInputs(model.graph),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown',
  } as const;
  const rewrites = replaceZipMaps(model, file);
  const servable = rewrites.length ? onnx.ModelProto.encode(model).finish() : bytes;
  // Initializers may be listed as graph inputs (older exporters); they are not fed.
  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  const inputs = (model.graph.input as onnx.ValueInfoProto[]).filter((i) => !initializers.has(i.name)).map(metadataOf);
  return { ...facts, servable, rewrites, inputs, outputs: (model.graph.output as onnx.ValueInfoProto[]).map(metadataOf) };
}
