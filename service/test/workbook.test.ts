/**
 * Excel workbooks in and out over HTTP (issue 16), with workbooks written by LibreOffice Calc
 * (spreadsheets.ts) and by exceljs, read back with exceljs.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import request from 'supertest';
import { createDeflateRaw, type DeflateRaw } from 'node:zlib';
import { PREDICT_QUERY } from '../src/http/contract';
import { MAX_WORKBOOK_PART_BYTES } from '../src/workbook/container';
import { XLSX_TYPE } from '../src/workbook/predict-workbook';
import { AUTH, binaryParser, buildTestApp, FEATURES, TestApp } from './helpers';
import { libreOfficeFiles } from './spreadsheets';

let t: TestApp;
let calc: Record<string, Buffer>;
let xls: Buffer;
beforeAll(async () => {
  t = await buildTestApp();
  calc = libreOfficeFiles({
    // A title row above the table, a formula column, a text cell that is a formula to Calc, an empty row.
    ペンギン: [
      'ペンギン調査 2026',
      `名前,${FEATURES.join(',')},備考,二倍`,
      'コウテイ,39.1,18.7,181,3750,南極,=B3*2',
      'アデリー,46.5,17.9,192,3500,"カンマ, 入り",=B4*2',
      '',
      'ヒゲ,38.9,17.8,181,3625,,=B6*2',
      '',
    ].join('\n'),
  });
  xls = libreOfficeFiles({ old: `${FEATURES.join(',')}\n39.1,18.7,181,3750\n` }, 'xls').old;
}, 180_000);
afterAll(() => t.close());

const post = (path: string, body: Buffer, name: string) => request(t.app).post(path).set(AUTH).attach('file', body, name).buffer(true).parse(binaryParser);

async function readBook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  return wb;
}

const problem = (res: request.Response) => JSON.parse((res.body as Buffer).toString('utf8'));

/** A workbook made with exceljs: a cover sheet, then the data sheet, with widths and a styled header. */
async function twoSheets(rows: unknown[][], header = ['id', ...FEATURES, 'note']): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const cover = wb.addWorksheet('表紙');
  cover.getCell('A1').value = '四半期の報告';
  const data = wb.addWorksheet('データ');
  data.addRow(header);
  data.getRow(1).font = { bold: true };
  data.getRow(1).eachCell((c) => (c.font = { bold: true, color: { argb: 'FF0000FF' } }));
  data.getColumn(1).width = 30;
  for (const r of rows) data.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('workbooks written by LibreOffice Calc', () => {
  it('finds the header under a title row, predicts every data row and gives the workbook back with the columns appended', async () => {
    const res = await post('/v1/predict', calc['ペンギン'], 'ペンギン.xlsx');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_TYPE);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('ペンギン-predictions.xlsx')}`);
    expect(res.headers['x-row-count']).toBe('3');
    const wb = await readBook(res.body as Buffer);
    const sheet = wb.getWorksheet('ペンギン')!;
    expect(sheet.getCell('A1').text).toBe('ペンギン調査 2026');
    expect(sheet.getCell('G2').value).toBe('二倍');
    expect(sheet.getCell('H2').value).toBe('prediction');
    expect(sheet.getCell('I2').value).toBe('probability');
    for (const row of [3, 4, 6]) {
      expect(['male', 'female']).toContain(sheet.getCell(`H${row}`).value);
      const p = sheet.getCell(`I${row}`);
      expect(typeof p.value).toBe('number');
      expect(p.numFmt).toBe('0.0000');
      expect(p.value as number).toBeGreaterThanOrEqual(0);
      expect(p.value as number).toBeLessThanOrEqual(1);
    }
    // The empty row stays empty; formulas stay formulas, with their values.
    expect(sheet.getCell('H5').value).toBeNull();
    expect(sheet.getCell('G3').value).toMatchObject({ formula: 'B3*2' });
    expect(sheet.getCell('F4').text).toBe('カンマ, 入り');
  });

  it('reads the sheet named by ?sheet= (a Japanese name) and says which sheets there are for an unknown one', async () => {
    const named = await post(`/v1/predict?sheet=${encodeURIComponent('ペンギン')}`, calc['ペンギン'], 'a.xlsx');
    expect(named.status).toBe(200);
    const unknown = await post(`/v1/predict?sheet=${encodeURIComponent('売上')}`, calc['ペンギン'], 'a.xlsx');
    expect(unknown.status).toBe(400);
    expect(problem(unknown).detail).toBe('the workbook has no sheet named "売上"; its sheets: "ペンギン" (has the model\'s columns)');
  });

  it('answers as CSV for ?format=csv or Accept: text/csv', async () => {
    const csv = await post('/v1/predict?format=csv', calc['ペンギン'], 'ペンギン.xlsx');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain(encodeURIComponent('ペンギン-predictions.csv'));
    const lines = (csv.body as Buffer).toString('utf8').split('\r\n');
    expect(lines[0]).toBe(`名前,${FEATURES.join(',')},備考,二倍,prediction,probability`);
    expect(lines[1]).toMatch(/^コウテイ,39\.1,18\.7,181,3750,南極,78\.2,(male|female),0\.\d{6}$/);
    const accept = await request(t.app).post('/v1/predict').set(AUTH).set('Accept', 'text/csv').attach('file', calc['ペンギン'], 'x.xlsx');
    expect(accept.headers['content-type']).toBe('text/csv; charset=utf-8');
  });

  it('refuses an Excel 97-2003 .xls with what to save instead', async () => {
    const res = await post('/v1/predict', xls, 'old.xls');
    expect(res.status).toBe(415);
    expect(problem(res).detail).toMatch(/Excel 97–2003 workbook \(\.xls\).*save it as Excel Workbook \(\.xlsx\)/);
  });
});

describe('workbooks written by exceljs', () => {
  it('names the sheets and which have the model columns when the first sheet has none; ?sheet= picks the data, other sheets and widths kept', async () => {
    const book = await twoSheets([[1, 39.1, 18.7, 181, 3750, 'a']]);
    const first = await post('/v1/predict', book, 'report.xlsx');
    expect(first.status).toBe(422);
    expect(problem(first).detail).toMatch(/^sheet "表紙" \(its first 20 rows\) names none of the model's columns .*the workbook's sheets: "表紙", "データ" \(has the model's columns\)/);
    const res = await post(`/v1/predict?sheet=${encodeURIComponent('データ')}`, book, 'report.xlsx');
    expect(res.status).toBe(200);
    const wb = await readBook(res.body as Buffer);
    expect(wb.getWorksheet('表紙')!.getCell('A1').value).toBe('四半期の報告');
    const data = wb.getWorksheet('データ')!;
    expect(data.getColumn(1).width).toBe(30);
    expect(data.getCell('G1').value).toBe('prediction');
    // The new header cells look like the header.
    expect(data.getCell('G1').font).toMatchObject({ bold: true, color: { argb: 'FF0000FF' } });
    expect(data.getCell('H1').value).toBe('probability');
  });

  it('reads numbers stored as text and formulas by their saved values; a text cell that looks like a formula stays text', async () => {
    const wb = new ExcelJS.Workbook();
    const s = wb.addWorksheet('Sheet1');
    s.addRow([...FEATURES, 'note']);
    s.addRow(['39.1', { formula: '9*2', result: 18 }, 181, 3750, '=HYPERLINK("x")']);
    const res = await post('/v1/predict', Buffer.from(await wb.xlsx.writeBuffer()), 'a.xlsx');
    expect(res.status).toBe(200);
    const out = (await readBook(res.body as Buffer)).getWorksheet('Sheet1')!;
    expect(out.getCell('E2').value).toBe('=HYPERLINK("x")');
    expect(out.getCell('E2').type).toBe(ExcelJS.ValueType.String);
    expect(out.getCell('B2').value).toMatchObject({ formula: '9*2' });
    expect(['male', 'female']).toContain(out.getCell('F2').value);
  });

  it('names the data row, the column and the cell of each bad value; a formula with no saved value says to save the file in Excel', async () => {
    const wb = new ExcelJS.Workbook();
    const s = wb.addWorksheet('S');
    s.addRow(['報告書']);
    s.addRow([]);
    s.addRow(['id', ...FEATURES]);
    s.addRow([1, 39.1, 18.7, 181, 3750]);
    s.addRow([2, 39.1, 18.7, 'abc', 3750]);
    s.addRow([3, 39.1, { formula: 'B4*2' }, 181, 3750]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await post('/v1/predict', bytes, 'a.xlsx');
    expect(res.status).toBe(422);
    // Every problem of the sheet at once, in row order, as for a CSV.
    expect(problem(res).errors).toEqual([
      { row: 2, column: 'flipper_length_mm', cell: 'D5', message: 'D5: "abc" is not a number' },
      { row: 3, column: 'bill_depth_mm', cell: 'C6', message: expect.stringMatching(/^C6: the formula has no saved value; open the file in Excel/) },
    ]);
    s.getCell('C6').value = 18;
    const again = await post('/v1/predict', Buffer.from(await wb.xlsx.writeBuffer()), 'a.xlsx');
    expect(problem(again).errors).toEqual([{ row: 2, column: 'flipper_length_mm', cell: 'D5', message: 'D5: "abc" is not a number' }]);
  });

  it('takes ?header_row= and refuses a bad one naming the setting', async () => {
    const wb = new ExcelJS.Workbook();
    const s = wb.addWorksheet('S');
    s.addRow(['title']);
    s.addRow(FEATURES);
    s.addRow([39.1, 18.7, 181, 3750]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    expect((await post('/v1/predict?header_row=2', bytes, 'a.xlsx')).status).toBe(200);
    expect(problem(await post('/v1/predict?header_row=1', bytes, 'a.xlsx')).detail).toMatch(/^row 1 of sheet "S" names none of the model's columns/);
    const bad = await post('/v1/predict?header_row=zero', bytes, 'a.xlsx');
    expect(bad.status).toBe(400);
    expect(problem(bad).detail).toBe('header_row must be a sheet row number from 1 to 1048576 (got "zero")');
    // The bounds the gateway's document declares (contract.ts) are the service's own.
    const declared = PREDICT_QUERY.find((p) => p.name === 'header_row')!;
    expect([declared.minimum, declared.maximum]).toEqual([1, 1048576]);
    for (const value of [String(declared.minimum! - 1), String(declared.maximum! + 1)]) {
      const out = await post(`/v1/predict?header_row=${value}`, bytes, 'a.xlsx');
      expect([out.status, problem(out).detail]).toEqual([400, `header_row must be a sheet row number from 1 to 1048576 (got "${value}")`]);
    }
    expect((await post('/v1/predict?header_row=1048576', bytes, 'a.xlsx')).status).toBe(422);
  });

  it('tells a workbook by its content, whatever its name and Content-Type', async () => {
    const book = await twoSheets([[1, 39.1, 18.7, 181, 3750, 'a']]);
    const res = await request(t.app).post('/v1/predict?sheet=%E3%83%87%E3%83%BC%E3%82%BF&filename=data.csv').set(AUTH).type('text/csv').send(book).buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_TYPE);
  });
});

describe('workbooks refused', () => {
  it('refuses a macro workbook (.xlsm) and a password-protected one, saying what to save instead', async () => {
    const zip = await JSZip.loadAsync(await twoSheets([]));
    zip.file('xl/vbaProject.bin', Buffer.from('macro'));
    const xlsm = await post('/v1/predict', await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), 'm.xlsm');
    expect(xlsm.status).toBe(415);
    expect(problem(xlsm).detail).toMatch(/macros \(\.xlsm\), which are never run or kept: save it as Excel Workbook \(\.xlsx\)/);
    // An encrypted workbook is an OLE compound file holding an EncryptionInfo stream (MS-OFFCRYPTO).
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504), Buffer.from('EncryptionInfo', 'utf16le'), Buffer.alloc(512)]);
    const locked = await post('/v1/predict', ole, 'locked.xlsx');
    expect(locked.status).toBe(415);
    expect(problem(locked).detail).toMatch(/password-protected.*remove the password.*save it as Excel Workbook \(\.xlsx\)/);
  });

  it('refuses a zip bomb with 413 and the reason, counting inflated bytes, not the sizes the zip declares', async () => {
    // A sheet of empty rows past the limit deflates to a small fraction of it; the zip declares it as 1 kB. Inflating stops at the limit.
    const deflated = await deflatedPart((d) => {
      d.write('<worksheet><sheetData>');
      const mb = Buffer.from(`<row r="1" x="${'a'.repeat(1000)}"/>`.repeat(1024));
      for (let k = 0; k <= MAX_WORKBOOK_PART_BYTES / mb.length; k++) d.write(mb);
      d.end();
    });
    const workbook = Buffer.from('<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>');
    const rels = Buffer.from('<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>');
    const bomb = zipOf([
      ['xl/workbook.xml', workbook, 0, workbook.length],
      ['xl/_rels/workbook.xml.rels', rels, 0, rels.length],
      ['xl/worksheets/sheet1.xml', deflated, 8, 1024],
    ]);
    const res = await post('/v1/predict', bomb, 'bomb.xlsx');
    expect(res.status).toBe(413);
    expect(problem(res).detail).toMatch(new RegExp(`larger than ${MAX_WORKBOOK_PART_BYTES >> 20} MiB uncompressed, .*save the sheet as "CSV UTF-8"`));
  });

  it('refuses shared strings past the thread’s memory with 413 and the reason, and reads the next workbook', async () => {
    // 150,000 distinct strings of 1.5 kB: 225 MB of text, within the inflate limit, past the thread's heap.
    const strings = await deflatedPart((d) => {
      d.write(`<sst>${FEATURES.map((f) => `<si><t>${f}</t></si>`).join('')}`);
      for (let k = 0; k < 150; k++) d.write(Array.from({ length: 1000 }, (_, i) => `<si><t>${'x'.repeat(1500)}${k * 1000 + i}</t></si>`).join(''));
      d.end('</sst>');
    });
    const workbook = Buffer.from('<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>');
    const rels = Buffer.from(
      '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    );
    const sheet = Buffer.from(`<worksheet><sheetData><row r="1">${FEATURES.map((_, k) => `<c t="s"><v>${k}</v></c>`).join('')}</row><row r="2"><c><v>39.1</v></c><c><v>18.7</v></c><c><v>181</v></c><c><v>3750</v></c></row></sheetData></worksheet>`);
    const book = zipOf([
      ['xl/workbook.xml', workbook, 0, workbook.length],
      ['xl/_rels/workbook.xml.rels', rels, 0, rels.length],
      ['xl/sharedStrings.xml', strings, 8, 1024],
      ['xl/worksheets/sheet1.xml', sheet, 0, sheet.length],
    ]);
    expect(book.length).toBeLessThan(2 << 20);
    const res = await post('/v1/predict', book, 'strings.xlsx');
    expect(res.status).toBe(413);
    expect(problem(res).detail).toMatch(/^the workbook needs more than \d+ MB of memory to read and write back \(its shared strings are held whole\); save the sheet as "CSV UTF-8"/);
    // The thread that ran out ended alone, and gave its turn back.
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('S').addRows([FEATURES, [39.1, 18.7, 181, 3750]]);
    expect((await post('/v1/predict', Buffer.from(await wb.xlsx.writeBuffer()), 'ok.xlsx')).status).toBe(200);
  });
});

/** A part's bytes as a zip stores them deflated, its text written by `write` (which ends it). */
function deflatedPart(write: (d: DeflateRaw) => void): Promise<Buffer> {
  return new Promise<Buffer>((resolve) => {
    const d = createDeflateRaw({ level: 6 });
    const out: Buffer[] = [];
    d.on('data', (c: Buffer) => out.push(c));
    d.on('end', () => resolve(Buffer.concat(out)));
    write(d);
  });
}

/** A zip of [name, data, method (0 stored, 8 deflated), declared size] entries. */
function zipOf(entries: [string, Buffer, number, number][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data, method, size] of entries) {
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
