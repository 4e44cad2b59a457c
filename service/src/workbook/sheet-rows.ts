/**
 * A worksheet's rows as its part inflates: each row's number and its cells as the text a CSV
 * export would hold (numbers as numbers, dates as ISO dates, shared and inline strings as their
 * text, formulas as their saved values). Only the row being read is held.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { feedPart, localName, RichText, type Book, type SheetPart } from './book';

export interface SheetRow {
  /** The spreadsheet row number (1-based). */
  row: number;
  /** Cell texts by column (index 0 is column A); '' for an empty or absent cell. */
  texts: string[];
  /** Columns (1-based) holding a formula with no saved value. */
  missing: number[];
  /** Cell style indexes by column (0 when none). */
  styles: number[];
}

/** What was seen of the whole sheet, once it has been read to the end. */
export interface SheetExtent {
  /** The last column holding a value in any row. */
  lastColumn: number;
  /** The last column with a cell element at all (empty styled cells included). */
  lastCellColumn: number;
}

/** Column number of a cell reference's letters: A → 1, AA → 27. */
export function columnOf(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n;
}

/** Column letters of a 1-based column number: 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let out = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

/** A date as the ISO text a CSV export would hold: the day alone when it has no time of day. */
export function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

/** A date serial (days since 1899-12-30, or since 1904-01-01) as a date, as exceljs converts it. */
function serialDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

interface CellState {
  column: number;
  type: string;
  style: number;
  formula: boolean;
  value: string | undefined;
  inValue: boolean;
  rich: RichText | undefined;
}

/** One cell's text by its type (ECMA-376 18.18.11). */
function cellText(cell: CellState, book: Book): string {
  const v = cell.value;
  switch (cell.type) {
    case 's':
      return v === undefined ? '' : (book.strings[Number(v)] ?? '');
    case 'inlineStr':
      return cell.rich?.text ?? '';
    case 'str':
    case 'e':
      return v ?? '';
    case 'b':
      return v === undefined ? '' : v.trim() === '1' || v.trim() === 'true' ? 'TRUE' : 'FALSE';
    case 'd':
      return v === undefined ? '' : dateText(new Date(v));
    default: {
      if (v === undefined || v.trim() === '') return '';
      const n = Number(v);
      if (Number.isNaN(n)) return v;
      return book.dateStyles[cell.style] ? dateText(serialDate(n, book.date1904)) : String(n);
    }
  }
}

/**
 * The sheet's rows, in order, as they inflate. Rows with no cells are left out (their numbers
 * are skipped). `extent` is filled in as rows go and is whole once the generator ends.
 */
export async function* sheetRows(book: Book, sheet: SheetPart, extent: SheetExtent = { lastColumn: 0, lastCellColumn: 0 }): AsyncGenerator<SheetRow> {
  const ready: SheetRow[] = [];
  let current: SheetRow | undefined;
  let cell: CellState | undefined;
  let rowNumber = 0;
  let column = 0;
  const p = new SaxesParser();
  p.on('opentag', (tag) => {
        const name = localName(tag.name);
        const a = (tag as SaxesTagPlain).attributes;
        if (cell) {
          if (name === 'v') cell.inValue = true;
          else if (name === 'f') cell.formula = true;
          else if (name === 'is') cell.rich = new RichText();
          else cell.rich?.open(name);
        } else if (name === 'c' && current) {
          column = a.r ? columnOf(a.r) : column + 1;
          cell = { column, type: a.t ?? 'n', style: a.s ? Number(a.s) : 0, formula: false, value: undefined, inValue: false, rich: undefined };
          if (column > extent.lastCellColumn) extent.lastCellColumn = column;
        } else if (name === 'row') {
          rowNumber = a.r ? Number(a.r) : rowNumber + 1;
          column = 0;
          current = { row: rowNumber, texts: [], missing: [], styles: [] };
        }
      });
      const text = (t: string) => {
        if (!cell) return;
        if (cell.inValue) cell.value = (cell.value ?? '') + t;
        else cell.rich?.add(t);
      };
      p.on('text', text);
      p.on('cdata', text);
      p.on('closetag', (tag) => {
        const name = localName(tag.name);
        if (cell) {
          if (name === 'v') {
            cell.inValue = false;
            cell.value ??= '';
          } else if (name === 'c') {
            const k = cell.column - 1;
            const texts = current!.texts;
            while (texts.length < k) texts.push('');
            texts[k] = cellText(cell, book);
            current!.styles[k] = cell.style;
            const missing = cell.formula && cell.value === undefined;
            if (missing) current!.missing.push(cell.column);
            if ((texts[k] !== '' || missing) && cell.column > extent.lastColumn) extent.lastColumn = cell.column;
            cell = undefined;
          } else cell.rich?.close(name);
        } else if (name === 'row' && current) {
          if (current.texts.length > 0) ready.push(current);
          current = undefined;
        }
      });
  for await (const _ of feedPart(book.bytes, sheet.entry, p)) {
    for (const row of ready.splice(0)) yield row;
  }
  for (const row of ready.splice(0)) yield row;
}
