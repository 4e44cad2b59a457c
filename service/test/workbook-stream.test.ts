/**
 * Workbooks read and written as they stream (issue 16), against the CSV path as the reference:
 * the same generated tables as CSV and as workbooks made by LibreOffice Calc give the same
 * predictions and the same errors; the answer workbooks open in exceljs and in LibreOffice with
 * the same predictions; a 100,000-row workbook goes through the real service.
 */
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { AUTH, binaryParser, buildTestApp, FEATURES, TestApp } from './helpers';
import { startServerProcess } from './server-process';
import { libreOfficeCsv, libreOfficeFiles } from './spreadsheets';

const EXTRAS = ['名前', '備考'];
const TEXTS = ['コウテイ', 'アデリー', 'カンマ, 入り', 'say "hi"', 'ヒゲ ペンギン', 'note'];

/** A table: its header, then rows (null: a blank line). */
interface Table {
  header: string[];
  rows: (string[] | null)[];
}

const featureCell = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 1000, max: 700_000 }).map((n) => String(n / 100)) },
  { weight: 20, arbitrary: fc.integer({ min: 10, max: 7000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('', 'abc') },
);

const tableArb: fc.Arbitrary<Table> = fc
  .tuple(fc.shuffledSubarray([...FEATURES, ...EXTRAS], { minLength: FEATURES.length + EXTRAS.length }), fc.integer({ min: 1, max: 25 }), fc.integer())
  .chain(([header, count]) => {
    const row = fc.tuple(...header.map((name) => (FEATURES.includes(name) ? featureCell : fc.constantFrom(...TEXTS))));
    return fc.array(fc.option(row, { freq: 8, nil: null }), { minLength: count, maxLength: count }).map((rows) => ({ header, rows: [...rows.slice(0, -1), rows[rows.length - 1] ?? rows.find((r) => r) ?? null] }));
  });

const quote = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
const csvOf = (t: Table) => [t.header, ...t.rows].map((r) => (r ? r.map(quote).join(',') : '')).join('\n') + '\n';

/** The last two cells (prediction, probability) of each record after the header with a prediction. */
function predictionsOf(text: string): [string, number][] {
  const records = parse(text.replace(/^\ufeff/, ''), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  return records
    .slice(1)
    .map((r) => r.slice(-2))
    .filter(([label]) => label !== '' && label !== undefined)
    .map(([label, p]) => [label, Number(p)]);
}

let t: TestApp;
let tables: Table[];
let books: Record<string, Buffer>;
beforeAll(async () => {
  t = await buildTestApp({ chunkBytes: 512 });
  tables = fc.sample(tableArb, { numRuns: 10, seed: 16 });
  books = libreOfficeFiles(Object.fromEntries(tables.map((table, k) => [`table${k}`, csvOf(table)])));
}, 300_000);
afterAll(() => t.close());

const post = (path: string, body: Buffer, type: string) => request(t.app).post(path).set(AUTH).type(type).send(body).buffer(true).parse(binaryParser);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const json = (res: request.Response) => JSON.parse((res.body as Buffer).toString('utf8'));

describe('the same table as CSV and as a LibreOffice workbook', () => {
  it('gives the same predictions, or the same errors with the cells named, and the answers open in exceljs and LibreOffice', async () => {
    const answers: Record<string, Buffer> = {};
    const expected: Record<string, [string, number][]> = {};
    for (const [k, table] of tables.entries()) {
      const stem = `table${k}`;
      const fromCsv = await post('/v1/predict', Buffer.from(csvOf(table)), 'text/csv');
      const asCsv = await post('/v1/predict?format=csv', books[stem], XLSX);
      const asBook = await post('/v1/predict', books[stem], XLSX);
      expect([asCsv.status, asBook.status]).toEqual([fromCsv.status, fromCsv.status]);
      if (fromCsv.status !== 200) {
        const reference = json(fromCsv);
        for (const res of [asCsv, asBook]) {
          const problem = json(res);
          expect([problem.type, problem.totalErrors]).toEqual([reference.type, reference.totalErrors]);
          if (!reference.errors) continue;
          expect(problem.totalErrors).toBe(reference.totalErrors);
          expect(problem.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual(reference.errors.map((e: { row: number; column: string }) => [e.row, e.column]));
          // The header is sheet row 1, so data row n is sheet row n + 1.
          for (const e of problem.errors) expect(e.cell).toBe(`${String.fromCharCode(65 + table.header.indexOf(e.column))}${e.row + 1}`);
        }
        continue;
      }
      const reference = predictionsOf((fromCsv.body as Buffer).toString('utf8'));
      expect(reference.length).toBe(table.rows.filter((r) => r).length);
      expect(predictionsOf((asCsv.body as Buffer).toString('utf8'))).toEqual(reference);
      // exceljs: the prediction columns right after the table's, probabilities numbers with a format.
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(asBook.body as unknown as ArrayBuffer);
      const sheet = wb.worksheets[0];
      const width = table.header.length;
      expect(sheet.getRow(1).getCell(width + 1).value).toBe('prediction');
      expect(sheet.getRow(1).getCell(width + 2).value).toBe('probability');
      const read: [string, number][] = [];
      sheet.eachRow((row, n) => {
        if (n === 1) return;
        const p = row.getCell(width + 2);
        expect(p.numFmt).toBe('0.0000');
        read.push([row.getCell(width + 1).value as string, p.value as number]);
      });
      expect(read).toEqual(reference);
      answers[stem] = asBook.body as Buffer;
      expected[stem] = reference;
    }
    expect(Object.keys(answers).length).toBeGreaterThan(2);
    // LibreOffice opens each answer and shows the probabilities to four places.
    const reopened = libreOfficeCsv(answers);
    for (const [stem, reference] of Object.entries(expected)) {
      const shown = predictionsOf(reopened[stem]);
      expect(shown.map(([label]) => label)).toEqual(reference.map(([label]) => label));
      shown.forEach(([, p], i) => expect(Math.abs(p - reference[i][1])).toBeLessThanOrEqual(0.00005 + 1e-9));
    }
  }, 300_000);
});

describe('a 100,000-row workbook through the real service', () => {
  it('predicts every row as the CSV path does, and the answer opens in LibreOffice', async () => {
    const rows = 100_000;
    const lines = [`名前,${FEATURES.join(',')}`];
    for (let i = 0; i < rows; i++) lines.push(`${TEXTS[i % TEXTS.length].replace(/[",]/g, '')},${30 + (i % 300) / 10},${13 + (i % 80) / 10},${170 + (i % 60)},${2700 + ((i * 37) % 3600)}`);
    const text = lines.join('\n') + '\n';
    const book = libreOfficeFiles({ large: text }).large;
    const server = await startServerProcess({ INFERENCE_THREADS: '2' });
    try {
      const call = (body: Uint8Array, type: string) =>
        fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...AUTH, 'Content-Type': type }, body: new Blob([body as Uint8Array<ArrayBuffer>]) });
      const fromCsv = await call(Buffer.from(text), 'text/csv');
      expect(fromCsv.status).toBe(200);
      const reference = predictionsOf(await fromCsv.text());
      const res = await call(book, XLSX);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-row-count')).toBe(String(rows));
      const answer = Buffer.from(await res.arrayBuffer());
      const shown = predictionsOf(libreOfficeCsv({ large: answer }).large);
      expect(shown.length).toBe(rows);
      expect(shown.map(([label]) => label)).toEqual(reference.map(([label]) => label));
      shown.forEach(([, p], i) => {
        if (Math.abs(p - reference[i][1]) > 0.00005 + 1e-9) throw new Error(`row ${i + 1}: ${p} shown for ${reference[i][1]}`);
      });
    } finally {
      await server.stop();
    }
  }, 600_000);
});
