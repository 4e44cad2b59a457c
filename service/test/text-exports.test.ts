/**
 * Excel's text exports over HTTP (issue 16): "Unicode text" (UTF-16 with a BOM, tab-separated),
 * tab- and semicolon-separated files, answered in the same encoding and delimiter.
 */
import request from 'supertest';
import { AUTH, binaryParser, buildTestApp, FEATURES, TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  // Two threads, so an upload of 2 MiB and more is read in pieces and its answer streamed.
  t = await buildTestApp({ threads: 2 });
});
afterAll(() => t.close());

const utf16 = (text: string, order: 'le' | 'be') => {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  return order === 'le' ? le : le.swap16();
};

const table = (d: string, rows: (string | number)[][]) => rows.map((r) => r.join(d)).join('\r\n') + '\r\n';
const HEADER = ['名前', ...FEATURES, '備考'];
const ROWS: (string | number)[][] = [
  ['ペンギン①', 39.1, 18.7, 181, 3750, '南極, 東岸'],
  ['コウテイ', 46.5, 17.9, 192, 3500, ''],
];

const post = (path: string, body: Buffer, name: string) => request(t.app).post(path).set(AUTH).attach('file', body, name).buffer(true).parse(binaryParser);

describe("Excel's Unicode text (UTF-16 with BOM, tabs)", () => {
  it.each(['le', 'be'] as const)('reads UTF-16%s and answers in the same encoding, with tabs, as a .txt', async (order) => {
    const res = await post('/v1/predict', utf16(table('\t', [HEADER, ...ROWS]), order), '集計.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(`text/tab-separated-values; charset=utf-16${order}`);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('集計-predictions.txt')}`);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 2)]).toEqual(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]);
    const text = (order === 'le' ? body : Buffer.from(body).swap16()).toString('utf16le').slice(1);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe([...HEADER, 'prediction', 'probability'].join('\t'));
    expect(lines[1]).toMatch(/^ペンギン①\t39\.1\t18\.7\t181\t3750\t南極, 東岸\t(male|female)\t0\.\d{6}$/);
    expect(lines).toHaveLength(4);
  });

  it('answers a large UTF-16 upload (read in pieces, streamed) the same as the small one, row for row', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => [`ペンギン${i}`, 39 + (i % 10) / 10, 18.7, 181, 3750, '備考']);
    const body = utf16(table('\t', [HEADER, ...rows]), 'le');
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await post('/v1/predict', body, 'big.txt');
    expect(res.status).toBe(200);
    const lines = (res.body as Buffer).toString('utf16le').slice(1).split('\r\n');
    expect(lines).toHaveLength(rows.length + 2);
    expect(lines[rows.length]).toMatch(/^ペンギン39999\t39\.9\t/);
  });

  it('answers in UTF-8 when output_encoding asks for it', async () => {
    const res = await post('/v1/predict?output_encoding=utf-8', utf16(table('\t', [HEADER, ...ROWS]), 'le'), 'a.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/tab-separated-values; charset=utf-8');
    expect((res.body as Buffer).toString('utf8')).toMatch(/^名前\tbill_length_mm/);
  });

  it('refuses UTF-16 that does not decode, saying what to save instead', async () => {
    const res = await request(t.app).post('/v1/predict').set(AUTH).attach('file', Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00]), 'bad.txt');
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(/UTF-16LE.*Unicode text/);
  });
});

describe('delimiters', () => {
  it('detects a semicolon file from its header and answers with semicolons', async () => {
    const res = await post('/v1/predict', Buffer.from(table(';', [HEADER, ...ROWS])), 'eu.csv');
    expect(res.status).toBe(200);
    const lines = (res.body as Buffer).toString('utf8').split('\r\n');
    expect(lines[0]).toBe([...HEADER, 'prediction', 'probability'].join(';'));
    expect(lines[1]).toMatch(/^ペンギン①;39\.1;18\.7;181;3750;南極, 東岸;(male|female);0\.\d{6}$/);
    expect(res.headers['content-disposition']).toContain('eu-predictions.csv');
  });

  it('picks the delimiter that finds the features, even when another one is common in the header', async () => {
    // Commas in the names, tabs between them: only tabs give the model's columns.
    const header = ['a,b', ...FEATURES, 'c,d'];
    const res = await post('/v1/predict', Buffer.from(table('\t', [header, ['1,2', 39.1, 18.7, 181, 3750, 'x,y']])), 'x.tsv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/tab-separated-values; charset=utf-8');
    expect((res.body as Buffer).toString('utf8')).toMatch(/^a,b\tbill_length_mm.*\r\n1,2\t39\.1\t18\.7\t181\t3750\tx,y\t(male|female)\t0\.\d{6}\r\n$/);
  });

  it('takes ?delimiter= as forced, and names the setting when its value is wrong', async () => {
    const forced = await post('/v1/predict?delimiter=comma', Buffer.from(table(';', [HEADER, ...ROWS])), 'eu.csv');
    expect(forced.status).toBe(422);
    expect(JSON.parse((forced.body as Buffer).toString()).errors[0].message).toMatch(/required column "bill_length_mm" is missing/);
    const tab = await post('/v1/predict?delimiter=tab', Buffer.from(table('\t', [HEADER, ...ROWS])), 'a.tsv');
    expect(tab.status).toBe(200);
    const bad = await request(t.app).post('/v1/predict?delimiter=pipe').set(AUTH).type('text/csv').send(table(',', [FEATURES, [1, 2, 3, 4]]));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('delimiter must be one of auto, comma, tab, semicolon (got "pipe")');
  });

  it('names a decimal comma in a semicolon file, with the cell and what to write instead', async () => {
    const res = await request(t.app)
      .post('/v1/predict')
      .set(AUTH)
      .type('text/csv')
      .send(table(';', [FEATURES, [39.1, 18.7, 181, 3750], ['39,1', 18.7, 181, 3750]]));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ row: 2, column: 'bill_length_mm', message: '"39,1" has a decimal comma, which is not read: write it with a dot (39.1)' }]);
  });
});
