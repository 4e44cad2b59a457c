/** model:add and model:check on graphs in the shapes exporters emit, in a scratch models folder. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { columnPipeline, randomForestWithZipMap, Tree } from '../../service/test/exported-graphs';
import { addModel } from './add-model';
import { checkModels } from './check-models';

const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const trees: Tree[] = [{ f: 1, t: 0.5, left: { leaf: [0.9, 0.1] }, right: { leaf: [0.2, 0.8] } }];
const CLASSES = ['churned', 'stayed'];

function exported(dir: string, file: string, bytes: Uint8Array): string {
  writeFileSync(join(dir, file), bytes);
  return join(dir, file);
}

describe('model:add', () => {
  it('drafts the manifest from the graph and the sample header, smoke-tests it and writes model, manifest and sample', async () => {
    const work = scratch('export-');
    const models = scratch('models-');
    const file = exported(work, 'Churn Forest.onnx', randomForestWithZipMap(['tenure', 'spend'], CLASSES, trees).bytes);
    writeFileSync(join(work, 'sample.csv'), 'tenure,spend\r\n1.5,0.2\r\n3,0.9\r\n');
    const { manifest, summary, rewrites } = await addModel({ file, sample: join(work, 'sample.csv'), modelsDir: models });
    expect(manifest).toMatchObject({
      name: 'churn-forest', version: '1.0.0', task: 'classification', classes: CLASSES, positiveClass: 'stayed',
      features: [{ name: 'tenure', type: 'float' }, { name: 'spend', type: 'float' }],
      outputs: { prediction: 'output_label', probabilities: 'output_probability' }, sample: 'samples/churn-forest.csv',
      training: { source: 'exported by skl2onnx' },
    });
    expect(summary).toBe('2 sample rows predicted (churned: 1, stayed: 1)');
    expect(rewrites).toHaveLength(1);
    expect(readFileSync(join(models, 'churn-forest.onnx'))).toEqual(readFileSync(file));

    // Re-adding the same name bumps the minor version: the previous one is what a rollback restores.
    const again = await addModel({ file, sample: join(work, 'sample.csv'), modelsDir: models, name: 'churn-forest' });
    expect(again.manifest.version).toBe('1.1.0');
    expect(await checkModels(models)).toEqual([{ file: 'churn-forest.json', ok: true, message: 'churn-forest 1.1.0: 2 sample rows predicted (churned: 1, stayed: 1)' }]);
  });

  it('names per-column inputs and their types after the graph, ignoring extra sample columns', async () => {
    const work = scratch('export-');
    const models = scratch('models-');
    const file = exported(work, 'visits.onnx', columnPipeline(40, ['Tokyo', 'Osaka'], [0.1, 2, -3, 1.5], 7).bytes);
    writeFileSync(join(work, 'sample.csv'), 'customer,city,age,visits\r\nA,Tokyo,30,2\r\nB,Osaka,,5\r\n');
    const { manifest, summary } = await addModel({ file, sample: join(work, 'sample.csv'), modelsDir: models, version: '3.0.0' });
    expect(manifest).toMatchObject({
      task: 'regression', version: '3.0.0', outputs: { prediction: 'variable' },
      features: [{ name: 'age', type: 'float' }, { name: 'visits', type: 'int64' }, { name: 'city', type: 'string' }],
    });
    expect(summary).toBe('2 sample rows predicted');
  });

  it('refuses, writing nothing, when the sample cannot say which columns feed a matrix input or fails its smoke prediction', async () => {
    const work = scratch('export-');
    const models = scratch('models-');
    const file = exported(work, 'forest.onnx', randomForestWithZipMap(['tenure', 'spend'], CLASSES, trees).bytes);
    writeFileSync(join(work, 'wide.csv'), 'id,tenure,spend\r\n1,1,1\r\n');
    await expect(addModel({ file, sample: join(work, 'wide.csv'), modelsDir: models })).rejects.toThrow(
      `input "float_input" takes 2 features but the sample's header has 3; pass --features naming the 2 columns`,
    );
    writeFileSync(join(work, 'bad.csv'), 'tenure,spend\r\n1,abc\r\n');
    await expect(addModel({ file, sample: join(work, 'bad.csv'), modelsDir: models })).rejects.toThrow(
      'the smoke prediction on the sample failed (422): the upload has invalid rows: 1 problem found\n  row 1, column spend: "abc" is not a number',
    );
    expect(existsSync(join(models, 'forest.json'))).toBe(false);
    const { manifest } = await addModel({ file, sample: join(work, 'wide.csv'), modelsDir: models, features: ['tenure', 'spend'] });
    expect(manifest.features.map((f) => f.name)).toEqual(['tenure', 'spend']);
  });
});

describe('model:check', () => {
  it('passes on the shipped models and fails, naming the file, when a model no longer matches its manifest', () => {
    const run = (dir?: string) => {
      try {
        return { code: 0, out: execFileSync('npx', ['tsx', 'models/tools/check-models.ts', ...(dir ? ['--models-dir', dir] : [])], { encoding: 'utf8' }) };
      } catch (e) {
        const err = e as { status: number; stdout: string };
        return { code: err.status, out: err.stdout };
      }
    };
    const shipped = run();
    expect(shipped).toMatchObject({ code: 0, out: expect.stringContaining('model:check: 2 models ok') });

    const models = scratch('models-');
    exported(models, 'orphan.onnx', new Uint8Array([1, 2, 3]));
    const broken = run(models);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('FAIL orphan.onnx has no manifest; add it with npm run model:add');
  });
});
