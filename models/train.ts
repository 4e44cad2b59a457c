/**
 * Trains the shipped models and writes models/<name>.onnx with its manifest models/<name>.json.
 * Deterministic: running it again produces byte-identical files.
 *   npm run train
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../service/src/models/manifest';
import { LOGISTIC_OUTPUTS, logisticToOnnx } from './training/export-logistic';
import { PENGUIN_FEATURES, PENGUINS_PROVENANCE, trainPenguinModels } from './training/penguin-models';
import { loadPenguins } from './training/penguins';

const MODEL_VERSION = '1.0.0';

function main(): void {
  for (const trained of trainPenguinModels()) {
    const onnxBytes = logisticToOnnx(trained.model, trained.name);
    const manifest = parseManifest(
      {
        name: trained.name,
        version: MODEL_VERSION,
        task: 'classification',
        description: trained.description,
        features: PENGUIN_FEATURES.map((name) => ({ name, type: 'float' })),
        classes: trained.model.classes,
        positiveClass: trained.positiveClass,
        outputs: LOGISTIC_OUTPUTS,
        metrics: trained.metrics,
        training: { ...PENGUINS_PROVENANCE, rows: trained.trainingRows },
        sample: 'samples/penguins.csv',
        sha256: createHash('sha256').update(onnxBytes).digest('hex'),
      },
      trained.name,
    );
    writeFileSync(join(__dirname, `${trained.name}.onnx`), onnxBytes);
    writeFileSync(join(__dirname, `${trained.name}.json`), JSON.stringify(manifest, null, 2) + '\n');
    console.log(`${trained.name}: validation AUC ${trained.metrics.validation_auc}, accuracy ${trained.metrics.validation_accuracy} on ${trained.metrics.validation_rows} held-out rows`);
  }
}

/** A sample upload with every penguin: the README's example and the page's demo file. */
function writeSample(): void {
  const header = ['id', 'island', ...PENGUIN_FEATURES, 'species', 'sex'].join(',');
  const rows = loadPenguins().map((p, i) => [i + 1, p.island, ...p.features, p.species, p.sex ?? ''].join(','));
  writeFileSync(join(__dirname, 'samples', 'penguins.csv'), [header, ...rows].join('\r\n') + '\r\n');
}

main();
writeSample();
