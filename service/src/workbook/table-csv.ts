/**
 * A sheet's table as the CSV the inference pool reads (UTF-8, comma): the header, then a line per
 * sheet row below it, so data row numbers stay sheet rows less the header row (an empty row is a
 * blank line, skipped but counted). The text is written into shared memory that grows as rows
 * come, which the pool's threads read in place, so it is never copied.
 */
import { quote } from '../csv/cells';
import { HttpProblem, type RowError } from '../http/problem';
import { cellRef, type SheetReading } from './sheet-table';

/**
 * Most bytes the table may take as text. A sheet's text can be far more than its XML (a long
 * shared string is stored once and may be referenced in every row): past this, 413.
 */
export const MAX_TABLE_BYTES = 96 * 1024 * 1024;

export interface TableCsv {
  /** The CSV, in shared memory. */
  csv: Uint8Array;
  /** The sheet row of each record, in order: the answer's rows, one each. */
  rows: Int32Array;
}

interface GrowableShared extends SharedArrayBuffer {
  grow(size: number): void;
}

/** Shared memory of `size` bytes that can grow to `max` (ES2024; Node 20 and later). */
function growableShared(size: number, max: number): GrowableShared {
  const Shared = SharedArrayBuffer as unknown as new (size: number, opts: { maxByteLength: number }) => GrowableShared;
  return new Shared(size, { maxByteLength: max });
}

const tooLarge = () =>
  new HttpProblem(413, 'too-large', `the sheet's table is larger than ${MAX_TABLE_BYTES >> 20} MiB as text; save the sheet as "CSV UTF-8" and split it, or split the workbook`);

/**
 * Writes the table's records as CSV. Formula cells of feature columns without a saved value
 * are refused (422, naming each cell), as the CSV rules cannot see them.
 */
export async function tableCsv(reading: SheetReading, features: readonly string[]): Promise<TableCsv> {
  const { headerRow, header } = reading;
  const wanted = new Set(features);
  const featureColumns = new Set(header.map((h, c) => (wanted.has(h.trim()) ? c + 1 : 0)).filter((c) => c > 0));
  let shared = growableShared(1 << 20, MAX_TABLE_BYTES);
  let out = Buffer.from(shared);
  let size = 0;
  const write = (text: string) => {
    const needed = size + Buffer.byteLength(text);
    if (needed > shared.byteLength) {
      if (needed > MAX_TABLE_BYTES) throw tooLarge();
      shared.grow(Math.min(MAX_TABLE_BYTES, Math.max(needed, shared.byteLength * 2)));
      out = Buffer.from(shared, 0, shared.byteLength);
    }
    size += out.write(text, size);
  };
  let rows = new Int32Array(1024);
  let count = 0;
  const errors: RowError[] = [];
  let totalErrors = 0;
  write(header.map((c) => quote(c)).join(',') + '\r\n');
  let previous = headerRow;
  for await (const record of reading.records) {
    for (const c of record.missing) {
      if (!featureColumns.has(c)) continue;
      totalErrors++;
      if (errors.length >= 100) continue;
      const cell = cellRef(c, record.row);
      errors.push({ row: record.row - headerRow, column: header[c - 1].trim(), cell, message: `${cell}: the formula has no saved value; open the file in Excel (or LibreOffice) and save it, so its values are stored, then upload it again` });
    }
    if (totalErrors > 0) continue;
    // Rows between records are empty: a blank line each keeps the numbering.
    write('\r\n'.repeat(record.row - previous - 1) + record.cells.map((c) => quote(c)).join(',') + '\r\n');
    previous = record.row;
    if (count === rows.length) {
      const grown = new Int32Array(rows.length * 2);
      grown.set(rows);
      rows = grown;
    }
    rows[count++] = record.row;
  }
  if (totalErrors > 0) {
    throw new HttpProblem(422, 'invalid-rows', `the upload has invalid rows: ${totalErrors} problem${totalErrors === 1 ? '' : 's'} found`, { errors, totalErrors });
  }
  const csv = new Uint8Array(shared, 0, size);
  shared = undefined as unknown as GrowableShared;
  return { csv, rows: rows.slice(0, count) };
}
