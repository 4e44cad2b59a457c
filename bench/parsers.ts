/**
 * The CSV parsers alone on the 100k × 30 file, and with a quoted text column: csv-parse and
 * papaparse beside the service's own reader of chunks with quotes (text-records.ts), which follows
 * the CSV rules (README) that neither library can be set to (any of CRLF, LF and CR ends a record).
 * And the header check at the widest header read (issue 15: it was quadratic, 9.7 s at 80k columns).
 */
import { parse } from 'csv-parse/sync';
import Papa from 'papaparse';
import { numericCsv } from './bench-model';
import { CsvChunk } from '../service/src/csv/csv-chunk';
import { MAX_COLUMNS, TableReader } from '../service/src/table/read-table';
import { TextRecords } from '../service/src/csv/text-records';

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
  const ours = (csv: string) => () => {
    const records = new TextRecords(csv);
    while (records.advance());
  };
  console.log(`parsers alone, ${rows} rows × 30 cols (median of 5): csv-parse ${csvParse.toLocaleString('en')} rows/s; papaparse ${papa.toLocaleString('en')} rows/s (${(papa / csvParse).toFixed(1)}×); papaparse step mode ${papaStep.toLocaleString('en')} rows/s; text-records (ours) ${rate(ours(text), rows).toLocaleString('en')} rows/s`);
  const cell = '"a, ""b""",';
  const quoted = text.replace(/^(?=.)/gm, cell);
  const papaQuoted = rate(() => Papa.parse(quoted, { delimiter: ',', step: () => undefined }), rows);
  console.log(`the same with a quoted text column first: papaparse step mode ${papaQuoted.toLocaleString('en')} rows/s; text-records ${rate(ours(quoted), rows).toLocaleString('en')} rows/s`);
  const names = Array.from({ length: MAX_COLUMNS }, (_, i) => `c${i}`);
  const wide = `${names.join(',')}\r\n${names.map(() => '1').join(',')}\r\n`;
  const features = names.slice(0, 30).map((name) => ({ name, type: 'float' as const }));
  const perSecond = rate(() => new TableReader({ features, reserved: ['prediction'] }).read(new CsvChunk(Buffer.from(wide), 'utf-8')), 1);
  console.log(`a header of ${MAX_COLUMNS} columns and one row, read and checked (median of 5): ${(1000 / perSecond).toFixed(1)} ms`);
}
