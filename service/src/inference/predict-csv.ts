/** One prediction job, start to end: bytes in, validated, predicted, bytes out (or a problem). */
import type * as ort from 'onnxruntime-node';
import { decodeUpload, TextEncoding } from '../csv/decode';
import { InvalidRowsProblem, readTable } from '../csv/read-table';
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
  /**
   * Set when the upload was split: this is piece `index`, `header` is the upload's header record,
   * and `encoding` what the whole upload was detected as.
   */
  part?: { index: number; header?: Uint8Array; encoding?: TextEncoding };
}

export type PredictOutcome =
  | {
      ok: true;
      /** The answer's bytes, in order: one piece for a whole upload, one per piece of a split one. */
      body: Uint8Array[];
      rows: number;
      /** Records read after the header, blank lines included (the numbering of the next piece starts after it). */
      recordCount: number;
      inputEncoding: TextEncoding;
      outputEncoding: TextEncoding;
      classCounts?: Record<string, number>;
    }
  | { ok: false; problem: ProblemBody; recordCount?: number };

function countClasses(predictions: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of predictions) counts[p] = (counts[p] ?? 0) + 1;
  return counts;
}

function withHeader(header: Uint8Array | undefined, bytes: Uint8Array): Uint8Array {
  if (!header) return bytes;
  const joined = new Uint8Array(header.length + bytes.length);
  joined.set(header);
  joined.set(bytes, header.length);
  return joined;
}

export async function predictCsv(task: PredictTask, model: LoadedModel, session: ort.InferenceSession): Promise<PredictOutcome> {
  try {
    const decoded = decodeUpload(withHeader(task.part?.header, task.bytes), task.encoding, task.part?.encoding);
    // The text is all that is read from here on: let the upload's bytes go.
    task.bytes = new Uint8Array(0);
    const table = readTable(decoded.text, {
      features: model.manifest.features,
      imputed: new Set(model.plan.imputed),
      reserved: outputColumns(model.manifest),
      allowNoRows: task.part !== undefined,
    });
    const rows = table.lines.length;
    const result = await runModel(session, model, table.columns, rows);
    // Shift_JIS or BOM input is a spreadsheet's export: UTF-8 with BOM is what Excel opens correctly.
    const outputEncoding = task.outputEncoding ?? 'utf-8';
    const first = (task.part?.index ?? 0) === 0;
    const bom = first && outputEncoding === 'utf-8' && (decoded.hadBom || decoded.encoding === 'shift_jis');
    const body = writeOutput(table, model.manifest, result, { encoding: outputEncoding, bom, header: first });
    const classCounts = model.manifest.task === 'classification' ? countClasses(result.predictions) : undefined;
    return { ok: true, body: [body], rows, recordCount: table.recordCount, inputEncoding: decoded.encoding, outputEncoding, classCounts };
  } catch (error) {
    if (error instanceof InvalidRowsProblem) return { ok: false, problem: error.toBody(), recordCount: error.recordCount };
    if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
    throw error;
  }
}
