/**
 * A sheet's predictions, kept run by run as the sheet is read (a few bytes a row), for writing the
 * answer once the whole sheet is known to be valid: the workbook's cells (write-back.ts) or the
 * CSV answer's rows (sheet-csv.ts).
 */
import type { Manifest } from '../models/manifest';
import type { Predictions } from '../models/predictions';
import { PROBABILITY_DIGITS, predictionText, writtenProbabilities } from '../csv/write-output';

export class SheetPredictions {
  private readonly runs: Predictions[] = [];
  /** The first row of each run. */
  private readonly starts: number[] = [];
  rows = 0;
  private readonly classes: number;
  /** The run found last: rows are mostly asked for in order, so the search starts there. */
  private last = 0;

  constructor(private readonly manifest: Manifest) {
    this.classes = manifest.classes?.length ?? 0;
  }

  add(run: Predictions, rows: number): void {
    this.runs.push(run);
    this.starts.push(this.rows);
    this.rows += rows;
  }

  /** How many rows predict each label (classifiers). */
  classCounts(): Record<string, number> | undefined {
    if (this.manifest.task !== 'classification') return undefined;
    const counts: Record<string, number> = {};
    for (const { codes, labels } of this.runs) for (const code of codes) counts[labels[code]] = (counts[labels[code]] ?? 0) + 1;
    return counts;
  }

  /** The rows [from, to) as one run, for the CSV answer's writer. */
  slice(from: number, to: number): Predictions {
    const k = this.runOf(from);
    const run = this.runs[k];
    const a = from - this.starts[k];
    const b = to - this.starts[k];
    if (b > run.codes.length && !(run.values && b <= run.values.length)) throw new Error(`rows ${from}–${to} cross a run of predictions`);
    return {
      labels: run.labels,
      codes: run.codes.subarray(Math.min(a, run.codes.length), Math.min(b, run.codes.length)),
      values: run.values?.subarray(a, b),
      probabilities: run.probabilities?.subarray(a * this.classes, b * this.classes),
    };
  }

  /** Where the runs end: a caller writing rows in runs of its own cuts them there. */
  runEnd(row: number): number {
    const k = this.runOf(row);
    return k + 1 < this.starts.length ? this.starts[k + 1] : this.rows;
  }

  /** The columns the answer adds for row `row`, as the workbook's cells hold them: the label (classifiers), then numbers. */
  cells(row: number): { label?: string; numbers: number[] } {
    const k = this.runOf(row);
    const run = this.runs[k];
    const i = row - this.starts[k];
    // Numbers as the CSV answer prints them, so both answers agree.
    if (run.values) return { numbers: [Number(predictionText(run.values[i]))] };
    const p = run.probabilities!;
    const numbers = writtenProbabilities(this.manifest, run).map((c) => Number(p[i * this.classes + c].toFixed(PROBABILITY_DIGITS)));
    return { label: run.labels[run.codes[i]], numbers };
  }

  /** The run holding `row`. */
  private runOf(row: number): number {
    if (row < 0 || row >= this.rows) throw new RangeError(`no prediction for row ${row}`);
    let k = this.last;
    if (this.starts[k] > row) k = 0;
    while (k + 1 < this.starts.length && this.starts[k + 1] <= row) k++;
    this.last = k;
    return k;
  }
}
