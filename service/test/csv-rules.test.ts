/**
 * The CSV rules (README, "CSV rules") on the uploads issue 15 found getting through, through the
 * HTTP app: one app reads each upload as one chunk, one in chunks of 1 KiB; both must answer alike.
 */
import request from 'supertest';
import { MAX_COLUMNS } from '../src/table/read-table';
import { AUTH, buildTestApp, FEATURES, TestApp } from './helpers';
import { readReference, runsAsFormula } from './reference-csv';

const HEADER = ['id', 'note', ...FEATURES].join(',');
const row = (i: number, note = `n${i}`) => `${i},${note},${35 + (i % 20)},${14 + (i % 6)},${180 + (i % 40)},${3000 + (i % 2000)}`;

let whole: TestApp;
let chunked: TestApp;
beforeAll(async () => {
  [whole, chunked] = await Promise.all([buildTestApp({ threads: 1, chunkBytes: 1 << 30 }), buildTestApp({ threads: 1, chunkBytes: 1024 })]);
});
afterAll(async () => Promise.all([whole.close(), chunked.close()]));

const send = (t: TestApp, body: string | Buffer, path: string) => request(t.app).post(path).set(AUTH).set('Content-Type', 'text/csv').send(body);

/** The answer, the same from both apps. */
async function answer(body: string | Buffer, path = '/v1/predict') {
  const [a, b] = await Promise.all([send(whole, body, path), send(chunked, body, path)]);
  expect(b.status).toBe(a.status);
  expect(b.text).toBe(a.text);
  return a;
}

/** The answer as a spreadsheet reads it: every record, and no cell it would run. */
function asSpreadsheet(text: string): string[][] {
  const rows = readReference(text.replace(/^\ufeff/, '')).map((r) => r.cells);
  for (const cells of rows) for (const cell of cells) expect(runsAsFormula(cell)).toBe(false);
  return rows;
}

const rowsNamed = (res: request.Response) => (res.body.errors as { row: number | null }[]).map((e) => e.row);

describe('item 1: a line break a spreadsheet splits on ends the record here too', () => {
  it('a bare LF in an unquoted cell of a CRLF file splits the row, so the formula after it is seen and neutralised', async () => {
    const body = [HEADER, row(1), `2,ok,39,18,190,3700\n=1+2,x,40,18,190,3800`, row(3)].join('\r\n') + '\r\n';
    const res = await answer(body);
    expect(res.status).toBe(200);
    const rows = asSpreadsheet(res.text);
    expect(rows.length).toBe(5);
    expect(rows[3].slice(0, 2)).toEqual(["'=1+2", 'x']);
  });

  it('a bare CR in an LF file, or a bare LF whose halves are not rows, is named by the rows a spreadsheet shows', async () => {
    const cr = await answer([HEADER, row(1), `2,ok\r@SUM(A1),39,18,190,3700`, row(3)].join('\n'));
    expect(cr.status).toBe(422);
    expect(rowsNamed(cr)).toEqual([2, 3]);
    const lf = await answer([HEADER, `1,ok\n=1+2,39,18,190,3700`].join('\r\n'));
    expect(lf.status).toBe(422);
    expect(rowsNamed(lf)).toEqual([1, 2]);
  });
});

describe('item 2: a broken header is a 422 that says where, never fewer rows', () => {
  it.each([
    ['an unclosed quote', `id,"note,${FEATURES.join(',')}`, /column 2: malformed quotes: a quoted field is never closed/],
    ['text after a closing quote', `id,"note"s,${FEATURES.join(',')}`, /column 2: malformed quotes: text follows the closing quote/],
  ])('%s', async (_, header, message) => {
    const res = await answer([header, row(1), row(2), row(3)].join('\r\n'));
    expect(res.status).toBe(422);
    expect(res.body.errors[0].row).toBeNull();
    expect(res.body.errors[0].message).toMatch(message);
  });

  it('a quote inside an unquoted header name is text, as in a spreadsheet', async () => {
    const res = await answer([`${HEADER},size 5"`, `${row(1)},a`, `${row(2)},b`].join('\r\n'));
    expect(res.status).toBe(200);
    expect(res.headers['x-row-count']).toBe('2');
  });
});

describe('item 3: a stray quote in an unquoted cell reads the same at any size', () => {
  it('5" tall is text in a file of 3 rows and in one of 1.5 MiB', async () => {
    const small = [HEADER, row(1), row(2, '5" tall'), row(3)].join('\r\n') + '\r\n';
    // One quote: counted, it would leave the rest of the file inside a field (past the 1 MiB a record may have).
    const rows = Array.from({ length: 50_000 }, (_, k) => row(k + 1, k === 1 ? '5" tall' : undefined));
    const large = [HEADER, ...rows].join('\r\n') + '\r\n';
    for (const body of [small, large]) {
      const res = await answer(body);
      expect(res.status).toBe(200);
      expect(res.text).toContain('\r\n2,5" tall,');
    }
  });
});

describe('item 4: the same cell gets the same answer whatever the path', () => {
  it('a CRLF line in an LF file ends there, with or without a quote elsewhere in the chunk', async () => {
    for (const other of ['plain', '"quoted"']) {
      const body = [HEADER, row(1), `${row(2)}\r`, row(3, other)].join('\n') + '\n';
      const res = await answer(body);
      expect(res.status).toBe(200);
      // No CR is copied into the answer but the CRLF each row ends with.
      expect(res.text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    }
  });

  it('a numeric cell that starts with a tab is neutralised whether or not another cell of its row is', async () => {
    const res = await answer([HEADER, `1,ok,\t39,18,190,3700`, `2,=x,\t39,18,190,3700`].join('\r\n'));
    expect(res.status).toBe(200);
    const rows = asSpreadsheet(res.text);
    expect(rows[1][2]).toBe("'\t39");
    expect(rows[2][2]).toBe("'\t39");
  });
});

describe('item 5: a header of any width is checked in linear time, and bounded', () => {
  it(`more than ${MAX_COLUMNS} columns is a 422 that says the limit`, async () => {
    const wide = [HEADER, ...Array.from({ length: MAX_COLUMNS }, (_, i) => `c${i}`)].join(',');
    const res = await answer(`${wide}\r\n${row(1)}${','.repeat(MAX_COLUMNS)}\r\n`);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toMatch(`at most ${MAX_COLUMNS}`);
  });

  it(`${MAX_COLUMNS} columns, with names repeated, are read`, async () => {
    const names = (extra: number) => [HEADER, ...Array.from({ length: extra }, (_, i) => `c${i}`)].join(',');
    const ok = await answer(`${names(MAX_COLUMNS - 6)}\r\n${row(1)}${','.repeat(MAX_COLUMNS - 6)}\r\n`);
    expect(ok.status).toBe(200);
    const repeated = await answer(`${names(MAX_COLUMNS - 7)},c7\r\n${row(1)}${','.repeat(MAX_COLUMNS - 6)}\r\n`);
    expect(repeated.status).toBe(422);
    expect(repeated.body.errors).toEqual([{ row: null, column: 'c7', message: 'the header names column "c7" more than once' }]);
  });
});

describe('item 9: values the model overflows on are named, not answered with NaN', () => {
  it('values near FLOAT32_MAX give a 422 naming the row and a column', async () => {
    // The three-class model's softmax of infinite scores is NaN (run as a batch of one row: in a
    // larger batch onnxruntime's arithmetic happens to give 0 and 1 instead).
    const res = await answer([HEADER, '1,x,3.4e38,3.4e38,3.4e38,3.4e38'].join('\r\n'), '/v1/models/penguin-species/predict');
    expect(res.status).toBe(422);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ row: 1, column: 'bill_length_mm' });
    expect(res.text).not.toMatch(/NaN/);
  });

  it('values past FLOAT32_MAX are out of range', async () => {
    const res = await answer([HEADER, '1,x,3.5e38,18,190,3700'].join('\r\n'));
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ row: 1, column: 'bill_length_mm', message: '"3.5e38" is out of range' });
  });
});
