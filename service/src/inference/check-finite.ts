/**
 * The model's answers checked before they are written. A module of its own: the workbook's thread
 * uses it without predict-csv.ts, which brings the CSV writer and with it iconv-lite (0.5 MB of the
 * thread's 0.7 MB of code).
 */
import type { Predictions } from '../models/predictions';
import type { ErrorList, RowsRead } from '../table/read-table';

/**
 * Names the rows the model gave no finite answer for: values a float32 holds can still overflow
 * the model's own arithmetic (3.4e38 scaled and summed is Infinity, and Infinity − Infinity NaN).
 * The column named is the row's largest value, the likeliest cause.
 */
export function checkFinite(predictions: Predictions, rows: RowsRead, errors: ErrorList): void {
  const { values, probabilities } = predictions;
  const width = probabilities ? probabilities.length / rows.rows : 0;
  for (let i = 0; i < rows.rows; i++) {
    let finite = values ? Number.isFinite(values[i]) : true;
    for (let k = 0; k < width && finite; k++) finite = Number.isFinite(probabilities![i * width + k]);
    if (finite) continue;
    let largest: { name: string; value: number } | undefined;
    for (const { feature, values: column } of rows.columns) {
      if (!(column instanceof Float64Array)) continue;
      const value = column[i];
      if (!largest || Math.abs(value) > Math.abs(largest.value)) largest = { name: feature.name, value };
    }
    errors.add(rows.rowNumbers[i], largest?.name ?? null, `the model's arithmetic overflows on this row (its largest value is ${largest?.value}): no prediction can be made; use values of a smaller magnitude`);
  }
}
