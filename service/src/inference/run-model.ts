/** Feeds a validated table to an onnxruntime session, thousands of rows per run, never one. */
import * as ort from 'onnxruntime-node';
import type { FeatureColumn } from '../table/read-table';
import type { Predictions } from '../models/predictions';
import type { LoadedModel } from '../models/registry';
import { predictionText } from '../csv/write-output';

/** Large enough that per-run overhead vanishes, small enough to bound tensor memory. */
const ROWS_PER_RUN = 65_536;

function tensorFor(column: FeatureColumn, type: string, start: number, end: number, rows: number, rank: number): ort.Tensor {
  const dims = rank === 1 ? [rows] : [rows, 1];
  if (type === 'string') {
    const slice = (column.values as string[]).slice(start, end);
    return new ort.Tensor('string', [...slice, ...new Array<string>(rows - slice.length).fill('')], dims);
  }
  // Rows past `end` (padding up to a fixed batch) stay zero.
  const numbers = (column.values as Float64Array).subarray(start, end);
  if (type === 'int64') {
    const data = new BigInt64Array(rows);
    numbers.forEach((v, i) => (data[i] = BigInt(v)));
    return new ort.Tensor('int64', data, dims);
  }
  const data = type === 'float64' ? new Float64Array(rows) : new Float32Array(rows);
  data.set(numbers);
  return new ort.Tensor(type === 'float64' ? 'float64' : 'float32', data, dims);
}

function feeds(model: LoadedModel, columns: FeatureColumn[], start: number, end: number, rows: number): Record<string, ort.Tensor> {
  const plan = model.plan.inputs;
  if (plan.kind === 'columns') {
    return Object.fromEntries(plan.inputs.map((input, k) => [input.name, tensorFor(columns[k], input.type, start, end, rows, input.rank)]));
  }
  // Rows past `end` (padding up to a fixed batch) stay zero and their outputs are dropped.
  const width = plan.width;
  const data = plan.type === 'float64' ? new Float64Array(rows * width) : new Float32Array(rows * width);
  for (let j = 0; j < width; j++) {
    const values = columns[j].values as Float64Array;
    for (let i = start; i < end; i++) data[(i - start) * width + j] = values[i];
  }
  return { [plan.name]: new ort.Tensor(plan.type, data, [rows, width]) };
}

export async function runModel(session: ort.InferenceSession, model: LoadedModel, columns: FeatureColumn[], rowCount: number): Promise<Predictions> {
  const { outputs, classes } = model.manifest;
  const step = model.plan.fixedBatch ?? ROWS_PER_RUN;
  const regression = model.manifest.task === 'regression';
  const codes = new Uint32Array(regression ? 0 : rowCount);
  const values = regression ? new Float64Array(rowCount) : undefined;
  const labels: string[] = [];
  // Keyed by the output's own value (number, bigint or string), so each label is formatted once.
  const codeOf = new Map<unknown, number>();
  const classCount = classes?.length ?? 0;
  const probabilities = outputs.probabilities ? new Float32Array(rowCount * classCount) : undefined;
  for (let start = 0; start < rowCount; start += step) {
    const end = Math.min(rowCount, start + step);
    const rows = model.plan.fixedBatch ?? end - start;
    const result = await session.run(feeds(model, columns, start, end, rows));
    const label = result[outputs.prediction].data as ArrayLike<unknown>;
    // A regressor's output is a float tensor; rows past `end` are a fixed batch's padding.
    if (values) {
      values.set((label as Float32Array | Float64Array).subarray(0, end - start), start);
    } else {
      for (let i = 0; i < end - start; i++) {
        let code = codeOf.get(label[i]);
        if (code === undefined) codeOf.set(label[i], (code = labels.push(predictionText(label[i])) - 1));
        codes[start + i] = code;
      }
    }
    if (probabilities) {
      const p = result[outputs.probabilities!].data as Float32Array;
      probabilities.set(p.subarray(0, (end - start) * classCount), start * classCount);
    }
    for (const tensor of Object.values(result)) tensor.dispose();
  }
  return { codes, labels, values, probabilities };
}
