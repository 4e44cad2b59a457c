/**
 * The fast reader of a worksheet's rows (regular expressions) against the reference (saxes), on
 * generated row XML of every shape a writer may use: cells with and without references, every
 * cell type, formulas with and without saved values, rich and phonetic text, entities, element
 * prefixes, either quote, self-closing rows, cells and values.
 */
import fc from 'fast-check';
import JSZip from 'jszip';
import { openBook, type Book } from '../src/workbook/book';
import { InflateBudget, partPieces } from '../src/workbook/container';
import { fastRow, ROW_ELEMENT, SaxesRows, sheetRows, type SheetExtent, type SheetRow } from '../src/workbook/sheet-rows';

const book = { strings: ['名前', 'a & b', ' lead', ''], dateStyles: [false, true, false], date1904: false } as unknown as Book;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = fc.oneof(
  fc.constantFrom('コウテイ', 'a<b', 'x & y', '"q"', ' sp ', '', 'あ'),
  fc.string({ maxLength: 6 }).filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff\r]/.test(s)),
);
const textXml = (s: string, p: string) => fc.constantFrom(`<${p}t>${escape(s)}</${p}t>`, `<${p}t xml:space="preserve">${escape(s).replace(/あ/g, '&#12354;').replace(/y/g, '&#x79;')}</${p}t>`);
const number = fc.oneof(fc.constantFrom('0', '-0', '1.50', '1e3', '39.1', '0.1', '12345678901234567', '45000', ' 7 ', ''), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String));

function cellXml(p: string): fc.Arbitrary<string> {
  const attrs = (t: string | undefined) =>
    fc.tuple(fc.option(fc.integer({ min: 1, max: 30 })), fc.constantFrom('', ' s="1"', " s='2'", ' s="0"'), fc.constantFrom('"', "'"), fc.integer({ min: 1, max: 9 })).map(([col, s, q, row]) => {
      const letters = col === null ? '' : ` r=${q}${String.fromCharCode(64 + Math.min(col, 26))}${col > 26 ? 'A' : ''}${row}${q}`;
      return `${letters}${t ? ` t=${q}${t}${q}` : ''}${s}`;
    });
  const value = (v: string) => fc.constantFrom(`<${p}v>${escape(v)}</${p}v>`);
  return fc.oneof(
    fc.tuple(attrs(undefined), number).chain(([a, v]) => value(v).map((x) => `<${p}c${a}>${x}</${p}c>`)),
    fc.tuple(attrs('n'), number, fc.boolean()).map(([a, v, f]) => `<${p}c${a}>${f ? `<${p}f>B1*2</${p}f>` : ''}<${p}v>${v}</${p}v></${p}c>`),
    fc.tuple(attrs('s'), fc.integer({ min: 0, max: 4 })).map(([a, i]) => `<${p}c${a}><${p}v>${i}</${p}v></${p}c>`),
    fc.tuple(attrs('inlineStr'), fc.array(text, { minLength: 1, maxLength: 3 }), fc.boolean()).chain(([a, runs, phonetic]) =>
      fc.tuple(...runs.map((r) => textXml(r, p))).map((ts) => {
        const body = ts.length === 1 ? ts[0] : ts.map((t) => `<${p}r><${p}rPr><${p}b/></${p}rPr>${t}</${p}r>`).join('');
        return `<${p}c${a}><${p}is>${body}${phonetic ? `<${p}rPh sb="0" eb="1"><${p}t>フリ</${p}t></${p}rPh>` : ''}</${p}is></${p}c>`;
      }),
    ),
    fc.tuple(attrs('str'), text).map(([a, v]) => `<${p}c${a}><${p}f>A1&amp;"x"</${p}f><${p}v>${escape(v)}</${p}v></${p}c>`),
    fc.tuple(attrs('b'), fc.constantFrom('0', '1')).map(([a, v]) => `<${p}c${a}><${p}v>${v}</${p}v></${p}c>`),
    fc.tuple(attrs('e'), fc.constantFrom('#DIV/0!', '#N/A')).map(([a, v]) => `<${p}c${a}><${p}f>1/0</${p}f><${p}v>${v}</${p}v></${p}c>`),
    attrs(undefined).map((a) => `<${p}c${a}><${p}f>SUM(A1:A2)</${p}f></${p}c>`),
    attrs(undefined).map((a) => `<${p}c${a}><${p}f t="shared" si="0"/><${p}v/></${p}c>`),
    attrs(undefined).map((a) => `<${p}c${a}/>`),
  );
}

const rowsXml = fc.constantFrom('', 'x:').chain((p) =>
  fc.array(
    fc.tuple(fc.option(fc.integer({ min: 1, max: 50 })), fc.array(cellXml(p), { maxLength: 6 }), fc.constantFrom('', ' spans="1:5"', ' ht="20" customHeight="1"')).map(([r, cells, more]) => {
      const attrs = `${r === null ? '' : ` r="${r}"`}${more}`;
      return cells.length === 0 ? `<${p}row${attrs}/>` : `<${p}row${attrs}>${cells.join('')}</${p}row>`;
    }),
    { maxLength: 6 },
  ),
);

function fast(xml: string): { rows: SheetRow[]; extent: SheetExtent } {
  const extent = { lastColumn: 0, lastCellColumn: 0 };
  const rows: SheetRow[] = [];
  let rowNumber = 0;
  ROW_ELEMENT.lastIndex = 0;
  for (let m = ROW_ELEMENT.exec(xml); m; m = ROW_ELEMENT.exec(xml)) {
    const row = fastRow(m, rowNumber, book, extent);
    rowNumber = row.row;
    if (row.texts.length > 0) rows.push(row);
  }
  return { rows, extent };
}

function reference(xml: string): { rows: SheetRow[]; extent: SheetExtent } {
  const extent = { lastColumn: 0, lastCellColumn: 0 };
  const slow = new SaxesRows(book, extent);
  slow.read(xml);
  return { rows: slow.rows, extent };
}

describe('reading a sheet\'s rows', () => {
  it('the fast reader reads every generated row as saxes does', () => {
    fc.assert(
      fc.property(rowsXml, (rows) => {
        const xml = rows.join('\n');
        expect(fast(xml)).toEqual(reference(xml));
      }),
      { numRuns: 500 },
    );
  });

  it('reads cells as a CSV export holds them: numbers, dates, shared and inline text without phonetic guides, saved formula values', () => {
    const xml =
      '<row r="3"><c r="A3"><v>1.50</v></c><c r="B3" s="1"><v>45000</v></c><c r="C3" t="s"><v>1</v></c>' +
      '<c r="D3" t="inlineStr"><is><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></is></c><c r="E3"><f>A3*2</f><v>3</v></c>' +
      '<c r="F3"><f>A3*2</f></c><c r="H3" t="b"><v>1</v></c><c r="K3" s="2"/></row>';
    const { rows, extent } = fast(xml);
    expect(rows).toEqual([{ row: 3, texts: ['1.5', '2023-03-15', 'a & b', '山田', '3', '', '', 'TRUE'], missing: [6], styles: [0, 1, 0, 0, 0, 0, undefined, 0] }]);
    expect(extent).toEqual({ lastColumn: 8, lastCellColumn: 11 });
  });

  it('reads a sheet the same stored or deflated, in pieces cut through rows and characters, rows of hundreds of kB included', async () => {
    // Rows of three-byte characters, two of them longer than several pieces (one of them the last,
    // so the sheet ends while its text waits to be searched again), in a part of many pieces.
    const rowXml = (r: number, length: number) => `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>山田太郎${'あ'.repeat(length)}</t></is></c><c r="B${r}"><v>${r / 8}</v></c></row>`;
    const rows = Array.from({ length: 2000 }, (_, i) => rowXml(i + 1, i === 700 || i === 1999 ? 100_000 : i % 7)).join('');
    const head = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
    // Padded so the first piece ends inside a character.
    const pad = [0, 1, 2].find((n) => (Buffer.from(head + ' '.repeat(n) + rows)[16 * 1024] & 0xc0) === 0x80)!;
    const sheet = `${head}${' '.repeat(pad)}${rows}</sheetData></worksheet>`;
    const zipped = async (compression: 'STORE' | 'DEFLATE') => {
      const zip = new JSZip();
      zip.file('xl/workbook.xml', '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>');
      zip.file('xl/_rels/workbook.xml.rels', '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>');
      zip.file('xl/worksheets/sheet1.xml', sheet);
      return openBook(await zip.generateAsync({ type: 'uint8array', compression }));
    };
    const read = async (opened: Book) => {
      const out: SheetRow[] = [];
      for await (const row of sheetRows(opened, opened.sheets[0])) out.push(row);
      return out;
    };
    const whole = fast(rows).rows;
    expect(whole).toHaveLength(2000);
    for (const compression of ['STORE', 'DEFLATE'] as const) {
      const opened = await zipped(compression);
      const pieces: number[] = [];
      for await (const piece of partPieces(opened.bytes, opened.sheets[0].entry, new InflateBudget())) pieces.push(piece.length);
      expect(pieces.length).toBeGreaterThan(20);
      expect(Math.max(...pieces)).toBe(16 * 1024);
      expect(await read(opened)).toEqual(whole);
    }
  });
});
