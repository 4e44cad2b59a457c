import iconv from 'iconv-lite';
import { isFormulaLike, neutralise, neutraliseRow, writeRow } from '../src/csv/cells';
import { CsvChunk } from '../src/csv/csv-chunk';
import { decodeUpload, parseEncodingName, RangeDecoder, uploadText } from '../src/csv/decode';
import { fastDecimal as fastDecimalOf } from '../src/csv/decimal';
import { PlainRecords } from '../src/csv/plain-records';
import { ReadOptions, TableReader } from '../src/table/read-table';
import { HttpProblem } from '../src/http/problem';
import type { Feature } from '../src/models/manifest';
import { csv, FEATURES } from './helpers';

const features: Feature[] = FEATURES.map((name) => ({ name, type: 'float' }));
/** The whole text read as one chunk (from its text), with each row's output text picked out as the writer does. */
function read(text: string, imputed?: Set<string>, extra: Partial<ReadOptions> = {}) {
  const reader = new TableReader({ features, imputed, reserved: ['prediction', 'probability'], ...extra });
  const bytes = Buffer.from(text);
  const rows = reader.read(new CsvChunk(bytes, 'utf-8', { inPlace: false }));
  reader.finish();
  const neutralised = new Set(rows.neutralised);
  const lines = Array.from({ length: rows.rows }, (_, i) => {
    const line = bytes.toString('utf8', rows.spans[2 * i], rows.spans[2 * i + 1]);
    return neutralised.has(i) ? neutraliseRow(line) : line;
  });
  return { columns: rows.columns, lines, headerLine: reader.headerLine };
}

function problemOf(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpProblem) return e;
    throw e;
  }
  throw new Error('expected a problem');
}

describe('decodeUpload', () => {
  it('reads UTF-8 and strips a BOM, remembering it', () => {
    const withBom = decodeUpload(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('名前,x\n')]));
    expect(withBom).toEqual({ text: '名前,x\n', encoding: 'utf-8', hadBom: true });
    expect(decodeUpload(Buffer.from('a,b\n')).hadBom).toBe(false);
  });

  it('detects Shift_JIS (CP932, including NEC extensions such as ①)', () => {
    const text = '品名,備考\n①ペンギン,ｶﾀｶﾅ\n';
    const decoded = decodeUpload(iconv.encode(text, 'cp932'));
    expect(decoded).toEqual({ text, encoding: 'shift_jis', hadBom: false });
  });

  it('honours a forced encoding and says when the bytes do not fit it', () => {
    const sjis = iconv.encode('名前\n', 'cp932');
    expect(decodeUpload(sjis, 'shift_jis').text).toBe('名前\n');
    const p = problemOf(() => decodeUpload(sjis, 'utf-8'));
    expect(p.status).toBe(400);
    expect(p.detail).toMatch(/not valid utf-8/);
  });

  it('refuses empty, binary and workbook uploads with what to do', () => {
    expect(problemOf(() => decodeUpload(new Uint8Array())).status).toBe(400);
    expect(problemOf(() => decodeUpload(Buffer.from([0x41, 0x00, 0x42]))).status).toBe(415);
    const xlsx = problemOf(() => decodeUpload(Buffer.from('PK\u0003\u0004rest')));
    expect(xlsx.status).toBe(415);
    expect(xlsx.detail).toMatch(/Excel workbook/);
  });

  it('validates encoding names', () => {
    expect(parseEncodingName('CP932', 'encoding')).toBe('shift_jis');
    expect(parseEncodingName('auto', 'encoding')).toBeUndefined();
    expect(() => parseEncodingName('latin1', 'encoding')).toThrow(/encoding must be one of/);
  });
});

describe('RangeDecoder', () => {
  /** Decodes `bytes` cut at `cuts`, range by range, as a job's chunks are. */
  const decodeInRanges = (bytes: Buffer, cuts: number[], forced?: 'utf-8') => {
    const decoder = new RangeDecoder(uploadText(bytes, forced));
    const bounds = [0, ...cuts, bytes.length];
    return bounds.slice(1).map((end, k) => decoder.decode(bytes.subarray(bounds[k], end), end === bytes.length));
  };

  it('keeps a character split between ranges, in both encodings, and reads plain ASCII ranges around it', () => {
    const text = 'ab,c\nあい,x\nplain,ascii\n';
    for (const bytes of [Buffer.from(text), iconv.encode(text, 'cp932')]) {
      const split = bytes.indexOf('\n') + 2; // inside あ
      const ranges = decodeInRanges(bytes, [bytes.indexOf('\n') + 1, split, bytes.lastIndexOf('plain')]);
      expect(ranges.join('')).toBe(text);
      expect(ranges[0]).toBe('ab,c\n');
      expect(ranges[3]).toBe('plain,ascii\n');
    }
  });

  it('does not take an ASCII range for whole text while a character is left unfinished before it', () => {
    // The first two of あ's three bytes, then plain ASCII.
    const bytes = Buffer.concat([Buffer.from('a,b\n'), Buffer.from('あ').subarray(0, 2), Buffer.from('x\n')]);
    const p = problemOf(() => decodeInRanges(bytes, [bytes.length - 2], 'utf-8'));
    expect(p.status).toBe(400);
    expect(p.detail).toMatch(/not valid utf-8/);
  });
});

describe('cells', () => {
  it('neutralises formulas but leaves signed numbers alone', () => {
    for (const f of ['=1+1', '+SUM(A1)', '-cmd', '@x', '\tx', '\rx', '=-1']) expect(isFormulaLike(f)).toBe(true);
    for (const n of ['-1.5', '+3', '-0.2e-3', 'plain', '', '1-2']) expect(isFormulaLike(n)).toBe(false);
    expect(neutralise('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
  });

  it('quotes what needs quoting', () => {
    expect(writeRow(['a', 'b,c', 'say "hi"', 'multi\nline'])).toBe('a,"b,c","say ""hi""","multi\nline"');
  });
});

describe('TableReader', () => {
  const header = ['id', ...FEATURES, 'note'];

  it('matches feature columns by name in any order and keeps other text exactly as uploaded', () => {
    const text = 'note,body_mass_g,id,flipper_length_mm,bill_depth_mm,bill_length_mm\r\n"a, ""quoted""\nnote",3750,007,181,18.70,39.1\r\n';
    const t = read(text);
    expect(t.columns.map((c) => [...c.values])).toEqual([[39.1], [18.7], [181], [3750]]);
    expect(t.lines).toEqual(['"a, ""quoted""\nnote",3750,007,181,18.70,39.1']);
    expect(t.headerLine).toBe('note,body_mass_g,id,flipper_length_mm,bill_depth_mm,bill_length_mm');
  });

  it('never reads an empty cell as 0, and names row and column for each bad value', () => {
    const p = problemOf(() => read(csv([header, [1, '', 'abc', 'Infinity', '0x10', 'x'], [2, 1, 2, 3, 1e999, 'y'], [3, 1, 2, 3]])));
    expect(p.status).toBe(422);
    expect(p.toBody().errors).toEqual([
      { row: 1, column: 'bill_length_mm', message: 'empty value; a number is required' },
      { row: 1, column: 'bill_depth_mm', message: '"abc" is not a number' },
      { row: 1, column: 'flipper_length_mm', message: '"Infinity" is not a number' },
      { row: 1, column: 'body_mass_g', message: '"0x10" is not a number' },
      { row: 2, column: 'body_mass_g', message: '"Infinity" is not a number' },
      { row: 3, column: null, message: 'the row has 4 fields, the header has 6' },
    ]);
    expect(p.toBody().totalErrors).toBe(6);
  });

  it('reads an empty cell as NaN for a feature the model imputes', () => {
    const t = read(csv([FEATURES, ['', 1, 2, 3]]), new Set(['bill_length_mm']));
    expect(Number.isNaN((t.columns[0].values as Float64Array)[0])).toBe(true);
  });

  it('lists at most 100 errors but counts them all', () => {
    const rows = Array.from({ length: 250 }, () => ['x', 1, 2, 3]);
    const body = problemOf(() => read(csv([FEATURES, ...rows]))).toBody();
    expect(body.errors).toHaveLength(100);
    expect(body.totalErrors).toBe(250);
  });

  it('refuses missing, duplicate and reserved header names', () => {
    const body = problemOf(() => read(csv([['bill_length_mm', 'bill_length_mm', 'prediction', 'body_mass_g'], [1, 2, 3, 4]]))).toBody();
    expect(body.errors).toEqual([
      { row: null, column: 'bill_length_mm', message: 'the header names column "bill_length_mm" more than once' },
      { row: null, column: 'prediction', message: 'column "prediction" is added by the prediction; rename or remove it in the upload' },
      { row: null, column: 'bill_depth_mm', message: 'required column "bill_depth_mm" is missing from the header' },
      { row: null, column: 'flipper_length_mm', message: 'required column "flipper_length_mm" is missing from the header' },
    ]);
  });

  it('counts blank lines in row numbers (so they match the spreadsheet) but drops them', () => {
    const p = problemOf(() => read(`${FEATURES.join(',')}\n1,2,3,4\n\n1,2,3,x\n`));
    expect(p.toBody().errors).toEqual([{ row: 3, column: 'body_mass_g', message: '"x" is not a number' }]);
    expect(read(`${FEATURES.join(',')}\n1,2,3,4\n\n5,6,7,8`).lines).toEqual(['1,2,3,4', '5,6,7,8']);
  });

  it('rewrites only the rows that carry a formula', () => {
    const t = read(csv([header, [1, 1, 2, 3, 4, '=cmd|"/c calc"!A1'], [2, 1, 2, 3, 4, '-1.5']]));
    expect(t.lines).toEqual([`1,1,2,3,4,"'=cmd|""/c calc""!A1"`, '2,1,2,3,4,-1.5']);
  });

  it('reports unterminated quotes and header-only or headerless files', () => {
    expect(problemOf(() => read(`${FEATURES.join(',')}\n1,2,3,"4\n`)).toBody().errors?.[0].message).toMatch(/malformed quotes/);
    expect(problemOf(() => read(`${FEATURES.join(',')}\r\n`)).status).toBe(400);
    expect(problemOf(() => read('\n')).status).toBe(400);
  });
});

describe('plain decimals, from a string and read in place from bytes', () => {
  /** Both ways must agree; then the value is either's. */
  const fastDecimal = (cell: string) => {
    // A line break ends the record, in bytes as in text: such a cell is never one field.
    if (/[\r\n]/.test(cell)) return fastDecimalOf(cell);
    const records = new PlainRecords(Buffer.from(`9,${cell},9\r\n`, 'latin1'), 0, 3);
    records.advance();
    const [inBytes, fromString] = [records.value(1), fastDecimalOf(cell)];
    if (!Object.is(inBytes, fromString)) throw new Error(`${JSON.stringify(cell)}: ${inBytes} in bytes, ${fromString} from the string`);
    return inBytes;
  };

  it('gives exactly what Number() gives for plain decimals, and declines everything else', () => {
    let seed = 42;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const digits = (n: number) => Array.from({ length: n }, () => String(rand(10))).join('');
    let fast = 0;
    for (let i = 0; i < 200_000; i++) {
      const sign = ['', '-', '+'][rand(3)];
      const whole = digits(rand(12));
      const fraction = rand(3) === 0 ? '' : `.${digits(rand(10))}`;
      const cell = `${sign}${whole}${fraction}`;
      const value = fastDecimal(cell);
      if (Number.isNaN(value)) continue;
      fast++;
      if (!Object.is(value, Number(cell))) throw new Error(`${cell}: ${value} !== ${Number(cell)}`);
    }
    expect(fast).toBeGreaterThan(150_000);
    for (const cell of ['', '-', '.', '+.', '1e5', '0x10', ' 1', '1 ', '1.2.3', '1\r5', 'NaN', 'Infinity', '12345678901234567890']) {
      expect(fastDecimal(cell)).toBeNaN();
    }
    expect(Object.is(fastDecimal('-0'), -0)).toBe(true);
    expect(fastDecimal('0.1')).toBe(0.1);
    expect(fastDecimal('.5')).toBe(0.5);
  });
});
