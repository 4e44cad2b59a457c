/**
 * Reads a sheet's table and predicts it, run by run as the sheet streams, in the workbook's own
 * thread: its records go through the table reader (the same checks as a CSV's, table/read-table.ts)
 * and each run of valid rows through the model, keeping only the predictions and the sheet row of
 * each (a few bytes a row). Nothing else of the sheet is held; the answer is written from a second
 * read of it (write-back.ts, sheet-csv.ts) once the whole sheet is known to be valid.
 */
import type * as ort from 'onnxruntime-node';
import { outputColumns } from '../csv/write-output';
import { HttpProblem } from '../http/problem';
import { checkFinite } from '../inference/check-finite';
import { collectEachStep } from '../memory';
import { runModel } from '../inference/run-model';
import type { LoadedModel } from '../models/registry';
import { TableReader } from '../table/read-table';
import { sheetSource } from './sheet-records';
import { SheetPredictions } from './sheet-predictions';
import { withCells, type SheetReading, type SheetRecord } from './sheet-table';

/** Sheet rows read and predicted at a time: as many as a CSV chunk holds, about. */
export const RUN_ROWS = 1024;

export interface SheetPrediction {
  /** The sheet row of each predicted row, ascending. */
  rows: Int32Array;
  predictions: SheetPredictions;
  /** The header as the CSV answer writes it. */
  headerLine: string;
}

/** The table's columns (0-based) that hold the model's features. */
export function featureColumns(header: readonly string[], model: LoadedModel): Set<number> {
  const wanted = new Set(model.manifest.features.map((f) => f.name));
  return new Set(header.flatMap((h, c) => (wanted.has(h.trim()) ? [c] : [])));
}

/**
 * The sheet's predictions; a bad sheet is an HttpProblem whose row errors name their cells (D6),
 * all of the sheet's listed, as for a CSV.
 */
export async function predictSheet(reading: SheetReading, model: LoadedModel, session: ort.InferenceSession): Promise<SheetPrediction> {
  const { manifest } = model;
  const reader = new TableReader({ features: manifest.features, imputed: new Set(model.plan.imputed), reserved: outputColumns(manifest) });
  const checked = featureColumns(reading.header, model);
  const predictions = new SheetPredictions(manifest);
  let rows = new Int32Array(RUN_ROWS);
  let run: SheetRecord[] = [];
  const readRun = async () => {
    const read = reader.read(sheetSource(reading.header, reading.headerRow, run, checked));
    run = [];
    collectEachStep();
    // Once a row is invalid there will be no answer: only errors are gathered.
    if (!reader.valid || read.rows === 0) return;
    const predicted = await runModel(session, model, read.columns, read.rows);
    checkFinite(predicted, read, reader.errors);
    if (!reader.valid) return;
    if (predictions.rows + read.rows > rows.length) {
      const grown = new Int32Array(Math.max(rows.length * 2, predictions.rows + read.rows));
      grown.set(rows);
      rows = grown;
    }
    for (let i = 0; i < read.rows; i++) rows[predictions.rows + i] = reading.headerRow + read.rowNumbers[i];
    predictions.add(predicted, read.rows);
  };
  try {
    // The header first, so a sheet that does not fit the model is refused before its rows are read.
    await readRun();
    for await (const record of reading.records) {
      run.push(record);
      if (run.length === RUN_ROWS) await readRun();
    }
    await readRun();
    reader.finish();
  } catch (error) {
    if (!(error instanceof HttpProblem) || !error.extra.errors) throw error;
    throw new HttpProblem(error.status, error.slug, error.detail, { ...error.extra, errors: withCells(error.extra.errors, reading) });
  }
  return { rows: rows.slice(0, predictions.rows), predictions, headerLine: reader.headerLine };
}
