import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOGISTIC_OUTPUTS, logisticToOnnx } from './export-logistic';
import { auc, rocAuc } from './metrics';
import { trainPenguinModels } from './penguin-models';

describe('training', () => {
  const trained = trainPenguinModels();

  it('is deterministic: retraining reproduces the committed .onnx files byte for byte', () => {
    for (const t of trained) {
      const manifest = JSON.parse(readFileSync(join(__dirname, '..', `${t.name}.json`), 'utf8'));
      const bytes = logisticToOnnx(t.model, t.name);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
      expect(Buffer.compare(Buffer.from(bytes), readFileSync(join(__dirname, '..', `${t.name}.onnx`)))).toBe(0);
      expect(manifest.metrics).toEqual(t.metrics);
      expect(manifest.outputs).toEqual(LOGISTIC_OUTPUTS);
    }
  });

  it('learns something real on held-out rows', () => {
    for (const t of trained) expect(t.metrics.validation_auc).toBeGreaterThan(0.9);
  });

  it('computes AUC as the probability a positive outranks a negative', () => {
    expect(rocAuc([0.9, 0.8, 0.3, 0.1], [true, false, true, false])).toBe(0.75);
    expect(auc([[0.2, 0.8], [0.9, 0.1]], [1, 0], 2)).toBe(1);
  });
});
