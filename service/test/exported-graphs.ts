/**
 * Graphs in the shapes skl2onnx and onnxmltools emit by default, built with onnx-proto, each with
 * the arithmetic it encodes written out independently so tests can check onnxruntime's answers.
 */
import { onnx } from 'onnx-proto';
import { Dim, encodeModel, ML_DOMAIN, node, tensorInfo, TensorType, zipMapInfo } from '../../models/training/onnx-builder';

export interface ExportedGraph {
  bytes: Uint8Array;
  /** The independent computation: a row of feature values (by name) to [prediction, probabilities]. */
  expected: (row: Record<string, number | string>) => { prediction: string | number; probabilities?: number[] };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const dot = (w: number[], x: number[]) => w.reduce((s, wi, i) => s + wi * x[i], 0);
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const ml = (op: string, inputs: string[], outputs: string[], attributes: Parameters<typeof node>[0]['attributes']) =>
  node({ op, domain: ML_DOMAIN, inputs, outputs, attributes });

/** A binary tree: a split on feature index `f` at `t` (x <= t goes left), or a leaf holding one value per target. */
export type Tree = { f: number; t: number; left: Tree; right: Tree } | { leaf: number[] };

function walk(tree: Tree, x: number[]): number[] {
  while (!('leaf' in tree)) tree = Math.fround(x[tree.f]) <= Math.fround(tree.t) ? tree.left : tree.right;
  return tree.leaf;
}

/** Flattens trees into the ai.onnx.ml TreeEnsemble attribute arrays; `prefix` is 'class' or 'target'. */
function treeAttributes(trees: Tree[], prefix: 'class' | 'target') {
  const a = {
    nodes_treeids: [] as number[], nodes_nodeids: [] as number[], nodes_featureids: [] as number[], nodes_values: [] as number[],
    nodes_modes: [] as string[], nodes_truenodeids: [] as number[], nodes_falsenodeids: [] as number[],
    treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[],
  };
  trees.forEach((root, treeId) => {
    let next = 0;
    const visit = (t: Tree): number => {
      const id = next++;
      const at = a.nodes_nodeids.length;
      a.nodes_treeids.push(treeId); a.nodes_nodeids.push(id);
      if ('leaf' in t) {
        a.nodes_featureids.push(0); a.nodes_values.push(0); a.nodes_modes.push('LEAF'); a.nodes_truenodeids.push(0); a.nodes_falsenodeids.push(0);
        t.leaf.forEach((w, k) => { a.treeids.push(treeId); a.nodeids.push(id); a.ids.push(k); a.weights.push(w); });
        return id;
      }
      a.nodes_featureids.push(t.f); a.nodes_values.push(t.t); a.nodes_modes.push('BRANCH_LEQ'); a.nodes_truenodeids.push(0); a.nodes_falsenodeids.push(0);
      a.nodes_truenodeids[at] = visit(t.left);
      a.nodes_falsenodeids[at] = visit(t.right);
      return id;
    };
    visit(root);
  });
  return {
    nodes_treeids: { ints: a.nodes_treeids }, nodes_nodeids: { ints: a.nodes_nodeids }, nodes_featureids: { ints: a.nodes_featureids },
    nodes_values: { floats: a.nodes_values }, nodes_modes: a.nodes_modes,
    nodes_truenodeids: { ints: a.nodes_truenodeids }, nodes_falsenodeids: { ints: a.nodes_falsenodeids },
    [`${prefix}_treeids`]: { ints: a.treeids }, [`${prefix}_nodeids`]: { ints: a.nodeids }, [`${prefix}_ids`]: { ints: a.ids },
    [`${prefix}_weights`]: { floats: a.weights },
  };
}

const matrixInput = (width: number, batch: Dim = 'N') => tensorInfo('float_input', TensorType.FLOAT, [batch, width]);
// An empty cell is missing (NaN), never Number('') = 0.
const valuesOf = (features: string[], row: Record<string, number | string>) => features.map((f) => (row[f] === '' ? NaN : Number(row[f])));

/**
 * skl2onnx's default binary LogisticRegression (optionally behind a SimpleImputer): int64 labels,
 * probabilities through a Normalizer into a ZipMap.
 */
export function logisticWithZipMap(features: string[], w: number[], b: number, imputerMeans?: number[]): ExportedGraph {
  const nodes = [
    ...(imputerMeans ? [ml('Imputer', ['float_input'], ['imputed'], { imputed_value_floats: { floats: imputerMeans }, replaced_value_float: NaN })] : []),
    ml('LinearClassifier', [imputerMeans ? 'imputed' : 'float_input'], ['label', 'probability_tensor'], {
      coefficients: { floats: [...w.map((v) => -v), ...w] }, intercepts: { floats: [-b, b] }, classlabels_ints: { ints: [0, 1] },
      post_transform: 'LOGISTIC', multi_class: 0,
    }),
    ml('Normalizer', ['probability_tensor'], ['probabilities'], { norm: 'L1' }),
    node({ op: 'Cast', inputs: ['label'], outputs: ['output_label'], attributes: { to: TensorType.INT64 } }),
    ml('ZipMap', ['probabilities'], ['output_probability'], { classlabels_int64s: { ints: [0, 1] } }),
  ];
  return {
    bytes: encodeModel({ name: 'logistic', producer: 'skl2onnx', nodes, inputs: [matrixInput(features.length)], outputs: [tensorInfo('output_label', TensorType.INT64, ['N']), zipMapInfo('output_probability', TensorType.INT64)] }),
    expected: (row) => {
      const x = valuesOf(features, row).map((v, i) => (Number.isNaN(v) && imputerMeans ? imputerMeans[i] : v));
      const p = sigmoid(dot(w, x) + b);
      return { prediction: p > 0.5 ? '1' : '0', probabilities: [1 - p, p] };
    },
  };
}

/**
 * A random forest classifier: leaves hold class shares, averaged over trees; string labels; ZipMap.
 * Binary forests keep only the second class's share as one score, as skl2onnx writes them
 * (onnxruntime then returns [1 - s, s]; with both shares its label output is wrong).
 */
export function randomForestWithZipMap(features: string[], classes: string[], trees: Tree[]): ExportedGraph {
  const binary = classes.length === 2;
  const scaled = trees.map(function scale(t: Tree): Tree {
    if (!('leaf' in t)) return { ...t, left: scale(t.left), right: scale(t.right) };
    return { leaf: (binary ? t.leaf.slice(1) : t.leaf).map((v) => v / trees.length) };
  });
  const nodes = [
    ml('TreeEnsembleClassifier', ['float_input'], ['output_label', 'probabilities'], {
      ...treeAttributes(scaled, 'class'), classlabels_strings: classes, post_transform: 'NONE',
    }),
    ml('ZipMap', ['probabilities'], ['output_probability'], { classlabels_strings: classes }),
  ];
  return {
    bytes: encodeModel({ name: 'forest', producer: 'skl2onnx', nodes, inputs: [matrixInput(features.length)], outputs: [tensorInfo('output_label', TensorType.STRING, ['N']), zipMapInfo('output_probability', TensorType.STRING)] }),
    expected: (row) => {
      const x = valuesOf(features, row);
      const p = classes.map((_, k) => trees.reduce((s, t) => s + walk(t, x)[k], 0) / trees.length);
      return { prediction: classes[argmax(p)], probabilities: p };
    },
  };
}

/** A binary gradient-boosted classifier (LightGBM / sklearn GBDT via onnxmltools): one score, logistic, int64 labels. */
export function boostedBinaryClassifier(features: string[], base: number, trees: Tree[]): ExportedGraph {
  const nodes = [
    ml('TreeEnsembleClassifier', ['float_input'], ['output_label', 'probabilities'], {
      ...treeAttributes(trees, 'class'), classlabels_int64s: { ints: [0, 1] }, base_values: { floats: [base] }, post_transform: 'LOGISTIC',
    }),
    ml('ZipMap', ['probabilities'], ['output_probability'], { classlabels_int64s: { ints: [0, 1] } }),
  ];
  return {
    bytes: encodeModel({ name: 'boosted', producer: 'onnxmltools', nodes, inputs: [matrixInput(features.length)], outputs: [tensorInfo('output_label', TensorType.INT64, ['N']), zipMapInfo('output_probability', TensorType.INT64)] }),
    expected: (row) => {
      const x = valuesOf(features, row);
      const p = sigmoid(Math.fround(base) + trees.reduce((s, t) => s + walk(t, x)[0], 0));
      return { prediction: p > 0.5 ? '1' : '0', probabilities: [1 - p, p] };
    },
  };
}

/** skl2onnx's LinearRegression: output "variable" [N, 1]; `batch` fixes the batch dimension. */
export function linearRegressor(features: string[], w: number[], b: number, batch: Dim = 'N'): ExportedGraph {
  const nodes = [ml('LinearRegressor', ['float_input'], ['variable'], { coefficients: { floats: w }, intercepts: { floats: [b] }, targets: 1 })];
  return {
    bytes: encodeModel({ name: 'linear', producer: 'skl2onnx', nodes, inputs: [matrixInput(features.length, batch)], outputs: [tensorInfo('variable', TensorType.FLOAT, [batch, 1])] }),
    expected: (row) => ({ prediction: dot(w, valuesOf(features, row)) + b }),
  };
}

/** A gradient-boosted regressor: base value plus the leaves the row reaches, summed. */
export function boostedRegressor(features: string[], base: number, trees: Tree[]): ExportedGraph {
  const nodes = [
    ml('TreeEnsembleRegressor', ['float_input'], ['variable'], {
      ...treeAttributes(trees, 'target'), n_targets: 1, aggregate_function: 'SUM', base_values: { floats: [base] }, post_transform: 'NONE',
    }),
  ];
  return {
    bytes: encodeModel({ name: 'boosted-regressor', producer: 'onnxmltools', nodes, inputs: [matrixInput(features.length)], outputs: [tensorInfo('variable', TensorType.FLOAT, ['N', 1])] }),
    expected: (row) => ({ prediction: base + trees.reduce((s, t) => s + walk(t, valuesOf(features, row))[0], 0) }),
  };
}

/**
 * A ColumnTransformer pipeline exported with per-column initial_types: a float column behind an
 * Imputer, an int64 column cast to float, a string column one-hot encoded in the graph; then a
 * LinearRegressor over [age, visits, city one-hot...].
 */
export function columnPipeline(ageMean: number, cities: string[], w: number[], b: number): ExportedGraph {
  const shape: onnx.ITensorProto = { name: 'onehot_shape', dataType: TensorType.INT64, dims: [2], int64Data: [-1, cities.length] };
  const nodes = [
    ml('Imputer', ['age'], ['age_imputed'], { imputed_value_floats: { floats: [ageMean] }, replaced_value_float: NaN }),
    node({ op: 'Cast', inputs: ['visits'], outputs: ['visits_float'], attributes: { to: TensorType.FLOAT } }),
    ml('OneHotEncoder', ['city'], ['city_onehot3d'], { cats_strings: cities, zeros: 1 }),
    node({ op: 'Reshape', inputs: ['city_onehot3d', 'onehot_shape'], outputs: ['city_onehot'] }),
    node({ op: 'Concat', inputs: ['age_imputed', 'visits_float', 'city_onehot'], outputs: ['features'], attributes: { axis: 1 } }),
    ml('LinearRegressor', ['features'], ['variable'], { coefficients: { floats: w }, intercepts: { floats: [b] }, targets: 1 }),
  ];
  return {
    bytes: encodeModel({
      name: 'columns', producer: 'skl2onnx', nodes, initializers: [shape],
      inputs: [tensorInfo('age', TensorType.FLOAT, ['N', 1]), tensorInfo('visits', TensorType.INT64, ['N', 1]), tensorInfo('city', TensorType.STRING, ['N', 1])],
      outputs: [tensorInfo('variable', TensorType.FLOAT, ['N', 1])],
    }),
    expected: (row) => {
      const age = row.age === '' ? ageMean : Number(row.age);
      const x = [age, Number(row.visits), ...cities.map((c) => (row.city === c ? 1 : 0))];
      return { prediction: dot(w, x) + b };
    },
  };
}

/** Graphs no CSV can feed or no tensor can return, which loading must refuse. */
export const unsupportedGraphs = {
  mapInput: () =>
    encodeModel({
      name: 'dict', producer: 'skl2onnx',
      inputs: [{ name: 'record', type: { mapType: { keyType: TensorType.STRING, valueType: { tensorType: { elemType: TensorType.FLOAT } } } } }],
      outputs: [tensorInfo('variable', TensorType.FLOAT, ['N', 1])],
      nodes: [
        ml('DictVectorizer', ['record'], ['vector'], { string_vocabulary: ['a', 'b'] }),
        ml('LinearRegressor', ['vector'], ['variable'], { coefficients: { floats: [1, 2] }, intercepts: { floats: [0] }, targets: 1 }),
      ],
    }),
  boolInput: () =>
    encodeModel({
      name: 'flags', producer: 'skl2onnx',
      inputs: [tensorInfo('flag', TensorType.BOOL, ['N', 1])],
      outputs: [tensorInfo('variable', TensorType.FLOAT, ['N', 1])],
      nodes: [
        node({ op: 'Cast', inputs: ['flag'], outputs: ['flag_float'], attributes: { to: TensorType.FLOAT } }),
        ml('LinearRegressor', ['flag_float'], ['variable'], { coefficients: { floats: [2] }, intercepts: { floats: [1] }, targets: 1 }),
      ],
    }),
  sequenceOutput: () =>
    encodeModel({
      name: 'sequence', producer: 'custom',
      inputs: [matrixInput(2)],
      outputs: [{ name: 'values', type: { sequenceType: { elemType: { tensorType: { elemType: TensorType.FLOAT } } } } }],
      nodes: [
        ml('LinearRegressor', ['float_input'], ['variable'], { coefficients: { floats: [1, 1] }, intercepts: { floats: [0] }, targets: 1 }),
        node({ op: 'SequenceConstruct', inputs: ['variable'], outputs: ['values'] }),
      ],
    }),
};
