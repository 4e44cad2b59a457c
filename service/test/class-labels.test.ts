/**
 * Class labels as a Japanese office may name them: past Latin-1 (a header cannot carry those raw,
 * so X-Class-Counts escapes them) and one a spreadsheet would run ("=不合格": neutralised in a CSV
 * answer, a plain text cell in a workbook). Workbooks after such an answer still get their turn.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import request from 'supertest';
import { LOGISTIC_OUTPUTS, logisticToOnnx } from '../../models/training/export-logistic';
import { AUTH, binaryParser, buildTestApp, csv, FEATURES, type TestApp } from './helpers';

const CLASSES = ['合格', '=不合格'];

function modelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'label-models-'));
  const bytes = logisticToOnnx({ standardiser: { mean: [44, 17, 200, 4200], std: [5, 2, 14, 800] }, weights: [[1, 0, 0, 0]], intercepts: [0], classes: CLASSES }, 'grade');
  writeFileSync(join(dir, 'grade.onnx'), bytes);
  const manifest = { name: 'grade', version: '1', task: 'classification', features: FEATURES.map((name) => ({ name, type: 'float' })), classes: CLASSES, positiveClass: '合格', outputs: LOGISTIC_OUTPUTS, sha256: createHash('sha256').update(bytes).digest('hex') };
  writeFileSync(join(dir, 'grade.json'), JSON.stringify(manifest));
  return dir;
}

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ modelsDir: modelsDir() });
});
afterAll(() => t.close());

const ROWS = Array.from({ length: 40 }, (_, i) => [36 + i * 0.4, 17, 200, 4200]);
const send = (body: Buffer, type: string) => request(t.app).post('/v1/models/grade/predict').set(AUTH).set('Content-Type', type).send(body).buffer(true).parse(binaryParser);

async function workbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('成績');
  sheet.addRow(FEATURES);
  for (const row of ROWS) sheet.addRow(row);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('class labels past Latin-1, and one that looks like a formula', () => {
  it('come back in X-Class-Counts (escaped JSON) and in the CSV answer, the formula-like one neutralised', async () => {
    const res = await send(Buffer.from(csv([FEATURES, ...ROWS])), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['x-class-counts']).toMatch(/^[\x20-\x7e]+$/);
    const counts = JSON.parse(res.headers['x-class-counts']) as Record<string, number>;
    expect(Object.keys(counts).sort()).toEqual([...CLASSES].sort());
    const labels = (res.body as Buffer).toString('utf8').trimEnd().split('\r\n').slice(1).map((line) => line.split(',')[4]);
    expect(new Set(labels)).toEqual(new Set(['合格', "'=不合格"]));
    expect(labels.filter((l) => l === '合格')).toHaveLength(counts['合格']);
  });

  it('come back in a workbook as text cells, as the model gives them, and the next workbooks get their turn', async () => {
    for (let round = 0; round < 3; round++) {
      const res = await send(await workbook(), 'application/octet-stream');
      expect(res.status).toBe(200);
      const counts = JSON.parse(res.headers['x-class-counts']) as Record<string, number>;
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(res.body as unknown as ArrayBuffer);
      const column = book.getWorksheet('成績')!.getColumn(5).values.slice(2) as unknown[];
      expect(column).toHaveLength(ROWS.length);
      expect(new Set(column)).toEqual(new Set(CLASSES));
      expect(column.filter((v) => v === '=不合格')).toHaveLength(counts['=不合格']);
      // Text cells: a spreadsheet shows "=不合格" and never runs it.
      const xml = strFromU8(unzipSync(res.body as Buffer)['xl/worksheets/sheet1.xml']);
      expect(xml).toContain('<c r="E3" t="inlineStr"><is><t>');
      expect(xml).not.toMatch(/<f>[^<]*不合格/);
    }
  });
});
