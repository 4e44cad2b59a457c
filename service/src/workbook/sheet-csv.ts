/**
 * A workbook's answer as CSV (`?format=csv`): the sheet's table read again, row by row, each row as
 * the CSV answer writes a CSV upload's (cells quoted, neutralised where one would run as a formula)
 * with its predictions, by the CSV writer (csv/write-output.ts); UTF-8, comma, no byte order mark.
 */
import { COMMA } from '../csv/cells';
import { headerLine, writeRows } from '../csv/write-output';
import { collectEachStep } from '../memory';
import type { Manifest } from '../models/manifest';
import { OutBatches, type SendBatch } from './out-batches';
import { RUN_ROWS, type SheetPrediction } from './predict-sheet';
import { SheetRecords } from './sheet-records';
import type { SheetReading, SheetRecord } from './sheet-table';

/** Writes the CSV answer from a second reading of the sheet whose predictions are `predicted`. */
export async function writeSheetCsv(reading: SheetReading, manifest: Manifest, predicted: SheetPrediction, send: SendBatch): Promise<void> {
  const { predictions } = predicted;
  const out = new OutBatches(send);
  out.push(Buffer.from(headerLine(predicted.headerLine, manifest, COMMA)));
  let written = 0;
  let run: SheetRecord[] = [];
  const writeRun = () => {
    const records = new SheetRecords(run, reading.headerRow, new Set());
    let text = '';
    const spans = new Int32Array(run.length * 2);
    const neutralised: number[] = [];
    for (let i = 0; records.advance(); i++) {
      if (records.sheetRow !== predicted.rows[written + i]) throw new Error(`sheet row ${records.sheetRow} was not predicted`);
      spans[i * 2] = text.length;
      text += records.line(false);
      spans[i * 2 + 1] = text.length;
      if (records.formulaLike()) neutralised.push(i);
    }
    out.push(Buffer.from(writeRows({ text, spans, neutralised: Int32Array.from(neutralised), predictions: predictions.slice(written, written + run.length), delimiter: COMMA }, manifest)));
    written += run.length;
    run = [];
    collectEachStep();
  };
  for await (const record of reading.records) {
    if (written + run.length === predictions.rows) throw new Error(`the sheet has more rows than the ${predictions.rows} predicted`);
    run.push(record);
    // A run never crosses one of the predictions' runs, so its predictions are one slice.
    if (run.length === RUN_ROWS || written + run.length === predictions.runEnd(written)) writeRun();
    await out.flush();
  }
  if (run.length > 0) writeRun();
  if (written !== predictions.rows) throw new Error(`the sheet has ${written} rows for ${predictions.rows} predictions`);
  await out.flush(true);
}
