/**
 * Issue 16's items, walked over HTTP with files LibreOffice Calc wrote (spreadsheets.ts): workbooks
 * with Japanese sheet names, title rows, formulas, numbers stored as text, dates; Calc's "Unicode
 * text" (UTF-16) and semicolon exports. Each workbook's predictions are held equal to the same
 * table's as a plain CSV, so a cell read wrongly shows as a different prediction.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import request from 'supertest';
import { XLSX_MEDIA_TYPE } from '../src/http/contract';
import { AUTH, binaryParser, buildTestApp, FEATURES, TestApp } from './helpers';
import { startServerProcess } from './server-process';
import { csvImportWithTextColumns, libreOfficeFiles, libreOfficeSaved } from './spreadsheets';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
}, 60_000);
afterAll(() => t.close());

const post = (path: string, body: Buffer, name: string) => request(t.app).post(path).set(AUTH).attach('file', body, name).buffer(true).parse(binaryParser);
const problem = (res: request.Response) => JSON.parse((res.body as Buffer).toString('utf8'));
const lines = (res: request.Response) => (res.body as Buffer).toString('utf8').replace(/^\ufeff/, '').split('\r\n').filter(Boolean);

async function readBook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  return wb;
}

/** The prediction columns of a CSV answer (the last two of each row). */
const predictions = (rows: string[]) => rows.slice(1).map((l) => l.split(/[,;\t]/).slice(-2).join(','));

/** The same table as a plain CSV, answered by the CSV path: what every workbook's rows must predict. */
async function csvPredictions(rows: (string | number)[][]): Promise<string[]> {
  const res = await request(t.app).post('/v1/predict').set(AUTH).type('text/csv').send([FEATURES, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n');
  expect(res.status).toBe(200);
  return predictions(res.text.split('\r\n').filter(Boolean));
}

const ROWS = [
  [39.1, 18.7, 181, 3750],
  [46.5, 17.9, 192, 3500],
  [49.5, 15.2, 215, 5400],
];

describe('Excel workbooks written by LibreOffice Calc', () => {
  let calc: Record<string, Buffer>;
  let asText: Buffer;
  let sheets: Buffer;
  beforeAll(async () => {
    calc = libreOfficeFiles({
      // Two title rows (one empty) above the table; a feature computed by a formula; a date column.
      調査票: ['2026年 ペンギン調査', '', `個体,${FEATURES.join(',')},観察日`, 'ペンギン1,39.1,18.7,181,3750,2026-11-30', 'ペンギン2,46.5,17.9,192,3500,2026-12-01', 'ペンギン3,=40+9.5,15.2,215,5400,2026-12-02'].join('\n') + '\n',
      誤り: ['調査票', FEATURES.join(','), '39.1,18.7,181,3750', '39.5,abc,186,3800', '40.3,18,,3250'].join('\n') + '\n',
    });
    // Numbers stored as text in two feature columns, and a text cell that reads like a formula.
    asText = libreOfficeFiles({ 文字列: [`${FEATURES.join(',')},メモ`, '39.1,18.7,181,3750,=SUM(1)', '46.5,17.9,192,3500,@user', '49.5,15.2,215,5400,+81 3'].join('\n') + '\n' }, 'xlsx', csvImportWithTextColumns([1, 4, 5]))['文字列'];
    // Several sheets with Japanese names, a styled header and column widths, saved by Calc.
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('表紙').getCell('A1').value = '四半期の報告';
    const data = wb.addWorksheet('データ');
    data.addRow(['番号', ...FEATURES]);
    data.getRow(1).eachCell((c) => (c.font = { bold: true, color: { argb: 'FFC00000' } }));
    data.getColumn(1).width = 25;
    ROWS.forEach((r, k) => data.addRow([k + 1, ...r]));
    wb.addWorksheet('集計').getCell('A1').value = '合計';
    sheets = libreOfficeSaved({ 'report.xlsx': Buffer.from(await wb.xlsx.writeBuffer()) }, 'xlsx').report;
  }, 240_000);

  it('are told by their content, whatever the name and Content-Type', async () => {
    const res = await request(t.app).post('/v1/predict?filename=survey.csv').set(AUTH).type('text/csv').send(calc['調査票']).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_MEDIA_TYPE);
  });

  it('find the header under title rows, read formula cells by their saved values, and predict as the same table in a CSV does; dates pass through', async () => {
    const res = await post('/v1/predict?format=csv', calc['調査票'], '調査票.xlsx');
    expect(res.status).toBe(200);
    const rows = lines(res);
    expect(rows[0]).toBe(`個体,${FEATURES.join(',')},観察日,prediction,probability`);
    expect(rows[3]).toMatch(/^ペンギン3,49\.5,15\.2,215,5400,2026-12-02,/);
    expect(predictions(rows)).toEqual(await csvPredictions(ROWS));
    // ?header_row= forces the header; a row that names none of the columns is refused, naming it.
    expect((await post('/v1/predict?header_row=3', calc['調査票'], 'a.xlsx')).status).toBe(200);
    expect(problem(await post('/v1/predict?header_row=1', calc['調査票'], 'a.xlsx')).detail).toMatch(/^row 1 of sheet "調査票" names none of the model's columns/);
  });

  it('give the workbook back with the columns after the last one, probabilities as formatted numbers; the formula and the date stay what they were', async () => {
    const res = await post('/v1/predict', calc['調査票'], '調査票.xlsx');
    expect(res.status).toBe(200);
    const sheet = (await readBook(res.body as Buffer)).getWorksheet('調査票')!;
    expect(sheet.getCell('A1').text).toBe('2026年 ペンギン調査');
    // 個体, four features, 観察日 (A–F), then the answer's columns.
    expect([sheet.getCell('G3').value, sheet.getCell('H3').value]).toEqual(['prediction', 'probability']);
    expect(sheet.getCell('B6').value).toMatchObject({ formula: '40+9.5', result: 49.5 });
    expect(sheet.getCell('F4').value).toBeInstanceOf(Date);
    for (const row of [4, 5, 6]) {
      expect(['male', 'female']).toContain(sheet.getCell(`G${row}`).value);
      expect(typeof sheet.getCell(`H${row}`).value).toBe('number');
      expect(sheet.getCell(`H${row}`).numFmt).toBe('0.0000');
    }
  });

  it('read numbers stored as text as numbers; a text cell that reads like a formula stays a text cell', async () => {
    const cells = (await readBook(asText)).worksheets[0];
    // Calc wrote them as text: the test is about that.
    expect(cells.getCell('A2').value).toBe('39.1');
    expect(cells.getCell('E2').value).toBe('=SUM(1)');
    const csv = await post('/v1/predict?format=csv', asText, '文字列.xlsx');
    expect(csv.status).toBe(200);
    expect(predictions(lines(csv))).toEqual(await csvPredictions(ROWS));
    // In CSV the formula-like text gets its quote; in the workbook it is a text cell as it was.
    expect(lines(csv)[1]).toMatch(/^39\.1,18\.7,181,3750,'=SUM\(1\),/);
    const book = await post('/v1/predict', asText, '文字列.xlsx');
    const out = (await readBook(book.body as Buffer)).worksheets[0];
    expect(out.getCell('E2').value).toBe('=SUM(1)');
    expect(out.getCell('E2').type).toBe(ExcelJS.ValueType.String);
    expect(out.getCell('E3').value).toBe('@user');
  });

  it('name each bad value by data row, column and cell under a title row', async () => {
    const res = await post('/v1/predict', calc['誤り'], '誤り.xlsx');
    expect(res.status).toBe(422);
    expect(problem(res).errors).toEqual([
      { row: 2, column: 'bill_depth_mm', cell: 'B4', message: 'B4: "abc" is not a number' },
      { row: 3, column: 'flipper_length_mm', cell: 'C5', message: 'C5: empty value; a number is required' },
    ]);
  });

  it('refuse a formula with no saved value, naming the cell and saying to open and save the file', async () => {
    const zip = await JSZip.loadAsync(calc['調査票']);
    const part = 'xl/worksheets/sheet1.xml';
    const xml = await zip.file(part)!.async('string');
    // What a program that writes formulas without computing them leaves: the formula, no value.
    const stripped = xml.replace(/(<c r="B6"[^>]*>)(<f[^>]*>[^<]*<\/f>)<v>[^<]*<\/v>/, '$1$2');
    expect(stripped).not.toBe(xml);
    zip.file(part, stripped);
    const res = await post('/v1/predict', await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), 'a.xlsx');
    expect(res.status).toBe(422);
    expect(problem(res).errors).toEqual([{ row: 3, column: 'bill_length_mm', cell: 'B6', message: expect.stringMatching(/^B6: the formula has no saved value; open the file in Excel \(or LibreOffice\) and save it/) }]);
  });

  it('read the first sheet by default and name the sheets that have the columns; ?sheet= takes a Japanese name; other sheets, widths and the header style are kept', async () => {
    const first = await post('/v1/predict', sheets, 'report.xlsx');
    expect(first.status).toBe(422);
    expect(problem(first).detail).toMatch(/the workbook's sheets: "表紙", "データ" \(has the model's columns\), "集計"\. Pick one with \?sheet=/);
    // Listed for a client to offer (the page does).
    expect(problem(first).sheets).toEqual([
      { name: '表紙', hasModelColumns: false },
      { name: 'データ', hasModelColumns: true },
      { name: '集計', hasModelColumns: false },
    ]);
    const none = await post(`/v1/predict?sheet=${encodeURIComponent('集計')}`, sheets, 'report.xlsx');
    expect(problem(none).detail).toMatch(/^sheet "集計" \(its first 20 rows\) names none of the model's columns/);
    const res = await post(`/v1/predict?sheet=${encodeURIComponent('データ')}&format=csv`, sheets, 'report.xlsx');
    expect(predictions(lines(res))).toEqual(await csvPredictions(ROWS));
    const book = await readBook((await post(`/v1/predict?sheet=${encodeURIComponent('データ')}`, sheets, 'report.xlsx')).body as Buffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['表紙', 'データ', '集計']);
    const data = book.getWorksheet('データ')!;
    expect(data.getColumn(1).width).toBeCloseTo(25, 0);
    expect(data.getCell('F1').value).toBe('prediction');
    expect(data.getCell('F1').font).toMatchObject({ bold: true, color: { argb: 'FFC00000' } });
  });

  it('leave out formatted but empty rows and columns after the table', async () => {
    const wb = new ExcelJS.Workbook();
    const s = wb.addWorksheet('表');
    s.addRow([...FEATURES, 'メモ']);
    ROWS.slice(0, 2).forEach((r) => s.addRow([...r, 'a']));
    // Borders and a fill down to row 12 and across to column H, as a formatted blank form has.
    for (let row = 1; row <= 12; row++) for (let col = 1; col <= 8; col++) if (row > 3 || col > 5) s.getRow(row).getCell(col).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };
    const saved = libreOfficeSaved({ 'form.xlsx': Buffer.from(await wb.xlsx.writeBuffer()) }, 'xlsx').form;
    const res = await post('/v1/predict', saved, 'form.xlsx');
    expect(res.status).toBe(200);
    expect(res.headers['x-row-count']).toBe('2');
    const out = (await readBook(res.body as Buffer)).getWorksheet('表')!;
    expect([out.getCell('F1').value, out.getCell('G1').value]).toEqual(['prediction', 'probability']);
    expect(out.getCell('F4').value).toBeNull();
  });

  it('refuse an Excel 97–2003 .xls written by Calc, saying what to save instead', async () => {
    const xls = libreOfficeFiles({ old: `${FEATURES.join(',')}\n39.1,18.7,181,3750\n` }, 'xls').old;
    const res = await post('/v1/predict', xls, 'old.xls');
    expect(res.status).toBe(415);
    expect(problem(res).detail).toMatch(/Excel 97–2003 workbook \(\.xls\).*save it as Excel Workbook \(\.xlsx\) or CSV UTF-8/);
  });
});

describe('data validation over whole columns, as Excel writes it', () => {
  it('is read (its checks left out of the answer) instead of ending the service: the real process answers and stays up', async () => {
    const wb = new ExcelJS.Workbook();
    const s = wb.addWorksheet('S') as ExcelJS.Worksheet & { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } };
    s.addRow(FEATURES);
    ROWS.forEach((r) => s.addRow(r));
    // Four checks of a few bytes each, over every row Excel has.
    for (const c of 'ABCD') s.dataValidations.add(`${c}2:${c}1048576`, { type: 'decimal', operator: 'between', allowBlank: true, formulae: [0, 10000] });
    const book = Buffer.from(await wb.xlsx.writeBuffer());
    expect(book.length).toBeLessThan(10_000);
    const server = await startServerProcess();
    try {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(book)]), 'checks.xlsx');
      const res = await fetch(`${server.url}/v1/predict?format=csv`, { method: 'POST', headers: AUTH, body: form });
      expect(res.status).toBe(200);
      expect(predictions((await res.text()).split('\r\n').filter(Boolean))).toEqual(await csvPredictions(ROWS));
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe('macro workbooks (.xlsm) written by LibreOffice Calc', () => {
  it('one without macros is read (there is nothing to run) and answered as .xlsx; one with a macro part is refused with what to save instead', async () => {
    const table = libreOfficeFiles({ 表: `${FEATURES.join(',')}\n39.1,18.7,181,3750\n` })['表'];
    const xlsm = libreOfficeSaved({ '表.xlsx': table }, 'xlsm:Calc MS Excel 2007 VBA XML')['表'];
    const plain = await post('/v1/predict', xlsm, '表.xlsm');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-disposition']).toContain(encodeURIComponent('表-predictions.xlsx'));
    // Calc writes VBA only when the document came with some: the macro part is added as Excel has it.
    const zip = await JSZip.loadAsync(xlsm);
    zip.file('xl/vbaProject.bin', Buffer.from('Attribute VB_Name = "Module1"'));
    const withMacros = await post('/v1/predict', await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), '表.xlsm');
    expect(withMacros.status).toBe(415);
    expect(problem(withMacros).detail).toBe('the workbook has macros (.xlsm), which are never run or kept: save it as Excel Workbook (.xlsx) and upload that');
  });
});

describe("Calc's text exports", () => {
  let unicodeText: Buffer;
  let semicolons: Record<string, Buffer>;
  beforeAll(() => {
    const table = libreOfficeFiles({ 集計: [`名前,${FEATURES.join(',')},備考`, ...ROWS.map((r, k) => `ペンギン${k + 1},${r.join(',')},"南極, 東岸"`)].join('\n') + '\n' })['集計'];
    // Calc's "Unicode text": tabs, UTF-16 little-endian with a BOM.
    unicodeText = libreOfficeSaved({ '集計.xlsx': table }, 'txt:Text - txt - csv (StarCalc):9,34,65535,1')['集計'];
    // Semicolons, and a cell typed with a decimal comma (Calc, in an English locale, keeps it as text).
    const comma = libreOfficeFiles({ komma: `${FEATURES.join(',')}\n39.1,18.7,181,3750\n"39,1",18.7,181,3750\n` })['komma'];
    semicolons = libreOfficeSaved({ '集計.xlsx': table, 'komma.xlsx': comma }, 'csv:Text - txt - csv (StarCalc):59,34,76,1');
  }, 240_000);

  it.each(['le', 'be'] as const)('UTF-16%s "Unicode text" is read and answered in the same encoding, with tabs, as a .txt', async (order) => {
    expect([...unicodeText.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const body = order === 'le' ? unicodeText : Buffer.from(unicodeText).swap16();
    const res = await post('/v1/predict', body, '集計.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(`text/tab-separated-values; charset=utf-16${order}`);
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('集計-predictions.txt'));
    const answer = res.body as Buffer;
    const text = (order === 'le' ? answer : Buffer.from(answer).swap16()).toString('utf16le').replace(/^\ufeff/, '');
    const rows = text.split('\r\n').filter(Boolean);
    // Calc quotes every text cell; the rows come back as they were sent, the columns added.
    const sent = unicodeText.toString('utf16le').replace(/^\ufeff/, '').split(/\r?\n/);
    expect(sent[0]).toBe(['名前', ...FEATURES, '備考'].map((c) => `"${c}"`).join('\t'));
    expect(rows[0]).toBe(`${sent[0]}\tprediction\tprobability`);
    expect(rows[1]).toMatch(/^"ペンギン1"\t39\.1\t18\.7\t181\t3750\t"南極, 東岸"\t/);
    expect(predictions(rows)).toEqual(await csvPredictions(ROWS));
  });

  it('a semicolon export is detected from its header and answered with semicolons; a decimal comma is named by its cell', async () => {
    const res = await post('/v1/predict', semicolons['集計'], '集計.csv');
    expect(res.status).toBe(200);
    const rows = lines(res);
    expect(rows[0]).toBe(`${['名前', ...FEATURES, '備考'].map((c) => `"${c}"`).join(';')};prediction;probability`);
    expect(predictions(rows)).toEqual(await csvPredictions(ROWS));
    expect(semicolons.komma.toString('utf8')).toContain('\n"39,1";18.7;181;3750');
    const comma = await request(t.app).post('/v1/predict').set(AUTH).type('text/csv').send(semicolons.komma);
    expect(comma.status).toBe(422);
    expect(comma.body.errors).toEqual([{ row: 2, column: 'bill_length_mm', message: '"39,1" has a decimal comma, which is not read: write it with a dot (39.1)' }]);
  });
});
