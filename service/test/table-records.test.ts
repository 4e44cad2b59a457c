/**
 * The one shape every format is read through (table/records.ts): a source that is not CSV at all —
 * rows of cells that are numbers or text, numbered by sheet row, with cell references, as a
 * workbook's streaming reader gives them — is validated by the same table reader, and gives what
 * the same table written as CSV gives.
 */
import fc from 'fast-check';
import { COMMA, isFormulaLike, writeRow } from '../src/csv/cells';
import { CsvChunk } from '../src/csv/csv-chunk';
import type { Feature } from '../src/models/manifest';
import { TableReader } from '../src/table/read-table';
import type { TableRecords, TableSource } from '../src/table/records';

type Cell = string | number;

const letters = (column: number) => String.fromCharCode(65 + column);

/** A sheet's rows as a workbook reader would give them: `headerRow` is the header's sheet row. */
class SheetRecords implements TableRecords {
  row = 0;
  readonly start = -1;
  readonly end = -1;
  readonly malformed = undefined;
  private at = -1;
  constructor(
    private readonly rows: Cell[][],
    private readonly headerRow: number,
    private readonly first: number,
  ) {
    this.at = first - 1;
  }
  private get cellsOf(): Cell[] {
    return this.rows[this.at];
  }
  advance(): boolean {
    if (++this.at >= this.rows.length) return false;
    this.row = this.at;
    return true;
  }
  get width(): number {
    return this.cellsOf.length;
  }
  get blank(): boolean {
    return this.cellsOf.length === 0;
  }
  value(k: number): number {
    const cell = this.cellsOf[k];
    return typeof cell === 'number' ? cell : NaN;
  }
  text(k: number): string {
    return String(this.cellsOf[k] ?? '');
  }
  cells(): string[] {
    return this.cellsOf.map(String);
  }
  formulaLike(): boolean {
    return this.cells().some(isFormulaLike);
  }
  line(neutralised: boolean): string {
    return neutralised ? writeRow(this.cells()) : this.cells().join(',');
  }
  cellRef(k: number): string {
    return `${letters(k)}${this.headerRow + this.at}`;
  }
}

function sheet(rows: Cell[][], headerRow = 1): TableSource {
  return { header: () => new SheetRecords(rows, headerRow, 0), records: () => new SheetRecords(rows, headerRow, 1) };
}

const features: Feature[] = [
  { name: 'a', type: 'float' },
  { name: 'b', type: 'int64' },
];

/** What the reader made of a table: its rows, or its errors; and the cells the errors name, apart. */
function readWith(source: TableSource) {
  const reader = new TableReader({ features, reserved: ['prediction'] });
  let read: object;
  try {
    const rows = reader.read(source);
    reader.finish();
    read = { rows: rows.rows, rowNumbers: Array.from(rows.rowNumbers), columns: rows.columns.map((c) => Array.from(c.values as Float64Array)), neutralised: Array.from(rows.neutralised) };
  } catch (error) {
    read = { error: String(error) };
  }
  return { read, errors: reader.errors.listed.map(({ cell, ...rest }) => rest), cells: reader.errors.listed.map((e) => e.cell) };
}

describe('a table that is not CSV, through the same reader', () => {
  it('reads numeric cells as numbers and names the cell at fault by its reference', () => {
    const rows: Cell[][] = [['a', 'b', 'note'], [1.5, 2, 'x'], [], ['2', 3.5, '=1+2'], ['abc', 4, 'y']];
    const { errors, cells } = readWith(sheet(rows, 3));
    expect(errors).toEqual([
      { row: 3, column: 'b', message: '"3.5" is not a whole number' },
      { row: 4, column: 'a', message: '"abc" is not a number' },
    ]);
    expect(cells).toEqual(['B6', 'A7']);
  });

  it('gives what the same table written as CSV gives', () => {
    // -0 is written "0" in a CSV.
    const number = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => Math.fround(x) || 0));
    const text = fc.constantFrom('x', '=1+2', '', ' 7 ', '1e3', 'abc', '-4', '3.5');
    const row = fc.tuple(fc.oneof(number, text), fc.oneof(fc.integer({ min: -9, max: 9 }), number, text), text);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), (body) => {
        const rows: Cell[][] = [['a', 'b', 'note'], ...body];
        const csv = rows.map((r) => r.map((c) => (typeof c === 'number' ? String(c) : `"${c}"`)).join(',')).join('\r\n');
        const fromCsv = readWith(new CsvChunk(Buffer.from(csv), 'utf-8', { delimiter: COMMA }));
        const fromSheet = readWith(sheet(rows));
        expect([fromSheet.read, fromSheet.errors]).toEqual([fromCsv.read, fromCsv.errors]);
        // A CSV's errors need no cell reference (row and column say where); a sheet's each have one.
        expect(fromCsv.cells.every((c) => c === undefined)).toBe(true);
        expect(fromSheet.cells.every((c) => c !== undefined)).toBe(true);
      }),
      { numRuns: 200, seed: 16 },
    );
  });
});
