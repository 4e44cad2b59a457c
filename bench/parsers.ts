/** The CSV parsers alone on the 100k × 30 file: why papaparse is on the hot path rather than csv-parse. */
import { parse } from 'csv-parse/sync';
import Papa from 'papaparse';
import { numericCsv } from './bench-model';

function rate(fn: () => unknown, rows: number): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return Math.round((rows / [...times].sort((a, b) => a - b)[2]) * 1000);
}

export function compareParsers(): void {
  const rows = 100_000;
  const text = numericCsv(rows);
  const csvParse = rate(() => parse(text), rows);
  const papa = rate(() => Papa.parse(text, { delimiter: ',' }), rows);
  const papaStep = rate(() => Papa.parse(text, { delimiter: ',', step: () => undefined }), rows);
  console.log(`parsers alone, ${rows} rows × 30 cols (median of 5): csv-parse ${csvParse.toLocaleString('en')} rows/s; papaparse ${papa.toLocaleString('en')} rows/s (${(papa / csvParse).toFixed(1)}×); papaparse step mode ${papaStep.toLocaleString('en')} rows/s`);
}
