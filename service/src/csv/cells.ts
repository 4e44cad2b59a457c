/** Writing CSV cells: RFC 4180 quoting, and OWASP CSV-injection neutralisation for spreadsheets. */
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

export function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function writeRow(cells: readonly string[]): string {
  return cells.map((c) => quote(neutralise(c))).join(',');
}
