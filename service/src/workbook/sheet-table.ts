/**
 * One sheet of a workbook as the table the CSV readers take: the header row (the first, or the
 * first of the top 20 that names the model's features, or `?header_row=`), then each row below it
 * as a CSV record, so that a workbook is checked and predicted by the same rules as a CSV. Cells
 * become the text a CSV export would hold: numbers as numbers, numbers stored as text as they are,
 * formulas as their saved values. Empty rows and columns after the table are left out; an empty
 * row inside it is a blank line (skipped, but counted, so data row numbers stay sheet rows).
 */
import type { CellValue, Workbook, Worksheet } from 'exceljs';
import { quote } from '../csv/cells';
import { HttpProblem, RowError } from '../http/problem';

/** Rows looked at for a header below title rows. */
const HEADER_SEARCH_ROWS = 20;

export interface SheetTable {
  sheet: Worksheet;
  /** The header's sheet row (1-based). */
  headerRow: number;
  /** Columns of the table: 1 to width. */
  width: number;
  /** The header's cells, as read. */
  header: string[];
  /** Sheet rows of the data rows, in order, empty rows included (their CSV line is blank). */
  lastRow: number;
  /** The table as CSV (UTF-8, comma): header, then one line per sheet row below it. */
  csv: Buffer;
}

export interface SheetChoice {
  sheet?: string;
  headerRow?: number;
}

/** Column letters of a 1-based column number: 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let out = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

/** Reads `?header_row=`: a sheet row from 1. */
export function parseHeaderRow(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1)) throw new HttpProblem(400, 'bad-parameter', `header_row must be a sheet row number from 1 (got ${JSON.stringify(value)})`);
  return n;
}

/** Reads `?sheet=`: a sheet's name. */
export function parseSheetName(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new HttpProblem(400, 'bad-parameter', 'sheet must be given once, as a sheet name');
  return value;
}

type Plain = string | number | boolean | Date | null | undefined | { error: string };

/** A cell's value with formulas replaced by their saved results; `missing` when a formula has none. */
function plainValue(value: CellValue): Plain | 'missing' {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: unknown }).result;
    return result === undefined ? 'missing' : plainValue(result as CellValue);
  }
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('hyperlink' in value) return String((value as { text?: unknown }).text ?? '');
  if ('error' in value) return { error: String(value.error) };
  return String(value);
}

/** A date as the ISO text a CSV export would hold: the day alone when it has no time of day. */
function dateText(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

/** A cell's text as read by the CSV rules. */
export function cellText(value: Plain): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') return value.error;
  return value;
}

function rowTexts(sheet: Worksheet, row: number, width: number): string[] {
  const r = sheet.getRow(row);
  return Array.from({ length: width }, (_, c) => {
    const plain = plainValue(r.getCell(c + 1).value);
    return plain === 'missing' ? '' : cellText(plain);
  });
}

/** How many of `features` a row's cells name. */
function named(sheet: Worksheet, row: number, features: ReadonlySet<string>): number {
  const cells = new Set(rowTexts(sheet, row, sheet.columnCount).map((c) => c.trim()));
  let n = 0;
  for (const f of features) if (cells.has(f)) n++;
  return n;
}

/** The header: the first of the top rows that names every feature, else the one naming the most (the first row when none names any). */
function findHeader(sheet: Worksheet, features: ReadonlySet<string>): number {
  let best = 1;
  let most = 0;
  for (let row = 1; row <= Math.min(HEADER_SEARCH_ROWS, sheet.rowCount); row++) {
    const n = named(sheet, row, features);
    if (n === features.size) return row;
    if (n > most) [best, most] = [row, n];
  }
  return best;
}

/** The workbook's sheets and whether each names any of the model's columns in its top rows. */
function sheetList(workbook: Workbook, features: ReadonlySet<string>): { name: string; hasModelColumns: boolean }[] {
  return workbook.worksheets.map((s) => ({
    name: s.name,
    hasModelColumns: Array.from({ length: Math.min(HEADER_SEARCH_ROWS, s.rowCount) }, (_, k) => named(s, k + 1, features)).some((n) => n > 0),
  }));
}

function listSheets(sheets: ReturnType<typeof sheetList>): string {
  return sheets.map((s) => `"${s.name}"${s.hasModelColumns ? ' (has the model\'s columns)' : ''}`).join(', ');
}

/** The last column of `row` with a value. */
function lastFilled(sheet: Worksheet, row: number): number {
  const texts = rowTexts(sheet, row, sheet.columnCount);
  let last = texts.length;
  while (last > 0 && texts[last - 1].trim() === '') last--;
  return last;
}

/** Whether the sheet row has no value in the table's columns. */
export function isEmptyRow(sheet: Worksheet, row: number, width: number): boolean {
  const r = sheet.getRow(row);
  if (!r.hasValues) return true;
  for (let c = 1; c <= width; c++) {
    const v = r.getCell(c).value;
    if (v !== null && v !== undefined && v !== '') return false;
  }
  return true;
}

/**
 * The chosen sheet's table as CSV. Formula cells of feature columns without a saved value are
 * refused here (422, naming each cell), as a CSV reader cannot see them.
 */
export function sheetTable(workbook: Workbook, features: readonly string[], choice: SheetChoice): SheetTable {
  const wanted = new Set(features);
  const sheet = choice.sheet === undefined ? workbook.worksheets[0] : workbook.getWorksheet(choice.sheet);
  // The sheets are listed in the problem too, so a client (the page) can offer them to choose from.
  if (!sheet) {
    const sheets = sheetList(workbook, wanted);
    const detail = choice.sheet === undefined ? 'the workbook has no sheets' : `the workbook has no sheet named "${choice.sheet}"; its sheets: ${listSheets(sheets)}`;
    throw new HttpProblem(choice.sheet === undefined ? 422 : 400, 'unknown-sheet', detail, { sheets });
  }
  const headerRow = choice.headerRow ?? findHeader(sheet, wanted);
  if (named(sheet, headerRow, wanted) === 0 && features.length > 0) {
    const where = choice.headerRow ? `row ${headerRow} of sheet "${sheet.name}"` : `sheet "${sheet.name}" (its first ${HEADER_SEARCH_ROWS} rows)`;
    const sheets = sheetList(workbook, wanted);
    throw new HttpProblem(422, 'no-model-columns', `${where} names none of the model's columns (${features.join(', ')}); the workbook's sheets: ${listSheets(sheets)}. Pick one with ?sheet= (and ?header_row= if the header is not found)`, { sheets });
  }
  const width = Math.max(1, lastFilled(sheet, headerRow));
  let lastRow = sheet.rowCount;
  while (lastRow > headerRow && isEmptyRow(sheet, lastRow, width)) lastRow--;
  const header = rowTexts(sheet, headerRow, width);
  const featureColumns = header.map((h, c) => (wanted.has(h.trim()) ? c + 1 : 0)).filter((c) => c > 0);
  const errors: RowError[] = [];
  const lines: string[] = [header.map((c) => quote(c)).join(',')];
  for (let row = headerRow + 1; row <= lastRow; row++) {
    if (isEmptyRow(sheet, row, width)) {
      lines.push('');
      continue;
    }
    const r = sheet.getRow(row);
    for (const c of featureColumns) {
      if (plainValue(r.getCell(c).value) !== 'missing') continue;
      const cell = `${columnLetters(c)}${row}`;
      errors.push({ row: row - headerRow, column: header[c - 1].trim(), cell, message: `${cell}: the formula has no saved value; open the file in Excel (or LibreOffice) and save it, so its values are stored, then upload it again` });
    }
    lines.push(rowTexts(sheet, row, width).map((c) => quote(c)).join(','));
  }
  if (errors.length > 0) {
    throw new HttpProblem(422, 'invalid-rows', `the upload has invalid rows: ${errors.length} problem${errors.length === 1 ? '' : 's'} found`, { errors: errors.slice(0, 100), totalErrors: errors.length });
  }
  return { sheet, headerRow, width, header, lastRow, csv: Buffer.from(lines.join('\r\n') + '\r\n', 'utf8') };
}

/** Names each row error's cell (e.g. D6): the data row is counted from the header row, the column is the header's. */
export function withCells(errors: RowError[] | undefined, table: Pick<SheetTable, 'headerRow' | 'header'>): RowError[] | undefined {
  if (!errors) return errors;
  const header = table.header.map((h) => h.trim());
  return errors.map((e) => {
    const column = e.column === null ? -1 : header.indexOf(e.column);
    const row = e.row === null ? table.headerRow : table.headerRow + e.row;
    const cell = column === -1 ? `row ${row}` : `${columnLetters(column + 1)}${row}`;
    return { ...e, cell, message: e.message.startsWith(`${cell}:`) ? e.message : `${cell}: ${e.message}` };
  });
}
