/**
 * Bring-your-own-model shapes, each a graph as skl2onnx / onnxmltools emit it, served through the
 * real app and worker pool, with every answer checked against the arithmetic the graph encodes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { ModelRegistry } from '../src/models/registry';
import {
  boostedBinaryClassifier, boostedRegressor, columnPipeline, ExportedGraph, linearRegressor, logisticWithZipMap, randomForestWithZipMap, Tree, unsupportedGraphs,
} from './exported-graphs';
import { AUTH, buildTestApp, tempDir, TestApp } from './helpers';

const X = ['x1', 'x2', 'x3'];
const float = (name: string) => ({ name, type: 'float' as const });

const forestTrees: Tree[] = [
  { f: 0, t: 0.505, left: { leaf: [0.8, 0.1, 0.1] }, right: { f: 2, t: -0.255, left: { leaf: [0.2, 0.7, 0.1] }, right: { leaf: [0, 0.25, 0.75] } } },
  { f: 1, t: 1.105, left: { f: 0, t: -0.705, left: { leaf: [1, 0, 0] }, right: { leaf: [0.3, 0.4, 0.3] } }, right: { leaf: [0.1, 0.1, 0.8] } },
  { f: 2, t: 0.305, left: { leaf: [0.5, 0.5, 0] }, right: { leaf: [0, 0.2, 0.8] } },
];
const boostTrees: Tree[] = [
  { f: 0, t: 0.125, left: { leaf: [-0.8] }, right: { f: 1, t: -0.405, left: { leaf: [0.3] }, right: { leaf: [1.1] } } },
  { f: 2, t: 0.655, left: { f: 1, t: 0.955, left: { leaf: [-0.25] }, right: { leaf: [0.45] } }, right: { leaf: [0.6] } },
];

const SHAPES: Record<string, { graph: ExportedGraph; manifest: Record<string, unknown> }> = {
  'logistic-zipmap': {
    graph: logisticWithZipMap(X, [0.8, -1.2, 0.5], 0.1),
    manifest: { task: 'classification', features: X.map(float), classes: ['0', '1'], positiveClass: '1', outputs: { prediction: 'output_label', probabilities: 'output_probability' } },
  },
  'logistic-imputer': {
    graph: logisticWithZipMap(X, [0.8, -1.2, 0.5], 0.1, [0.25, -0.5, 1.5]),
    manifest: { task: 'classification', features: X.map(float), classes: ['0', '1'], positiveClass: '1', outputs: { prediction: 'output_label', probabilities: 'output_probability' } },
  },
  forest: {
    graph: randomForestWithZipMap(X, ['setosa', 'versicolor', 'virginica'], forestTrees),
    manifest: { task: 'classification', features: X.map(float), classes: ['setosa', 'versicolor', 'virginica'], outputs: { prediction: 'output_label', probabilities: 'output_probability' } },
  },
  boosted: {
    graph: boostedBinaryClassifier(X, -0.2, boostTrees),
    manifest: { task: 'classification', features: X.map(float), classes: ['0', '1'], positiveClass: '1', outputs: { prediction: 'output_label', probabilities: 'output_probability' } },
  },
  linear: {
    graph: linearRegressor(X, [2.5, -1.25, 0.75], 3),
    manifest: { task: 'regression', features: X.map(float), outputs: { prediction: 'variable' } },
  },
  'linear-batch-one': {
    graph: linearRegressor(X, [2.5, -1.25, 0.75], 3, 1),
    manifest: { task: 'regression', features: X.map(float), outputs: { prediction: 'variable' } },
  },
  'boosted-regressor': {
    graph: boostedRegressor(X, 10.5, boostTrees),
    manifest: { task: 'regression', features: X.map(float), outputs: { prediction: 'variable' } },
  },
  columns: {
    graph: columnPipeline(41.5, ['Tokyo', 'Osaka', 'Kyoto'], [0.1, 2, -3, 1.5, 0.25], 7),
    manifest: {
      task: 'regression',
      features: [float('age'), { name: 'visits', type: 'int64' }, { name: 'city', type: 'string' }],
      outputs: { prediction: 'variable' },
    },
  },
};

function install(dir: string, name: string, bytes: Uint8Array, manifest: Record<string, unknown>): void {
  writeFileSync(join(dir, `${name}.onnx`), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, version: '2.1.0', ...manifest, sha256 }));
}

/** Deterministic rows with two decimals, so no value sits on a split threshold (all end in 5 at the third). */
function rows(count: number): Record<string, number>[] {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;
  return Array.from({ length: count }, () => Object.fromEntries(X.map((x) => [x, Math.round(next() * 100) / 100])));
}

function toCsv(header: string[], data: Record<string, unknown>[]): string {
  return [header.join(','), ...data.map((r) => header.map((h) => r[h]).join(','))].join('\r\n') + '\r\n';
}

const close = (actual: number, expected: number) => Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected));

let modelsDir: string;
let t: TestApp;

beforeAll(async () => {
  modelsDir = tempDir('byo-models-');
  for (const [name, { graph, manifest }] of Object.entries(SHAPES)) install(modelsDir, name, graph.bytes, manifest);
  t = await buildTestApp({ modelsDir });
});
afterAll(() => t.close());

async function predict(model: string, body: string) {
  return request(t.app).post(`/v1/models/${model}/predict`).set(AUTH).set('Content-Type', 'text/csv').send(body);
}

describe('models exported by skl2onnx / onnxmltools serve as-is', () => {
  it.each(['logistic-zipmap', 'forest', 'boosted', 'linear', 'linear-batch-one', 'boosted-regressor'])(
    '%s: every prediction equals the arithmetic the graph encodes',
    async (name) => {
      const { graph, manifest } = SHAPES[name];
      const data = rows(name === 'linear-batch-one' ? 7 : 500).map((r, i) => ({ id: `r${i}`, ...r }));
      const res = await predict(name, toCsv(['id', ...X], data));
      expect(res.status).toBe(200);
      const out = parse(res.text, { columns: true, bom: true }) as Record<string, string>[];
      expect(out).toHaveLength(data.length);
      const classes = manifest.classes as string[] | undefined;
      // A regressor's answer has no class counts (not even an empty header).
      expect(res.headers['x-class-counts'] === undefined).toBe(!classes);
      out.forEach((line, i) => {
        expect(line.id).toBe(data[i].id);
        const want = graph.expected(data[i]);
        if (!classes) {
          expect(Object.keys(line)).toEqual(['id', ...X, 'prediction']);
          if (!close(Number(line.prediction), want.prediction as number)) throw new Error(`row ${i + 1}: ${line.prediction} != ${want.prediction}`);
          return;
        }
        expect(line.prediction).toBe(want.prediction);
        const got = classes.length === 2 ? [1 - Number(line.probability), Number(line.probability)] : classes.map((c) => Number(line[`probability_${c}`]));
        got.forEach((p, k) => {
          if (!close(p, want.probabilities![k])) throw new Error(`row ${i + 1} class ${classes[k]}: ${p} != ${want.probabilities![k]}`);
        });
      });
    },
  );

  it('names probability columns after string labels', async () => {
    const res = await predict('forest', toCsv(X, rows(2)));
    expect(res.text.split('\r\n')[0]).toBe('x1,x2,x3,prediction,probability_setosa,probability_versicolor,probability_virginica');
  });

  it('feeds one input per column with its own type: float behind an Imputer, int64, and strings into a one-hot encoder', async () => {
    const { graph } = SHAPES.columns;
    const data = [
      { city: 'Tokyo', age: 34, visits: 3 },
      { city: 'Kyoto', age: '', visits: 0 },
      { city: 'Fukuoka', age: 61.5, visits: 12 },
      { city: 'Osaka', age: 19, visits: 1 },
    ];
    const res = await predict('columns', toCsv(['city', 'age', 'visits'], data));
    expect(res.status).toBe(200);
    const out = parse(res.text, { columns: true, bom: true }) as Record<string, string>[];
    out.forEach((line, i) => expect(close(Number(line.prediction), graph.expected(data[i]).prediction as number)).toBe(true));
    expect(out[1].age).toBe('');

    const bad = await predict('columns', toCsv(['city', 'age', 'visits'], [{ city: 'Tokyo', age: 30, visits: '' }, { city: 'Osaka', age: 30, visits: 2.5 }]));
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { row: 1, column: 'visits', message: 'empty value; a number is required' },
      { row: 2, column: 'visits', message: '"2.5" is not a whole number' },
    ]);
  });

  it('sends empty cells as NaN to a model with an Imputer, and refuses them without one', async () => {
    const data = [{ x1: '', x2: 0.5, x3: '' }, { x1: 1, x2: '', x3: -1 }];
    const res = await predict('logistic-imputer', toCsv(X, data));
    expect(res.status).toBe(200);
    const out = parse(res.text, { columns: true, bom: true }) as Record<string, string>[];
    out.forEach((line, i) => expect(close(Number(line.probability), SHAPES['logistic-imputer'].graph.expected(data[i]).probabilities![1])).toBe(true));

    const refused = await predict('logistic-zipmap', toCsv(X, data));
    expect(refused.status).toBe(422);
    expect(refused.body.totalErrors).toBe(3);
    expect(refused.body.errors[0]).toEqual({ row: 1, column: 'x1', message: 'empty value; a number is required' });
  });

  it('lists the models with their manifests and records model name and version in the job log', async () => {
    const list = await request(t.app).get('/v1/models').set(AUTH);
    const forest = list.body.models.find((m: { name: string }) => m.name === 'forest');
    expect(forest).toMatchObject({ task: 'classification', version: '2.1.0', classes: ['setosa', 'versicolor', 'virginica'], emptyAllowed: [] });
    expect(list.body.models.find((m: { name: string }) => m.name === 'columns').emptyAllowed).toEqual(['age']);

    const res = await predict('boosted-regressor', toCsv(X, rows(3)));
    expect(await t.jobLog.flush(5000)).toBe(true);
    const job = await request(t.app).get(`/v1/jobs/${res.headers['x-job-id']}`).set(AUTH);
    expect(job.body).toMatchObject({ modelName: 'boosted-regressor', modelVersion: '2.1.0', rows: 3, status: 'succeeded' });
  });
});

describe('loading exported graphs', () => {
  it('serves a ZipMap graph from a rewritten copy and leaves the file untouched', async () => {
    const file = join(modelsDir, 'forest.onnx');
    const before = readFileSync(file);
    const registry = await ModelRegistry.load(modelsDir);
    const forest = registry.get('forest')!;
    expect(forest.rewrites).toEqual(['ZipMap on "output_probability" replaced by its probability tensor "probabilities"']);
    expect(Buffer.compare(readFileSync(file), before)).toBe(0);
    expect(registry.get('linear')!.rewrites).toEqual([]);
    expect(registry.get('linear-batch-one')!.plan.fixedBatch).toBe(1);
  });

  it('refuses a manifest whose classes disagree with the graph, naming both', async () => {
    const dir = tempDir('byo-bad-');
    install(dir, 'forest', SHAPES.forest.graph.bytes, { ...SHAPES.forest.manifest, classes: ['virginica', 'setosa', 'versicolor'] });
    await expect(ModelRegistry.load(dir)).rejects.toThrow(
      "forest.onnx: the graph's classes are [setosa, versicolor, virginica] but the manifest lists [virginica, setosa, versicolor]",
    );
  });

  it.each([
    ['a map input', unsupportedGraphs.mapInput(), [{ name: 'record', type: 'float' }], /dict.onnx: input "record" is a map or sequence, which a CSV cannot fill; export one tensor input/],
    ['a bool input', unsupportedGraphs.boolInput(), [{ name: 'flag', type: 'float' }], /dict.onnx: input "flag" is a bool tensor, which a CSV column cannot fill; declare it as FloatTensorType/],
    ['a sequence output', unsupportedGraphs.sequenceOutput(), [float('a'), float('b')], /dict.onnx: output "values" is a map or sequence, which onnxruntime-node cannot return/],
  ])('refuses %s at load with the file, the value at fault and what to export instead', async (_what, bytes, features, message) => {
    const dir = tempDir('byo-bad-');
    install(dir, 'dict', bytes, { task: 'regression', features, outputs: { prediction: 'variable' } });
    await expect(ModelRegistry.load(dir)).rejects.toThrow(message);
  });
});
