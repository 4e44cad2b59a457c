/** Writing CSV cells: RFC 4180 quoting, and OWASP CSV-injection neutralisation for spreadsheets. */
import { TextRecords } from './text-records';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether a cell starting with this character code (NaN for an empty cell) can be a formula: = + - @ TAB CR. */
export function mayBeFormula(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** A spreadsheet runs a cell starting with = + - @ (or tab / CR) as a formula; a plain number is safe. */
export function isFormulaLike(cell: string): boolean {
  if (!mayBeFormula(cell.charCodeAt(0))) return false;
  return !NUMBER.test(cell);
}

/** Prefixing a quote makes a spreadsheet show the text instead of evaluating it. */
export function neutralise(cell: string): string {
  return isFormulaLike(cell) ? `'${cell}` : cell;
}

/** The field delimiters a CSV may use: comma, tab (Excel's "Unicode text", TSV) or semicolon, as character codes. */
export type Delimiter = 0x2c | 0x09 | 0x3b;
export const COMMA: Delimiter = 0x2c;

const MUST_QUOTE: Record<Delimiter, RegExp> = { 0x2c: /[",\r\n]/, 0x09: /["\t\r\n]/, 0x3b: /[";\r\n]/ };

export function quote(cell: string, delimiter: Delimiter = COMMA): string {
  return MUST_QUOTE[delimiter].test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function writeRow(cells: readonly string[], delimiter: Delimiter = COMMA): string {
  return cells.map((c) => quote(neutralise(c), delimiter)).join(String.fromCharCode(delimiter));
}

/** A row's text (one record, no line break) with its formula cells neutralised and re-quoted. */
export function neutraliseRow(line: string, delimiter: Delimiter = COMMA): string {
  const record = new TextRecords(line, 0, delimiter);
  record.advance();
  return writeRow(record.cells, delimiter);
}
