/**
 * Large uploads are split across two threads: every answer (CSV bytes, or the 422 with its row
 * numbers) must be exactly what one thread gives for the whole file.
 */
import iconv from 'iconv-lite';
import request from 'supertest';
import { recordRanges } from '../src/csv/record-bounds';
import { splitUpload, UploadCut } from '../src/inference/split-upload';
import { AUTH, buildTestApp, TestApp } from './helpers';

const HEADER = 'id,note,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g';

/** About `mb` MiB of rows; `row` may override any row's text. */
function upload(mb: number, row: (i: number) => string | undefined = () => undefined): string {
  const lines = [HEADER];
  let size = HEADER.length;
  for (let i = 1; size < mb * 1024 * 1024; i++) {
    lines.push(row(i) ?? `${i},"note ${i % 7}",${35 + (i % 20)},${14 + (i % 6)},${180 + (i % 40)},${3000 + (i % 2000)}`);
    size += lines[i].length + 2;
  }
  return lines.join('\r\n') + '\r\n';
}

let one: TestApp;
let two: TestApp;
beforeAll(async () => {
  [one, two] = await Promise.all([buildTestApp({ threads: 1 }), buildTestApp({ threads: 2 })]);
});
afterAll(async () => Promise.all([one.close(), two.close()]));

async function both(body: string | Buffer, query = '') {
  const send = (t: TestApp) => request(t.app).post(`/v1/predict${query}`).set(AUTH).set('Content-Type', 'text/csv').send(body);
  return Promise.all([send(one), send(two)]);
}

describe('splitting an upload across threads', () => {
  it('cuts only at line ends outside quoted fields', () => {
    const text = 'a,b\n1,"x\ny"\n2,"p\nq\nr"\n3,z\n';
    const bytes = new Uint8Array(Buffer.from(text));
    const pieces = (cut: UploadCut) => cut.ranges.map(([s, e]) => Buffer.from(bytes.subarray(s, e)).toString());
    for (let count = 2; count <= 4; count++) {
      const cut = splitUpload(bytes, 0, count);
      if (!cut) continue;
      expect(cut.headerEnd).toBe(4);
      expect(pieces(cut).join('')).toBe(text);
      for (const piece of pieces(cut).slice(1)) expect(['1,', '2,', '3,']).toContain(piece.slice(0, 2));
    }
    expect(splitUpload(new Uint8Array(Buffer.from('a,b\n"1\n2\n3\n4')), 0, 2)).toBeUndefined();
    expect(splitUpload(new Uint8Array(Buffer.from('just a header')), 0, 2)).toBeUndefined();
  });

  it('cuts at CRLF, LF or CR outside quoted fields, whatever the file mostly uses; a quote inside a field is text', () => {
    const text = 'a,b\r\n1,x\ny\r\n2,p\rq\r\n3,5" tall\r\n4,"x\r\ny"\r\n';
    const bytes = new Uint8Array(Buffer.from(text));
    const ranges = recordRanges(bytes, 0, bytes.length, 1).map((r) => Buffer.from(bytes.subarray(r.start, r.end)).toString());
    expect(ranges).toEqual(['a,b\r\n', '1,x\n', 'y\r\n', '2,p\r', 'q\r\n', '3,5" tall\r\n', '4,"x\r\ny"\r\n']);
  });

  it('answers a large upload byte for byte as one thread does, quoted newlines and blank lines included', async () => {
    const body = upload(3, (i) => (i === 9000 ? `${i},"two\r\nlines, and ""quotes""",40,15,190,3500` : i % 5000 === 0 ? '' : undefined));
    const [a, b] = await both(body);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.text).toBe(a.text);
    expect(b.headers['x-row-count']).toBe(a.headers['x-row-count']);
    expect(b.headers['x-class-counts']).toBe(a.headers['x-class-counts']);
  });

  it('numbers the rows of a 422 over the whole file', async () => {
    const body = upload(3, (i) => (i === 17 || i === 60_000 || i === 60_001 ? `${i},bad,abc,15,190,3500` : i === 30_000 ? `${i},short` : undefined));
    const [a, b] = await both(body);
    expect(a.status).toBe(422);
    expect(b.body).toEqual(a.body);
    expect(b.body.errors.map((e: { row: number }) => e.row)).toEqual([17, 30_000, 60_000, 60_001]);
  });

  it('detects the encoding on the whole file, and lets a piece be empty, as the whole file would', async () => {
    // Plain ASCII up to the last rows, then Shift_JIS: the first piece alone would read as UTF-8.
    const lateJapanese = iconv.encode(upload(3, (i) => (i > 85_000 ? `${i},"再観察",40,15,190,3500` : undefined)), 'Shift_JIS');
    const [a, b] = await both(lateJapanese);
    expect(b.status).toBe(200);
    expect(b.text).toBe(a.text);
    expect(b.text.charCodeAt(0)).toBe(0xfeff);
    expect(b.text).toContain('再観察');

    // The first half is blank lines only: its piece has no rows, and the header still comes first.
    const blanks = `${HEADER}\r\n${'\r\n'.repeat(1_600_000)}1,a,40,15,190,3500\r\n2,b,41,16,191,3600\r\n`;
    const [c, d] = await both(blanks);
    expect(c.status).toBe(200);
    expect(d.text).toBe(c.text);
    const [e, f] = await both(`${HEADER}\r\n${'\r\n'.repeat(1_600_000)}`);
    expect(e.status).toBe(400);
    expect(f.body).toEqual(e.body);
  });

  it('keeps Shift_JIS detection and the BOM of the answer, and header problems, as for the whole file', async () => {
    const sjis = iconv.encode(upload(3, (i) => (i % 1000 === 0 ? `${i},"観察（雨天）",40,15,190,3500` : undefined)), 'Shift_JIS');
    const [a, b] = await both(sjis);
    expect(b.status).toBe(200);
    expect(Buffer.compare(Buffer.from(b.text), Buffer.from(a.text))).toBe(0);
    expect(b.text).toContain('観察（雨天）');

    const missing = upload(3).replace('bill_depth_mm,', '').replace(HEADER.replace('bill_depth_mm,', ''), HEADER.replace('bill_depth_mm,', ''));
    const [c, d] = await both(missing);
    expect(c.status).toBe(422);
    expect(d.body).toEqual(c.body);
  });
});
