/** One prediction job, start to end: bytes in, validated, predicted, bytes out (or a problem). */
import type * as ort from 'onnxruntime-node';
import { decodeUpload, TextEncoding } from '../csv/decode';
import { readTable } from '../csv/read-table';
import { outputColumns, writeOutput } from '../csv/write-output';
import { HttpProblem, ProblemBody } from '../http/problem';
import type { LoadedModel } from '../models/registry';
import { runModel } from './run-model';

export interface PredictTask {
  model: string;
  bytes: Uint8Array;
  /** Forced input encoding; undefined detects UTF-8 or Shift_JIS. */
  encoding?: TextEncoding;
  outputEncoding?: TextEncoding;
}

export type PredictOutcome =
  | { ok: true; body: Uint8Array; rows: number; inputEncoding: TextEncoding; outputEncoding: TextEncoding; classCounts?: Record<string, number> }
  | { ok: false; problem: ProblemBody; rows?: number };

function countClasses(predictions: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of predictions) counts[p] = (counts[p] ?? 0) + 1;
  return counts;
}

export async function predictCsv(task: PredictTask, model: LoadedModel, session: ort.InferenceSession): Promise<PredictOutcome> {
  try {
    const decoded = decodeUpload(task.bytes, task.encoding);
    const table = readTable(decoded.text, { features: model.manifest.features, imputed: new Set(model.plan.imputed), reserved: outputColumns(model.manifest) });
    const rows = table.lines.length;
    const result = await runModel(session, model, table.columns, rows);
    // Shift_JIS or BOM input is a spreadsheet's export: UTF-8 with BOM is what Excel opens correctly.
    const outputEncoding = task.outputEncoding ?? 'utf-8';
    const bom = outputEncoding === 'utf-8' && (decoded.hadBom || decoded.encoding === 'shift_jis');
    const body = writeOutput(table, model.manifest, result, { encoding: outputEncoding, bom });
    const classCounts = model.manifest.task === 'classification' ? countClasses(result.predictions) : undefined;
    return { ok: true, body, rows, inputEncoding: decoded.encoding, outputEncoding, classCounts };
  } catch (error) {
    if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
    throw error;
  }
}
