/** A 30-feature logistic model written to a temporary models folder, so every column is validated and used. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOGISTIC_OUTPUTS, logisticToOnnx } from '../models/training/export-logistic';

export const WIDTH = 30;
export const FEATURES = Array.from({ length: WIDTH }, (_, j) => `f${j}`);

export function writeBenchModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-models-'));
  const model = {
    standardiser: { mean: FEATURES.map(() => 0), std: FEATURES.map(() => 50) },
    weights: [FEATURES.map((_, j) => Math.sin(j + 1))],
    intercepts: [0.1],
    classes: ['no', 'yes'],
  };
  const bytes = logisticToOnnx(model, 'bench');
  writeFileSync(join(dir, 'bench.onnx'), bytes);
  const manifest = {
    name: 'bench',
    version: '1',
    task: 'classification',
    features: FEATURES.map((name) => ({ name, type: 'float' })),
    classes: model.classes,
    positiveClass: 'yes',
    outputs: LOGISTIC_OUTPUTS,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  writeFileSync(join(dir, 'bench.json'), JSON.stringify(manifest));
  return dir;
}

/** numericCsv with a first column of Japanese names (passed through, not a feature). */
export function japaneseCsv(rows: number): string {
  const names = ['山田太郎', '鈴木花子', '佐藤一郎', '田中美咲', '高橋健'];
  return numericCsv(rows)
    .split('\r\n')
    .map((line, i) => (line === '' ? line : `${i === 0 ? '氏名' : names[i % names.length]},${line}`))
    .join('\r\n');
}

/** `rows` rows of 30 numeric columns, about 240 bytes a row. */
export function numericCsv(rows: number): string {
  const lines = [FEATURES.join(',')];
  for (let i = 0; i < rows; i++) {
    const cells = new Array<string>(WIDTH);
    for (let j = 0; j < WIDTH; j++) cells[j] = ((Math.sin(i * 31 + j) * 100) | 0) / 10 + '';
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
