/**
 * Standardised multinomial (softmax) / binary (sigmoid) logistic regression, trained by
 * deterministic full-batch gradient descent. The same arithmetic scores rows in tests, as the
 * independent reference the ONNX graph's predictions are checked against.
 */

export interface Standardiser {
  mean: number[];
  std: number[];
}

export interface LogisticModel {
  standardiser: Standardiser;
  /** One row of weights per score: 1 row for binary (score of the positive class), else one per class. */
  weights: number[][];
  intercepts: number[];
  classes: string[];
}

export interface TrainOptions {
  iterations?: number;
  learningRate?: number;
  l2?: number;
}

export function fitStandardiser(rows: number[][]): Standardiser {
  const width = rows[0].length;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j] += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / rows.length));
  return { mean, std: std.map((s) => Math.sqrt(s) || 1) };
}

function standardise(s: Standardiser, row: number[]): number[] {
  return row.map((v, j) => (v - s.mean[j]) / s.std[j]);
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Probability per class for an already standardised row. */
function probaOfStandardised(model: Omit<LogisticModel, 'standardiser'>, x: number[]): number[] {
  const scores = model.weights.map((w, k) => w.reduce((acc, wj, j) => acc + wj * x[j], model.intercepts[k]));
  if (model.classes.length === 2) {
    const p = sigmoid(scores[0]);
    return [1 - p, p];
  }
  return softmax(scores);
}

/** Probability per class, in `model.classes` order. */
export function predictProba(model: LogisticModel, row: number[]): number[] {
  return probaOfStandardised(model, standardise(model.standardiser, row));
}

export function train(rows: number[][], labels: number[], classes: string[], opts: TrainOptions = {}): LogisticModel {
  const { iterations = 3000, learningRate = 0.5, l2 = 1e-3 } = opts;
  const standardiser = fitStandardiser(rows);
  const X = rows.map((r) => standardise(standardiser, r));
  const width = X[0].length;
  const scores = classes.length === 2 ? 1 : classes.length;
  const weights = Array.from({ length: scores }, () => new Array<number>(width).fill(0));
  const intercepts = new Array<number>(scores).fill(0);

  for (let it = 0; it < iterations; it++) {
    const gradW = weights.map((w) => w.map(() => 0));
    const gradB = intercepts.map(() => 0);
    X.forEach((x, i) => {
      const p = probaOfStandardised({ weights, intercepts, classes }, x);
      for (let k = 0; k < scores; k++) {
        // Binary: one score, the positive class (index 1). Multiclass: one score per class.
        const target = scores === 1 ? (labels[i] === 1 ? 1 : 0) : labels[i] === k ? 1 : 0;
        const err = (scores === 1 ? p[1] : p[k]) - target;
        gradB[k] += err / X.length;
        for (let j = 0; j < width; j++) gradW[k][j] += (err * x[j]) / X.length;
      }
    });
    for (let k = 0; k < scores; k++) {
      intercepts[k] -= learningRate * gradB[k];
      for (let j = 0; j < width; j++) weights[k][j] -= learningRate * (gradW[k][j] + l2 * weights[k][j]);
    }
  }
  return { standardiser, weights, intercepts, classes };
}
