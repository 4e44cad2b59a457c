/**
 * One sheet of a workbook as a table, read as it streams: the header row (the first, or the
 * first of the top 20 that names the model's features, or `?header_row=`), then each non-empty
 * row below it as a record of cells with its spreadsheet row number (the data row number is the
 * sheet row less the header row; a cell's reference is its column letters and that row). Empty
 * rows and columns after the table are left out.
 */
import { MAX_SHEET_ROWS } from '../http/contract';
import { HttpProblem, RowError } from '../http/problem';
import type { Book, SheetPart } from './book';
import { columnLetters, sheetRows, type SheetExtent, type SheetRow } from './sheet-rows';

export { columnLetters } from './sheet-rows';

/** Rows looked at for a header below title rows. */
const HEADER_SEARCH_ROWS = 20;

export interface SheetChoice {
  sheet?: string;
  headerRow?: number;
}

/** A row of the table below the header. */
export interface SheetRecord {
  /** Its spreadsheet row number. */
  row: number;
  /** Its cells' texts, columns 1 to the table's width. */
  cells: string[];
  /** Columns (1-based, within the table) holding a formula with no saved value. */
  missing: number[];
}

export interface SheetReading {
  sheet: SheetPart;
  /** The header's sheet row (1-based). */
  headerRow: number;
  /** Columns of the table: 1 to width. */
  width: number;
  /** The header's cells, as read. */
  header: string[];
  /** The style of the header's last cell (0: none), for the columns added after it. */
  headerStyle: number;
  /** The table's non-empty rows below the header, in order, as the sheet streams. */
  records: AsyncGenerator<SheetRecord>;
  /** The whole sheet's extent: complete once `records` has ended. */
  extent: SheetExtent;
}

/** A cell's reference: D6. */
export const cellRef = (column: number, row: number) => `${columnLetters(column)}${row}`;

/** Reads `?header_row=`: a sheet row, from 1 to the last row a sheet can have. */
export function parseHeaderRow(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_SHEET_ROWS)) throw new HttpProblem(400, 'bad-parameter', `header_row must be a sheet row number from 1 to ${MAX_SHEET_ROWS} (got ${JSON.stringify(value)})`);
  return n;
}

/** Reads `?sheet=`: a sheet's name. */
export function parseSheetName(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new HttpProblem(400, 'bad-parameter', 'sheet must be given once, as a sheet name');
  return value;
}

/** How many of `features` a row's cells name. */
function named(texts: readonly string[] | undefined, features: ReadonlySet<string>): number {
  if (!texts) return 0;
  const cells = new Set(texts.map((c) => c.trim()));
  let n = 0;
  for (const f of features) if (cells.has(f)) n++;
  return n;
}

/** The header: the first of the top rows that names every feature, else the one naming the most (the first row when none names any). */
function findHeader(top: readonly SheetRow[], features: ReadonlySet<string>): number {
  let best = 1;
  let most = 0;
  for (const { row, texts } of top) {
    if (row > HEADER_SEARCH_ROWS) break;
    const n = named(texts, features);
    if (n === features.size) return row;
    if (n > most) [best, most] = [row, n];
  }
  return best;
}

/** The workbook's sheets and whether each names any of the model's columns in its top rows. */
async function sheetList(book: Book, features: ReadonlySet<string>): Promise<{ name: string; hasModelColumns: boolean }[]> {
  const sheets: { name: string; hasModelColumns: boolean }[] = [];
  for (const sheet of book.sheets) {
    let has = false;
    for await (const { row, texts } of sheetRows(book, sheet)) {
      if (row > HEADER_SEARCH_ROWS) break;
      if (named(texts, features) > 0) {
        has = true;
        break;
      }
    }
    sheets.push({ name: sheet.name, hasModelColumns: has });
  }
  return sheets;
}

function listSheets(sheets: { name: string; hasModelColumns: boolean }[]): string {
  return sheets.map((s) => `"${s.name}"${s.hasModelColumns ? " (has the model's columns)" : ''}`).join(', ');
}

/** The last column of `texts` with a value. */
function lastFilled(texts: readonly string[]): number {
  let last = texts.length;
  while (last > 0 && texts[last - 1].trim() === '') last--;
  return last;
}

const padded = (texts: readonly string[], width: number) => Array.from({ length: width }, (_, c) => texts[c] ?? '');

/** The table's record of a sheet row, or undefined when the row is empty in the table's columns. */
function recordOf(r: SheetRow, width: number): SheetRecord | undefined {
  const missing = r.missing.filter((c) => c <= width);
  let empty = missing.length === 0;
  for (let c = 0; c < width && empty; c++) if (r.texts[c] !== undefined && r.texts[c] !== '') empty = false;
  return empty ? undefined : { row: r.row, cells: padded(r.texts, width), missing };
}

/**
 * Opens the chosen sheet and finds its header; its records are read as the caller takes them.
 * An unknown sheet is 400, a sheet whose header names none of the model's columns 422, each
 * naming the workbook's sheets and which of them have the model's columns.
 */
export async function readSheet(book: Book, features: readonly string[], choice: SheetChoice): Promise<SheetReading> {
  const wanted = new Set(features);
  const sheet = choice.sheet === undefined ? book.sheets[0] : book.sheets.find((s) => s.name === choice.sheet);
  // The sheets are listed in the problem too, so a client (the page) can offer them to choose from.
  if (!sheet) {
    if (choice.sheet === undefined) throw new HttpProblem(422, 'unknown-sheet', 'the workbook has no sheets', { sheets: [] });
    const sheets = await sheetList(book, wanted);
    throw new HttpProblem(400, 'unknown-sheet', `the workbook has no sheet named "${choice.sheet}"; its sheets: ${listSheets(sheets)}`, { sheets });
  }
  const extent: SheetExtent = { lastColumn: 0, lastCellColumn: 0 };
  const rows = sheetRows(book, sheet, extent);
  // The top rows, held to find the header in; the rest stream.
  const top: SheetRow[] = [];
  const lookAt = Math.max(HEADER_SEARCH_ROWS, choice.headerRow ?? 0);
  let next: IteratorResult<SheetRow> | undefined;
  for (;;) {
    next = await rows.next();
    if (next.done || next.value.row > lookAt) break;
    top.push(next.value);
  }
  const headerRow = choice.headerRow ?? findHeader(top, wanted);
  const headerTexts = top.find((r) => r.row === headerRow);
  if (named(headerTexts?.texts, wanted) === 0 && features.length > 0) {
    await rows.return(undefined);
    const where = choice.headerRow ? `row ${headerRow} of sheet "${sheet.name}"` : `sheet "${sheet.name}" (its first ${HEADER_SEARCH_ROWS} rows)`;
    const sheets = await sheetList(book, wanted);
    throw new HttpProblem(422, 'no-model-columns', `${where} names none of the model's columns (${features.join(', ')}); the workbook's sheets: ${listSheets(sheets)}. Pick one with ?sheet= (and ?header_row= if the header is not found)`, { sheets });
  }
  const width = Math.max(1, lastFilled(headerTexts?.texts ?? []));
  const header = padded(headerTexts?.texts ?? [], width);
  const headerStyle = headerTexts?.styles[width - 1] ?? 0;
  const held = top.filter((r) => r.row > headerRow);
  const first = next;
  async function* records(): AsyncGenerator<SheetRecord> {
    try {
      for (const r of held.splice(0)) {
        const record = recordOf(r, width);
        if (record) yield record;
      }
      if (first.done) return;
      for (let r: IteratorResult<SheetRow> = first; !r.done; r = await rows.next()) {
        if (r.value.row <= headerRow) continue;
        const record = recordOf(r.value, width);
        if (record) yield record;
      }
    } finally {
      await rows.return(undefined);
    }
  }
  return { sheet, headerRow, width, header, headerStyle, records: records(), extent };
}

/** Names each row error's cell (e.g. D6): the data row is counted from the header row, the column is the header's. */
export function withCells(errors: RowError[] | undefined, table: Pick<SheetReading, 'headerRow' | 'header'>): RowError[] | undefined {
  if (!errors) return errors;
  const header = table.header.map((h) => h.trim());
  return errors.map((e) => {
    const column = e.column === null ? -1 : header.indexOf(e.column);
    const row = e.row === null ? table.headerRow : table.headerRow + e.row;
    const cell = column === -1 ? `row ${row}` : cellRef(column + 1, row);
    return { ...e, cell, message: e.message.startsWith(`${cell}:`) ? e.message : `${cell}: ${e.message}` };
  });
}
