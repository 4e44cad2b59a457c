import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelRegistry } from '../src/models/registry';
import { MODELS_DIR } from '../src/paths';
import { tempDir } from './helpers';

function copyModels(edit?: (manifest: Record<string, unknown>) => void): string {
  const dir = tempDir('models-');
  for (const name of ['penguin-sex']) {
    copyFileSync(join(MODELS_DIR, `${name}.onnx`), join(dir, `${name}.onnx`));
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, `${name}.json`), 'utf8'));
    edit?.(manifest);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(manifest));
  }
  return dir;
}

describe('ModelRegistry', () => {
  it('loads the shipped models and checks them against their graphs', async () => {
    const registry = await ModelRegistry.load(MODELS_DIR);
    expect(registry.list().map((m) => [m.manifest.name, m.plan.inputs.kind])).toEqual([
      ['penguin-sex', 'matrix'],
      ['penguin-species', 'matrix'],
    ]);
    expect((await ModelRegistry.load(MODELS_DIR, 'penguin-species')).defaultName).toBe('penguin-species');
  });

  it.each([
    ['a feature the graph does not take', (m: Record<string, any>) => m.features.push({ name: 'extra', type: 'float' }), /penguin-sex.onnx: input "features" takes 4 features but the manifest lists 5/],
    ['an output the graph lacks', (m: Record<string, any>) => (m.outputs.probabilities = 'scores'), /penguin-sex.onnx: the graph has no output "scores"/],
    ['a class count the graph disagrees with', (m: Record<string, any>) => ((m.classes = ['a', 'b', 'c']), delete m.positiveClass), /penguin-sex.onnx: the graph's classes are \[female, male\] but the manifest lists \[a, b, c\]/],
    ['a checksum that does not match', (m: Record<string, any>) => (m.sha256 = '0'.repeat(64)), /penguin-sex.onnx: sha256 [0-9a-f]+ does not match/],
    ['a manifest field of the wrong kind', (m: Record<string, any>) => (m.task = 'clustering'), /penguin-sex.json: invalid manifest — task:/],
  ])('stops startup on %s, naming the file and the mismatch', async (_name, edit, message) => {
    await expect(ModelRegistry.load(copyModels(edit))).rejects.toThrow(message);
  });

  it('refuses a default model that is not loaded', async () => {
    await expect(ModelRegistry.load(copyModels(), 'nope')).rejects.toThrow('DEFAULT_MODEL "nope" is not one of the loaded models: penguin-sex');
  });
});
