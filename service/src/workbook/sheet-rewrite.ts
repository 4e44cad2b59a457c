/**
 * A worksheet's XML rewritten as it streams, with cells appended to rows: everything before the
 * rows (the dimension widened, column widths added for the new columns), each row as it was plus
 * the cells it is given, everything after the rows as it was. Only a row at a time is held.
 * Rows are found by their tags (a `<` in text is always escaped, so a tag never hides in text).
 */
import { attributeOf as attribute, CarryScan, columnLetters, columnOf, ROW_ELEMENT } from './sheet-rows';

export interface Appended {
  /** The first new column (1-based); the new columns run from it, one per header name. */
  first: number;
  /** How many columns are added. */
  count: number;
  /** Each new column's width (in characters). */
  widths: number[];
  /** Whether some row has cells (empty, styled) at or past `first`, which the new cells replace. */
  overlapping: boolean;
  /** The cells to append to a sheet row, written with the sheet's element prefix; '' for none. */
  cellsOf(row: number, prefix: string): string;
}

/** Rows as the reader finds them (a regular expression of its own: its matching state is not shared). */
const ROW = new RegExp(ROW_ELEMENT.source, 'g');
const CELL = /<(?:\w+:)?c\b([^>]*?)(?:\/>|>[\s\S]*?<\/(?:\w+:)?c>)/g;
const SHEET_DATA = /<(\w+:)?sheetData\b[^>]*?(\/?)>/;
const SHEET_DATA_END = /<\/(?:\w+:)?sheetData>/;


export class SheetRewriter {
  private carry = '';
  private mode: 'before' | 'rows' | 'after' = 'before';
  private rowNumber = 0;
  private prefix = '';
  private readonly scan = new CarryScan();

  constructor(private readonly add: Appended) {}

  /** The rewritten text of the next piece of the part (some may be held back until the next). */
  push(text: string): string {
    this.carry += text;
    if (!this.scan.due(this.carry.length)) return '';
    const out = this.rewrite();
    this.scan.left(this.carry.length);
    return out;
  }

  /** What is left at the end of the part. */
  end(): string {
    const out = this.rewrite() + this.carry;
    this.carry = '';
    return out;
  }

  /** The rewritten text of what `carry` holds whole; it keeps the rest. */
  private rewrite(): string {
    let out = '';
    if (this.mode === 'before') {
      const start = SHEET_DATA.exec(this.carry);
      if (!start) return '';
      this.prefix = start[1] ?? '';
      const open = start.index + start[0].length;
      out += this.beforeRows(this.carry.slice(0, start.index)) + start[0];
      this.carry = this.carry.slice(open);
      this.mode = start[2] === '/' ? 'after' : 'rows';
    }
    if (this.mode === 'rows') {
      ROW.lastIndex = 0;
      let end = 0;
      for (let m = ROW.exec(this.carry); m; m = ROW.exec(this.carry)) {
        out += this.carry.slice(end, m.index) + this.row(m);
        end = ROW.lastIndex;
      }
      const rest = this.carry.slice(end);
      const close = SHEET_DATA_END.exec(rest);
      if (close && !/<(?:\w+:)?row\b/.test(rest.slice(0, close.index))) {
        this.mode = 'after';
        this.carry = rest;
      } else {
        this.carry = rest;
        return out;
      }
    }
    out += this.carry;
    this.carry = '';
    return out;
  }

  private row(m: RegExpExecArray): string {
    const [whole, prefix = '', attrs, tail, inner] = m;
    const r = attribute(attrs, 'r');
    this.rowNumber = r ? Number(r) : this.rowNumber + 1;
    const cells = this.add.cellsOf(this.rowNumber, prefix);
    if (cells === '') return whole;
    // spans (which columns the row's cells cover) is an optional hint that would now be wrong.
    const open = `<${prefix}row${attrs.replace(/\sspans="[^"]*"/, '')}>`;
    if (tail === '/>') return `${open}${cells}</${prefix}row>`;
    const kept = this.add.overlapping ? this.withoutNewColumns(inner, cells) : inner + cells;
    return `${open}${kept}</${prefix}row>`;
  }

  /** The row's cells with any (empty) cell in the new columns dropped and the new cells put in column order. */
  private withoutNewColumns(inner: string, cells: string): string {
    const { first, count } = this.add;
    const last = first + count - 1;
    let out = '';
    let column = 0;
    let placed = false;
    let end = 0;
    CELL.lastIndex = 0;
    for (let m = CELL.exec(inner); m; m = CELL.exec(inner)) {
      const r = attribute(m[1], 'r');
      column = r ? columnOf(r) : column + 1;
      out += inner.slice(end, m.index);
      end = CELL.lastIndex;
      if (column >= first && column <= last) continue;
      if (column > last && !placed) {
        out += cells;
        placed = true;
      }
      out += m[0];
    }
    return out + inner.slice(end) + (placed ? '' : cells);
  }

  /** The part before the rows: the dimension widened, widths for the new columns. */
  private beforeRows(text: string): string {
    const { first, count, widths } = this.add;
    const last = first + count - 1;
    const p = this.prefix;
    let out = text.replace(/(<(?:\w+:)?dimension\b[^>]*?\sref=")([^"]*)(")/, (_, a: string, ref: string, z: string) => {
      const [from, to = from] = ref.split(':');
      const end = /^([A-Z]+)(\d+)$/.exec(to);
      if (!end) return a + ref + z;
      return `${a}${from}:${columnLetters(Math.max(columnOf(end[1]), last))}${end[2]}${z}`;
    });
    const added = widths.map((w, k) => ({ min: first + k, max: first + k, xml: `<${p}col min="${first + k}" max="${first + k}" width="${w}" customWidth="1"/>` }));
    const cols = /<(?:\w+:)?cols\b[^>]*>([\s\S]*?)<\/(?:\w+:)?cols>/.exec(out);
    if (!cols) return out + `<${p}cols>${added.map((c) => c.xml).join('')}</${p}cols>`;
    const kept: { min: number; max: number; xml: string }[] = [];
    for (const m of cols[1].matchAll(/<(?:\w+:)?col\b([^>]*?)\/?>(?:<\/(?:\w+:)?col>)?/g)) {
      const min = Number(attribute(m[1], 'min'));
      const max = Number(attribute(m[1], 'max'));
      const xml = (lo: number, hi: number) => m[0].replace(/(\smin=")\d+"/, `$1${lo}"`).replace(/(\smax=")\d+"/, `$1${hi}"`);
      // A column range over the new columns is cut around them (ranges may not overlap).
      if (max < first || min > last) kept.push({ min, max, xml: m[0] });
      else {
        if (min < first) kept.push({ min, max: first - 1, xml: xml(min, first - 1) });
        if (max > last) kept.push({ min: last + 1, max, xml: xml(last + 1, max) });
      }
    }
    const all = [...kept, ...added].sort((a, b) => a.min - b.min);
    const openCols = /<(?:\w+:)?cols\b[^>]*>/.exec(cols[0])![0];
    const closeCols = /<\/(?:\w+:)?cols>$/.exec(cols[0])![0];
    return out.slice(0, cols.index) + openCols + all.map((c) => c.xml).join('') + closeCols + out.slice(cols.index + cols[0].length);
  }
}
