/** Validation metrics computed from predicted probabilities. */

/** Area under the ROC curve for one positive class (Mann–Whitney U, ties counted half). */
export function rocAuc(scores: number[], positives: boolean[]): number {
  const pos = scores.filter((_, i) => positives[i]);
  const neg = scores.filter((_, i) => !positives[i]);
  if (pos.length === 0 || neg.length === 0) throw new Error('AUC needs both positive and negative examples');
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** Binary: AUC of the positive class. Multiclass: macro average of one-vs-rest AUCs. */
export function auc(probabilities: number[][], labels: number[], classCount: number): number {
  if (classCount === 2) return rocAuc(probabilities.map((p) => p[1]), labels.map((l) => l === 1));
  let sum = 0;
  for (let k = 0; k < classCount; k++) sum += rocAuc(probabilities.map((p) => p[k]), labels.map((l) => l === k));
  return sum / classCount;
}

export function accuracy(probabilities: number[][], labels: number[]): number {
  const argmax = (p: number[]) => p.indexOf(Math.max(...p));
  return probabilities.filter((p, i) => argmax(p) === labels[i]).length / labels.length;
}

export function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}
