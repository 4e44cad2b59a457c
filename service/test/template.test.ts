/**
 * GET /v1/models/{name}/template (issue 16): the workbook a person fills in by hand, opened and
 * saved by LibreOffice Calc as a real spreadsheet would, then sent back and scored.
 */
import ExcelJS from 'exceljs';
import request from 'supertest';
import { XLSX_MEDIA_TYPE } from '../src/http/contract';
import { AUTH, binaryParser, buildTestApp, FEATURES, TestApp } from './helpers';
import { libreOfficeSaved } from './spreadsheets';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const get = (path: string) => request(t.app).get(path).set(AUTH).buffer(true).parse(binaryParser);

async function readBook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  return wb;
}

describe('the template workbook', () => {
  it("holds the model's columns as the first sheet's header, frozen, each with a note; a second sheet explains them", async () => {
    const res = await get('/v1/models/penguin-sex/template');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_MEDIA_TYPE);
    expect(res.headers['content-disposition']).toBe('attachment; filename="penguin-sex-template.xlsx"');
    const wb = await readBook(res.body as Buffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Data', 'About']);
    const data = wb.worksheets[0];
    expect((data.getRow(1).values as unknown[]).slice(1)).toEqual(FEATURES);
    expect(data.rowCount).toBe(1);
    expect(data.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(data.getCell('A1').font).toMatchObject({ bold: true });
    expect(data.getCell('A1').note).toBe('bill_length_mm: a number (a dot for decimals: 39.1); needed in every row');
    const about = wb.worksheets[1];
    expect(about.getCell('A1').value).toBe('Template for the model penguin-sex (version 1.0.0)');
    expect((about.getRow(5).values as unknown[]).slice(1, 4)).toEqual(['bill_length_mm', 'a number', 'not allowed']);
    const steps = about.getColumn(1).values.filter((v) => typeof v === 'string' && /^\d\. /.test(v));
    expect(steps.at(-1)).toMatch(/columns prediction, probability added after the last column/);
  });

  it('speaks Japanese with lang=ja, and is read as a table by LibreOffice (its first sheet exported as CSV is the header)', async () => {
    const res = await get('/v1/models/penguin-species/template?format=xlsx&lang=ja');
    const wb = await readBook(res.body as Buffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['データ', '説明']);
    expect(wb.worksheets[1].getCell('A1').value).toBe('モデル penguin-species（バージョン 1.0.0）のテンプレート');
    const csv = libreOfficeSaved({ 'penguin-species-template.xlsx': res.body as Buffer }, 'csv')['penguin-species-template'];
    expect(csv.toString('utf8')).toBe(`${FEATURES.join(',')}\n`);
  });

  it('filled in and saved by LibreOffice, it is scored: the predictions come back in it, its explaining sheet kept', async () => {
    const template = await readBook((await get('/v1/models/penguin-sex/template')).body as Buffer);
    const data = template.getWorksheet('Data')!;
    data.getCell('E1').value = '名前';
    data.addRow([39.1, 18.7, 181, 3750, 'ペンギン1']);
    data.addRow([46.5, 17.9, 192, 3500, 'ペンギン2']);
    const filled = Buffer.from(await template.xlsx.writeBuffer());
    // Saved again by a real spreadsheet program, as a person's Excel would.
    const saved = libreOfficeSaved({ 'filled.xlsx': filled }, 'xlsx').filled;
    const res = await request(t.app).post('/v1/models/penguin-sex/predict').set(AUTH).attach('file', saved, 'filled.xlsx').buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['x-row-count']).toBe('2');
    const answer = await readBook(res.body as Buffer);
    expect(answer.worksheets.map((s) => s.name)).toEqual(['Data', 'About']);
    const out = answer.getWorksheet('Data')!;
    expect((out.getRow(1).values as unknown[]).slice(1)).toEqual([...FEATURES, '名前', 'prediction', 'probability']);
    for (const row of [2, 3]) {
      expect(['male', 'female']).toContain(out.getCell(`F${row}`).value);
      expect(typeof out.getCell(`G${row}`).value).toBe('number');
    }
  });

  it('keeps CSV as an option: the header alone, UTF-8 with a BOM, as Excel writes it', async () => {
    const res = await get('/v1/models/penguin-sex/template?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="penguin-sex-template.csv"');
    expect((res.body as Buffer).toString('utf8')).toBe(`\ufeff${FEATURES.join(',')}\r\n`);
  });

  it('names a bad setting, and an unknown model', async () => {
    const bad = await request(t.app).get('/v1/models/penguin-sex/template?format=ods').set(AUTH);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('format must be one of xlsx, csv (got "ods")');
    expect((await request(t.app).get('/v1/models/penguin-sex/template?lang=fr').set(AUTH)).body.detail).toBe('lang must be one of en, ja (got "fr")');
    const unknown = await request(t.app).get('/v1/models/nope/template').set(AUTH);
    expect(unknown.status).toBe(404);
    expect((await request(t.app).get('/v1/models/penguin-sex/template')).status).toBe(401);
  });
});
