// A workbook answer's rows for the preview and summary, read in the browser from the answer
// itself, so a workbook upload is one job (before, the page ran it again as ?format=csv). The
// reader is exceljs's browser build, the library the service writes the answer with, loaded on
// the first workbook answer only (it is 860 kB).
let exceljs;

function loadExcelJs() {
  exceljs ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/vendor/exceljs.bare.min.js';
    script.onload = () => resolve(window.ExcelJS);
    script.onerror = () => {
      exceljs = undefined;
      reject(new Error('exceljs did not load'));
    };
    document.head.append(script);
  });
  return exceljs;
}

/** A cell's text as the CSV answer would hold it: formulas by their saved values, dates as ISO dates. */
function cellText(value) {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().replace('T00:00:00.000Z', '').replace('.000Z', 'Z');
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value !== 'object') return String(value);
  if ('formula' in value || 'sharedFormula' in value || 'result' in value) return cellText(value.result);
  if (value.richText) return value.richText.map((r) => r.text).join('');
  if ('hyperlink' in value) return String(value.text ?? '');
  if ('error' in value) return String(value.error);
  return '';
}

const texts = (row) => Array.from({ length: row.cellCount }, (_, k) => cellText(row.getCell(k + 1).value));

/** The sheet and header row the service appended `added` to: the header row ends with them. */
function findTable(workbook, added) {
  for (const sheet of workbook.worksheets) {
    for (let r = 1; r <= sheet.rowCount; r++) {
      const header = texts(sheet.getRow(r));
      if (header.length >= added.length && added.every((name, k) => header[header.length - added.length + k] === name)) return { sheet, headerRow: r, header };
    }
  }
  return null;
}

/**
 * Adds a workbook answer's rows to the page's AnswerSummary (answer-summary.js), as a CSV
 * answer's are: the header's cells, then each predicted row's.
 */
export async function addAnswerWorkbook(summary, blob, added) {
  const ExcelJS = await loadExcelJs();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await blob.arrayBuffer());
  const table = findTable(workbook, added);
  if (!table) return;
  const columns = summary.columnsOf(table.header);
  const prediction = table.header.length - added.length;
  for (let r = table.headerRow + 1; r <= table.sheet.rowCount; r++) {
    const row = table.sheet.getRow(r);
    const cells = Array.from({ length: table.header.length }, (_, k) => cellText(row.getCell(k + 1).value));
    // Rows left empty in the sheet get no prediction.
    if (cells[prediction] !== '') summary.addRow(cells, columns);
  }
}
