/**
 * A sheet's table as the table reader's records (table/records.ts): the header, then each run of
 * the sheet's rows (sheet-table.ts) as it streams, so a workbook is validated and predicted by the
 * same record loop as a CSV, without being written out as CSV text first. A record's row is its
 * data row (sheet row − header row, so blank sheet rows count); its line is the row as the CSV
 * answer writes it (cells quoted, or neutralised where one would run as a formula).
 */
import { isFormulaLike, quote, writeRow } from '../csv/cells';
import type { TableRecords, TableSource } from '../table/records';
import { cellRef, type SheetRecord } from './sheet-table';

/** Why a feature cell's formula cannot be read (the cell is named beside it). */
export const NO_SAVED_VALUE = 'the formula has no saved value; open the file in Excel (or LibreOffice) and save it, so its values are stored, then upload it again';

/** A cursor over rows of a sheet, already read. */
export class SheetRecords implements TableRecords {
  private at = -1;
  private current!: SheetRecord;

  /**
   * `headerRow` is the header's sheet row; `checked` the table's columns (0-based) whose formulas
   * must have saved values: the model's features (a formula elsewhere passes through empty).
   */
  constructor(
    private readonly rows: readonly SheetRecord[],
    private readonly headerRow: number,
    private readonly checked: ReadonlySet<number>,
  ) {}

  advance(): boolean {
    if (this.at + 1 >= this.rows.length) return false;
    this.current = this.rows[++this.at];
    return true;
  }

  get row(): number {
    return this.current.row - this.headerRow;
  }

  // Sheet rows are not bytes of the upload: the workbook's writers find them by row number.
  readonly start = -1;
  readonly end = -1;

  get width(): number {
    return this.current.cells.length;
  }

  get blank(): boolean {
    return this.current.missing.length === 0 && this.current.cells.every((c) => c === '');
  }

  get malformed(): { cell: number; message: string } | undefined {
    const column = this.current.missing.find((c) => this.checked.has(c - 1));
    return column === undefined ? undefined : { cell: column - 1, message: NO_SAVED_VALUE };
  }

  /** Cells are text as a CSV export would hold them (sheet-rows.ts): the table reader parses them as it does CSV text. */
  value(): number {
    return NaN;
  }

  text(k: number): string {
    return this.current.cells[k] ?? '';
  }

  cells(): string[] {
    return this.current.cells;
  }

  formulaLike(): boolean {
    return this.current.cells.some(isFormulaLike);
  }

  line(neutralised: boolean): string {
    return neutralised ? writeRow(this.current.cells) : this.current.cells.map((c) => quote(c)).join(',');
  }

  cellRef(k: number): string {
    return cellRef(k + 1, this.current.row);
  }

  /** The sheet row of the current record. */
  get sheetRow(): number {
    return this.current.row;
  }
}

/** The header and one run of the sheet's records, as the table reader takes a part of an upload. */
export function sheetSource(header: readonly string[], headerRow: number, rows: readonly SheetRecord[], checked: ReadonlySet<number>): TableSource {
  return {
    header: () => new SheetRecords([{ row: headerRow, cells: [...header], missing: [] }], headerRow, checked),
    records: () => new SheetRecords(rows, headerRow, checked),
  };
}
