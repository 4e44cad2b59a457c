/** What a model gave for a run of rows: made by inference/run-model.ts, written out by the writers. */
export interface Predictions {
  /** Classifiers: per row, which of `labels` it predicts (empty for regressors). */
  codes: Uint32Array;
  /** Classifiers: the predicted labels as output text, each once. */
  labels: string[];
  /** Regressors: the predicted values (numbers, not text: a long upload has as many as rows). */
  values?: Float64Array;
  /** Row-major [rows × classes] probabilities, classifiers only. */
  probabilities?: Float32Array;
}
