/**
 * The user's workbook back, with the prediction columns appended to the sheet that was read,
 * after its last column: the new header cells styled like the header's last cell, probabilities
 * as numbers with a number format. Everything else (other sheets, widths, formats, text cells
 * that look like formulas) is what the library kept on reading the file.
 */
import type { Worksheet } from 'exceljs';
import { TextRecords } from '../csv/text-records';
import { isEmptyRow, type SheetTable } from './sheet-table';

/** How probabilities show; the cell holds the number to six places, as the CSV answer does. */
const PROBABILITY_FORMAT = '0.0000';

/** The last column holding a value in any row of the sheet. */
function lastUsedColumn(sheet: Worksheet): number {
  let last = 0;
  sheet.eachRow({ includeEmpty: false }, (row) => {
    for (let c = row.cellCount; c > last; c--) {
      const v = row.getCell(c).value;
      if (v !== null && v !== undefined && v !== '') {
        last = c;
        break;
      }
    }
  });
  return last;
}

/**
 * Appends the answer's added columns (the last `added.length` of each record of `answerCsv`, our
 * own UTF-8 comma output) to the table's sheet: one answer row per non-empty sheet row below the header.
 */
export function appendPredictions(table: SheetTable, answerCsv: string, added: readonly string[]): void {
  const { sheet, headerRow, lastRow } = table;
  // A regressor adds one column, a number; a classifier's prediction is a label, even one that looks like a number.
  const regression = added.length === 1;
  const first = Math.max(lastUsedColumn(sheet), table.width) + 1;
  const records = new TextRecords(answerCsv);
  records.advance();
  const headerStyle = sheet.getRow(headerRow).getCell(table.width).style;
  added.forEach((name, k) => {
    const cell = sheet.getRow(headerRow).getCell(first + k);
    cell.value = name;
    cell.style = { ...headerStyle };
    const column = sheet.getColumn(first + k);
    column.width = Math.max(column.width ?? 0, name.length + 2, 10);
  });
  for (let row = headerRow + 1; row <= lastRow; row++) {
    if (isEmptyRow(sheet, row, table.width) || !records.advance()) continue;
    const cells = records.cells.slice(-added.length);
    const r = sheet.getRow(row);
    cells.forEach((text, k) => {
      const cell = r.getCell(first + k);
      if (k > 0) {
        cell.value = Number(text);
        cell.numFmt = PROBABILITY_FORMAT;
      } else cell.value = regression ? Number(text) : text;
    });
  }
}
