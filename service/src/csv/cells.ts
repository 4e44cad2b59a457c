/** Writing CSV cells: RFC 4180 quoting, and OWASP CSV-injection neutralisation for spreadsheets. */
import { fastDecimal } from './decimal';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A spreadsheet runs a cell starting with = + - @ (or tab / CR) as a formula; a plain number is safe. */
export function isFormulaLike(cell: string): boolean {
  if (cell.length === 0) return false;
  const c = cell.charCodeAt(0);
  // = + - @ TAB CR
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13) return false;
  return Number.isNaN(fastDecimal(cell)) && !NUMBER.test(cell);
}

/** Prefixing a quote makes a spreadsheet show the text instead of evaluating it. */
export function neutralise(cell: string): string {
  return isFormulaLike(cell) ? `'${cell}` : cell;
}

export function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function writeRow(cells: readonly string[]): string {
  return cells.map((c) => quote(neutralise(c))).join(',');
}
