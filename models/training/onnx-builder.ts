/**
 * Small helpers to write ONNX graphs with onnx-proto (protobufjs), used by the training script
 * and by tests that need graphs of the shapes exporters such as skl2onnx emit.
 */
import { onnx } from 'onnx-proto';

export const ML_DOMAIN = 'ai.onnx.ml';
export const TensorType = onnx.TensorProto.DataType;
export type Dim = number | string;

type AttributeValue = number | string | number[] | string[] | { ints: number[] } | { floats: number[] };

/** A tensor value info; `dims` mixes fixed sizes and symbolic names such as 'N'. */
export function tensorInfo(name: string, elemType: number, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** seq(map(key, float)): the ZipMap output skl2onnx emits by default. */
export function zipMapInfo(name: string, keyType: number): onnx.IValueInfoProto {
  return {
    name,
    type: {
      sequenceType: {
        elemType: { mapType: { keyType, valueType: { tensorType: { elemType: TensorType.FLOAT } } } },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: Buffer.from(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'string') {
      return { name, type: A.STRINGS, strings: (value as string[]).map((s) => Buffer.from(s)) };
    }
    return { name, type: A.FLOATS, floats: value as number[] };
  }
  if ('ints' in value) return { name, type: A.INTS, ints: value.ints };
  return { name, type: A.FLOATS, floats: value.floats };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export function node(spec: NodeSpec): onnx.INodeProto {
  return {
    opType: spec.op,
    domain: spec.domain ?? '',
    input: spec.inputs,
    output: spec.outputs,
    name: `${spec.op}_${spec.outputs[0]}`,
    attribute: Object.entries(spec.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  };
}

export interface GraphSpec {
  name: string;
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers?: onnx.ITensorProto[];
  producer?: string;
}

/** Serialises a model that imports the default and ai.onnx.ml opsets. */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: spec.producer ?? 'tabular-inference-platform',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: ML_DOMAIN, version: 3 },
    ],
    graph: {
      name: spec.name,
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
