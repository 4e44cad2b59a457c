/**
 * UTF-8 chunks (plain ASCII included) without quotes are read in place (plain-records.ts) instead
 * of as text (text-records.ts). These tests read the same generated files both ways and expect the same rows,
 * values, row texts, formulas and errors, including the odd cells that must take the general way.
 */
import iconv from 'iconv-lite';
import { ByteCursor, byteOffset, textOffsets } from '../src/csv/char-offsets';
import { CsvChunk } from '../src/csv/csv-chunk';
import type { BytesEncoding } from '../src/csv/plain-records';
import { ReadOptions, RowsRead, TableReader } from '../src/table/read-table';
import { TextRecords } from '../src/csv/text-records';
import type { Feature } from '../src/models/manifest';

type Linebreak = '\r\n' | '\n' | '\r';

const features: Feature[] = [
  { name: 'x', type: 'float' },
  { name: 'n', type: 'int64' },
  { name: 'label', type: 'string' },
  { name: 'gap', type: 'double' },
];
const HEADER = ['id', 'gap', 'x', 'label', 'note', 'n'];
/** The same columns named in Japanese where the model does not name them. */
const HEADER_JA = ['番号', 'gap', 'x', 'label', '備考', 'n'];

/** Cells by what they can be: numbers (read the fast way or the general way), text, or neither. */
const WHOLE = ['1', '0', '-0', '+3', '007', ' 7 ', '1e5', '123456789012345', '-42'];
const NUMBERS = [...WHOLE, '-2.5', '.5', '5.', '39.1', '-1E-3', '1234567890123456789', '0.1234567890123456789012345', '3.5\t'];
const TEXT = ['abc', '=1+2', '-x', '@a', '+', '\t1', '', '-1.5', ' ', 'x\ry'];
const TEXT_JA = ['東京', '=合計', 'ｶﾀｶﾅ', '😀 emoji', '-１', '漾@黑'];
const BAD = ['', ' ', 'abc', '0x10', '0b1', '1.2.3', '--1', '+-1', '.', '-', 'Infinity', 'NaN', '1e999', '2.5', 'a\nb'];
const BAD_JA = ['１２', '三', '1.5円'];

/**
 * A file of HEADER's columns; with `bad`, one cell in six may be anything and rows may be ragged;
 * with `japanese`, the header and cells have characters of several bytes in UTF-8.
 */
function generate(seed: number, linebreak: Linebreak, rows: number, bad: boolean, japanese = false): string {
  // Odd seeds end the file with a line break, even ones without.
  const last = seed % 2 ? linebreak : '';
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) % n;
  // A cell holding a line break would end its record early.
  const pick = (cells: string[]) => {
    const usable = cells.filter((cell) => !/[\r\n]/.test(cell));
    return usable[rand(usable.length)];
  };
  const number = () => (rand(4) === 0 ? pick(NUMBERS) : String((rand(20000) - 10000) / 100));
  const text = japanese ? [...TEXT, ...TEXT_JA] : TEXT;
  const bads = japanese ? [...BAD, ...BAD_JA] : BAD;
  const byColumn: Record<string, () => string> = {
    id: () => pick(text),
    gap: () => (rand(5) === 0 ? '' : number()),
    x: number,
    label: () => pick(text),
    n: () => (rand(3) === 0 ? pick(WHOLE) : String(rand(1000) - 500)),
    note: () => pick(text),
  };
  const lines = [(japanese ? HEADER_JA : HEADER).join(',')];
  for (let i = 0; i < rows; i++) {
    if (rand(20) === 0) {
      lines.push('');
      continue;
    }
    const cells = HEADER.map((column) => (bad && rand(6) === 0 ? pick(bads) : byColumn[column]()));
    if (bad && rand(20) === 0) cells.splice(rand(cells.length), 1, ...(rand(2) ? [] : ['1', '2']));
    lines.push(cells.join(','));
  }
  return lines.join(linebreak) + last;
}

/** The records of `text`, cut into chunks of about `size` characters after whole lines. */
function chunksOf(text: string, linebreak: Linebreak, size: number): string[] {
  const chunks: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf(linebreak, Math.min(text.length, at + size));
    end = end === -1 ? text.length : end + linebreak.length;
    chunks.push(text.slice(at, end));
    at = end;
  }
  return chunks;
}

interface Outcome {
  reads: RowsRead[];
  reader: TableReader;
  chunks: string[];
  encoding: BytesEncoding;
}

const encode = (text: string, encoding: BytesEncoding) => (encoding === 'utf-8' ? Buffer.from(text) : iconv.encode(text, 'shift_jis'));
const decode = (bytes: Uint8Array, encoding: BytesEncoding) => new TextDecoder(encoding).decode(bytes);

/** Reads the chunks' bytes in `encoding` from their text, or in place (Shift_JIS with its text, as csv-chunk.ts does). */
function readAll(chunks: string[], inBytes: boolean, opts: Partial<ReadOptions>, encoding: BytesEncoding = 'utf-8'): Outcome {
  const reader = new TableReader({ features, imputed: new Set(['gap']), reserved: ['prediction'], ...opts });
  const reads = chunks.map((chunk) => {
    const bytes = encode(chunk, encoding);
    if (!inBytes) return reader.read(new CsvChunk(bytes, encoding, { text: chunk, inPlace: false }));
    return reader.read(new CsvChunk(bytes, encoding, { text: encoding === 'utf-8' ? undefined : decode(bytes, encoding) }));
  });
  return { reads, reader, chunks, encoding };
}

/** What was read, with each row's text picked out of its chunk's bytes (where its spans are, either way). */
function summary({ reads, reader, chunks, encoding }: Outcome) {
  const rowTexts = (r: RowsRead, chunk: string) => Array.from({ length: r.rows }, (_, i) => decode(encode(chunk, encoding).subarray(r.spans[2 * i], r.spans[2 * i + 1]), encoding));
  return {
    reads: reads.map((r, k) => ({ rows: r.rows, neutralised: Array.from(r.neutralised), texts: rowTexts(r, chunks[k]), columns: r.columns.map((c) => Array.from(c.values as ArrayLike<unknown>)) })),
    errors: reader.errors.listed,
    total: reader.errors.total,
    rows: reader.rows,
    records: reader.recordCount,
    headerLine: reader.headerLine,
  };
}

describe('UTF-8 chunks read in place', () => {
  const cases: [Linebreak, number][] = [
    ['\r\n', 1],
    ['\n', 2],
    ['\r', 3],
    ['\r\n', 4],
    ['\n', 5],
    ['\r\n', 6],
  ];

  it.each(cases)('read what the text reader reads, row for row (%j, seed %i)', (linebreak, seed) => {
    const kinds: [boolean, boolean, BytesEncoding][] = [[false, false, 'utf-8'], [true, false, 'utf-8'], [false, true, 'utf-8'], [true, true, 'utf-8'], [false, true, 'shift_jis'], [true, true, 'shift_jis']];
    for (const [bad, japanese, encoding] of kinds) {
      // Shift_JIS has no emoji: the text is what its bytes say.
      const text = decode(encode(generate(seed, linebreak, 400, bad, japanese), encoding), encoding);
      for (const size of [text.length, 1500]) {
        const opts = {};
        const chunks = chunksOf(text, linebreak, size);
        const asText = jest.spyOn(TextRecords.prototype, 'advance');
        const inPlace = readAll(chunks, true, opts, encoding);
        // Only the header was read as text: the rows were read in place.
        expect(asText).toHaveBeenCalledTimes(1);
        asText.mockRestore();
        expect(summary(inPlace)).toEqual(summary(readAll(chunks, false, opts, encoding)));
        expect(inPlace.reads.map((r) => Array.from(r.spans))).toEqual(readAll(chunks, false, opts, encoding).reads.map((r) => Array.from(r.spans)));
        // The valid files are kept whole; the others have errors of every kind.
        if (bad) expect(inPlace.reader.errors.total).toBeGreaterThan(50);
        else expect([inPlace.reader.errors.total, inPlace.reads.reduce((n, r) => n + r.rows, 0)]).toEqual([0, inPlace.reader.rows]);
      }
    }
  });

  it('read a valid file with formulas and text features as the text reader does, and keep its values', () => {
    const lines = ['id,gap,x,label,note,n', '1,2.5,-3,a,=SUM(A1),4', '2,,0.5,+b,ok,-7', '-3,1e3,+.5,c,@x,0'];
    const text = lines.join('\r\n');
    const inPlace = readAll([text], true, {});
    expect(summary(inPlace)).toEqual(summary(readAll([text], false, {})));
    expect(inPlace.reader.errors.total).toBe(0);
    const [read] = inPlace.reads;
    expect(Array.from(read.neutralised)).toEqual([0, 1, 2]);
    expect(read.columns.map((c) => Array.from(c.values as ArrayLike<unknown>))).toEqual([
      [-3, 0.5, 0.5],
      [4, -7, 0],
      ['a', '+b', 'c'],
      [2.5, NaN, 1000],
    ]);
  });

  it('give way to the text reader for a chunk with a quote', () => {
    const text = 'id,gap,x,label,n,note\n1,2,3,"a,b",4,x\n';
    const asText = jest.spyOn(TextRecords.prototype, 'advance');
    const inPlace = readAll([text], true, {});
    expect(asText).toHaveBeenCalledTimes(3);
    asText.mockRestore();
    expect(inPlace.reads[0].columns[2].values).toEqual(['a,b']);
  });
});

describe('offsets in bytes and in text', () => {
  it('match, for every character of UTF-8 and of Shift_JIS', () => {
    // Shift_JIS lead bytes from both ranges (東 0x93, 漾 0xE0, 黑 0xFC), one-byte kana, a trail byte that is ASCII '@' (漾 0xE0 0x40).
    const utf8 = ['a', ',', '東', '京', '漾', '黑', 'ｶ', 'ﾀ', '😀', 'é', '\r', '\n', '－', '１', 'x'];
    for (const [encoding, chars] of [['utf-8', utf8], ['shift_jis', utf8.filter((c) => c !== '😀' && c !== 'é')]] as const) {
      // Where each character starts, in bytes and in UTF-16 units, and where the text ends.
      const starts = [0];
      const units = [0];
      for (const c of chars) {
        starts.push(starts[starts.length - 1] + encode(c, encoding).length);
        units.push(units[units.length - 1] + c.length);
      }
      const bytes = encode(chars.join(''), encoding);
      expect(starts[starts.length - 1]).toBe(bytes.length);
      expect(Array.from(textOffsets(bytes, Int32Array.from(starts), encoding))).toEqual(units);
      expect(units.map((u) => byteOffset(bytes, u, encoding))).toEqual(starts);
      const cursor = new ByteCursor(bytes, encoding);
      expect(units.map((u) => cursor.at(u))).toEqual(starts);
    }
  });
});
