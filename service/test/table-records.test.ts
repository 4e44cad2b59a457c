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
import { NO_SAVED_VALUE, sheetSource } from '../src/workbook/sheet-records';
import type { SheetRecord } from '../src/workbook/sheet-table';

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

/** What the reader made of a table read in parts: its rows joined, or its problem; and its errors, the cells they name apart. */
function readParts(parts: TableSource[]) {
  const reader = new TableReader({ features, reserved: ['prediction'] });
  const joined = { rows: 0, rowNumbers: [] as number[], columns: features.map((): number[] => []), neutralised: [] as number[] };
  let read: object;
  try {
    for (const part of parts) {
      const rows = reader.read(part);
      if (!reader.valid) continue;
      joined.neutralised.push(...Array.from(rows.neutralised, (i) => joined.rows + i));
      joined.rows += rows.rows;
      joined.rowNumbers.push(...rows.rowNumbers);
      rows.columns.forEach((c, k) => joined.columns[k].push(...(c.values as Float64Array)));
    }
    reader.finish();
    read = joined;
  } catch (error) {
    read = { error: String(error) };
  }
  return { read, errors: reader.errors.listed.map(({ cell, ...rest }) => rest), cells: reader.errors.listed.map((e) => e.cell) };
}

describe("the workbook reader's records (workbook/sheet-records.ts)", () => {
  const cell = fc.constantFrom('1', '-2.5', '1e3', ' 7 ', '3.5', '', 'abc', '=1+2', 'x,y', 'say "hi"', '0x10', '1,5', '山田');
  // A sheet's rows below the header: each some rows after the one before (a gap is empty rows, which
  // the sheet reader leaves out), cut into runs anywhere.
  // Mostly valid numbers, so that many tables are valid and their rows compared, not just their errors.
  const number = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('1', '-2', '1e3', ' 7 ', '0') }, { weight: 1, arbitrary: cell });
  const cells = fc.tuple(number, number, cell).filter((r) => r.some((c) => c !== ''));
  const sheetRows = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 2 }), cells }), { minLength: 0, maxLength: 40 });

  it('in runs cut anywhere, below a header on any row, give what the same table as CSV gives; each error names its cell', () => {
    let valid = 0;
    let neutralised = 0;
    fc.assert(
      fc.property(sheetRows, fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(40), { maxLength: 5 }), (body, headerRow, cuts) => {
        const header = ['a', 'b', 'note'];
        let row = headerRow;
        const records: SheetRecord[] = body.map(({ gap, cells }) => ({ row: (row += gap + 1), cells: [...cells], missing: [] }));
        // The same table as CSV: an empty line for each empty sheet row, so data rows are numbered alike.
        let csv = header.join(',');
        let previous = headerRow;
        for (const r of records) {
          csv += '\r\n'.repeat(r.row - previous) + r.cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');
          previous = r.row;
        }
        const fromCsv = readWith(new CsvChunk(Buffer.from(csv), 'utf-8', { delimiter: COMMA }));
        const bounds = [0, ...cuts.filter((c) => c < records.length).sort((a, b) => a - b), records.length];
        const parts = bounds.slice(1).map((end, k) => sheetSource(header, headerRow, records.slice(bounds[k], end), new Set([0, 1])));
        // At least one part, so the header is read even when there are no rows.
        const fromSheet = readParts(parts.length > 0 ? parts : [sheetSource(header, headerRow, [], new Set([0, 1]))]);
        expect([fromSheet.read, fromSheet.errors]).toEqual([fromCsv.read, fromCsv.errors]);
        if (!('error' in fromCsv.read)) valid++;
        if ((fromCsv.read as { neutralised?: number[] }).neutralised?.length) neutralised++;
        fromSheet.errors.forEach((e, i) => {
          const column = e.column === null ? -1 : header.indexOf(e.column);
          expect(fromSheet.cells[i]).toBe(column === -1 ? undefined : `${letters(column)}${headerRow + (e.row as number)}`);
        });
      }),
      { numRuns: 300, seed: 20 },
    );
    // The runs compared rows, neutralised ones among them, not only errors.
    expect(valid).toBeGreaterThan(50);
    expect(neutralised).toBeGreaterThan(10);
  });

  it("name a feature's formula without a saved value as the row's problem, and pass one in another column", () => {
    const rows: SheetRecord[] = [
      { row: 3, cells: ['1', '2', ''], missing: [3] },
      { row: 4, cells: ['1', '', ''], missing: [2] },
      { row: 5, cells: ['', '2', 'x'], missing: [1, 2] },
    ];
    const { read, errors, cells } = readParts([sheetSource(['a', 'b', 'note'], 2, rows, new Set([0, 1]))]);
    expect(read).toEqual({ error: expect.stringContaining('2 problems found') });
    expect(errors).toEqual([
      { row: 2, column: 'b', message: NO_SAVED_VALUE },
      { row: 3, column: 'a', message: NO_SAVED_VALUE },
    ]);
    expect(cells).toEqual(['B4', 'A5']);
  });
});
