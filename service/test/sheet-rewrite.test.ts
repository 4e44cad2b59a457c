/**
 * The sheet's XML rewritten as it streams (sheet-rewrite.ts) and styles.xml's added style
 * (styles-patch.ts): the new cells land in column order whatever the piece boundaries, empty styled
 * cells in the new columns give way, column ranges are cut around the new columns, the dimension
 * widens; the result is XML saxes reads.
 */
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { SheetRewriter, type Appended } from '../src/workbook/sheet-rewrite';
import { addProbabilityStyle } from '../src/workbook/styles-patch';

const SHEET =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
  '<dimension ref="A1:C3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>' +
  '<cols><col min="1" max="1" width="30" customWidth="1"/><col collapsed="false" max="1024" min="2" style="0" width="11.5"/></cols>' +
  '<sheetData><row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><v>1</v></c><c r="C1" s="2"><v>2</v></c></row>' +
  '<row r="2"><c r="A2"><v>1</v></c><c r="E2" s="5"/><c r="H2" s="5"/></row><row r="3"/></sheetData>' +
  '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>';

const add = (): Appended => ({
  first: 4,
  count: 2,
  widths: [12, 13],
  overlapping: true,
  cellsOf: (row, p) => (row === 3 ? '' : `<${p}c r="D${row}"><${p}v>${row}</${p}v></${p}c><${p}c r="E${row}"><${p}v>0.5</${p}v></${p}c>`),
});

function rewrite(xml: string, cuts: number[]): string {
  const r = new SheetRewriter(add());
  let out = '';
  let at = 0;
  for (const cut of [...cuts, xml.length]) {
    out += r.push(xml.slice(at, cut));
    at = cut;
  }
  return out + r.end();
}

describe('rewriting a sheet as it streams', () => {
  it('appends the cells in column order, cuts column ranges around the new columns and widens the dimension, wherever the pieces break', () => {
    const whole = rewrite(SHEET, []);
    expect(whole).toContain('<dimension ref="A1:E3"/>');
    expect(whole).toContain('<cols><col min="1" max="1" width="30" customWidth="1"/><col collapsed="false" max="3" min="2" style="0" width="11.5"/><col min="4" max="4" width="12" customWidth="1"/><col min="5" max="5" width="13" customWidth="1"/><col collapsed="false" max="1024" min="6" style="0" width="11.5"/></cols>');
    expect(whole).toContain('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><v>1</v></c><c r="C1" s="2"><v>2</v></c><c r="D1"><v>1</v></c><c r="E1"><v>0.5</v></c></row>');
    // The empty styled cell in a new column gives way; the one past them stays after them.
    expect(whole).toContain('<row r="2"><c r="A2"><v>1</v></c><c r="D2"><v>2</v></c><c r="E2"><v>0.5</v></c><c r="H2" s="5"/></row><row r="3"/>');
    expect(whole).toContain('<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>');
    const parser = new SaxesParser();
    parser.write(whole).close();
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: SHEET.length - 1 }), { maxLength: 12 }), (cuts) => expect(rewrite(SHEET, cuts.sort((a, b) => a - b))).toBe(whole)));
  });

  it('rewrites rows of hundreds of kB the same, in pieces, the last one among them', () => {
    const long = (r: number) => `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>${'長'.repeat(150_000)}</t></is></c></row>`;
    const xml = SHEET.replace('<row r="3"/>', `<row r="3"/>${long(4)}<row r="5"><c r="A5"><v>5</v></c></row>${long(6)}`);
    const whole = rewrite(xml, []);
    expect(whole).toContain(`${'長'.repeat(1000)}</t></is></c><c r="D6"><v>6</v></c><c r="E6"><v>0.5</v></c></row></sheetData>`);
    const cuts = Array.from({ length: Math.floor(xml.length / 16384) }, (_, k) => (k + 1) * 16384);
    expect(rewrite(xml, cuts)).toBe(whole);
  });

  it('adds a sheet with no column widths its own, and uses the sheet\'s element prefix', () => {
    const xml = '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>';
    const out = rewrite(xml, [40, 90]);
    expect(out).toBe('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:cols><x:col min="4" max="4" width="12" customWidth="1"/><x:col min="5" max="5" width="13" customWidth="1"/></x:cols><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="D1"><x:v>1</x:v></x:c><x:c r="E1"><x:v>0.5</x:v></x:c></x:row></x:sheetData></x:worksheet>');
  });
});

describe('the probability style', () => {
  it('is added after every style already there, with a custom number format past the others', () => {
    const styles = '<styleSheet xmlns="x"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="1"><font/></fonts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>';
    const patched = addProbabilityStyle(styles)!;
    expect(patched.index).toBe(2);
    expect(patched.styles).toBe('<styleSheet xmlns="x"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="0.0000"/></numFmts><fonts count="1"><font/></fonts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>');
    const bare = addProbabilityStyle('<styleSheet xmlns="x"><cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>')!;
    expect(bare.styles).toBe('<styleSheet xmlns="x"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0000"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>');
  });
});
