/**
 * The records of CSV text, quotes and all, by the CSV rules (README, "CSV rules"), which are how a
 * spreadsheet reads a file: a record ends at CRLF, LF or CR outside a quoted field; a field whose
 * first character is a quote is quoted (`""` inside is a quote, and the quote that closes it must
 * be followed by the delimiter (a comma, tab or semicolon), a line break or the end); a quote anywhere else is text. So every line
 * break a spreadsheet would start a row at ends a record here too, and the row written back
 * holds none outside quotes. record-bounds.ts finds the same boundaries in bytes, and
 * plain-records.ts reads the same fields where there are no quotes.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/** What is wrong with a field's quotes. */
export type QuoteProblem = 'unclosed' | 'text-after-closing-quote';

/** Says what is wrong with a field's quotes, and what to do. */
export function quoteMessage(problem: QuoteProblem): string {
  return problem === 'unclosed'
    ? 'malformed quotes: a quoted field is never closed; double a quote inside a quoted field ("") or close it'
    : 'malformed quotes: text follows the closing quote of a quoted field; double a quote inside a quoted field ("")';
}

/** Where the unquoted text from `i` ends: at the delimiter, a line break or the end. */
function plainEnd(text: string, i: number, delimiter: number): number {
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === delimiter || c === LF || c === CR) return i;
  }
  return n;
}

/** Walks the records of `text` from `from` (a record's start), one at a time. */
export class TextRecords {
  /** The current record's text is [start, end); the line break after it is not included. */
  start = 0;
  end = 0;
  cells: string[] = [];
  /** The current record's first field (0-based) with malformed quotes, and what is wrong; -1 when none. */
  badField = -1;
  badQuote: QuoteProblem | undefined;
  /** Where the record after the current one starts. */
  next: number;

  constructor(
    private readonly text: string,
    from = 0,
    private readonly delimiter: number = COMMA,
  ) {
    this.next = from;
  }

  /** Moves to the next record; false once the text is used up (text ending with a line break has no record after it). */
  advance(): boolean {
    const { text } = this;
    const n = text.length;
    let i = this.next;
    if (i >= n) return false;
    this.start = i;
    this.badField = -1;
    this.badQuote = undefined;
    const cells: string[] = [];
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        cell = '';
        let from = i + 1;
        let closed = false;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) {
            cell += text.slice(from);
            i = n;
            break;
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            cell += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          cell += text.slice(from, q);
          i = q + 1;
          closed = true;
          break;
        }
        const after = plainEnd(text, i, this.delimiter);
        if (!closed) this.bad(cells.length, 'unclosed');
        else if (after > i) this.bad(cells.length, 'text-after-closing-quote');
        // A malformed field's text runs on, unquoted, to the next comma or line break.
        if (after > i) cell += text.slice(i, after);
        i = after;
      } else {
        const after = plainEnd(text, i, this.delimiter);
        cell = text.slice(i, after);
        i = after;
      }
      cells.push(cell);
      if (text.charCodeAt(i) !== this.delimiter) break;
      i++;
    }
    this.end = i;
    this.next = text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? i + 2 : Math.min(n, i + 1);
    this.cells = cells;
    return true;
  }

  private bad(field: number, problem: QuoteProblem): void {
    if (this.badQuote !== undefined) return;
    this.badField = field;
    this.badQuote = problem;
  }
}
