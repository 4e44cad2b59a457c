/**
 * A straightforward reader of the service's CSV rules (README, "CSV rules"), one character at a
 * time, written for the tests and sharing no code with service/src/csv: the differential test
 * holds the service's fast readers to it. It is also the "spreadsheet" that reads our answers:
 * Excel and LibreOffice end a row at CRLF, LF or CR outside quotes, and open a quoted field only
 * at a field's first character.
 */

export interface ReferenceRecord {
  cells: string[];
  /** The record's text, its line break excluded. */
  text: string;
  /** The first field (0-based) whose quotes are malformed, and how. */
  badQuote?: { field: number; kind: 'unclosed' | 'after-close' };
}

/** Reads `text` with `delimiter` (a comma, a tab or a semicolon) between fields. */
export function readReference(text: string, delimiter = ','): ReferenceRecord[] {
  const ENDS_FIELD = new Set([delimiter, '\r', '\n']);
  const records: ReferenceRecord[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const cells: string[] = [];
    let badQuote: ReferenceRecord['badQuote'];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          cell += text[i++];
        }
        if (!closed) badQuote ??= { field: cells.length, kind: 'unclosed' };
        else if (i < n && !ENDS_FIELD.has(text[i])) badQuote ??= { field: cells.length, kind: 'after-close' };
      }
      while (i < n && !ENDS_FIELD.has(text[i])) cell += text[i++];
      cells.push(cell);
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    const end = i;
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else if (i < n) i++;
    records.push({ cells, text: text.slice(start, end), badQuote });
  }
  return records;
}

/** What a spreadsheet runs as a formula (OWASP: = + - @ TAB CR first), unless it is a plain number. */
export function runsAsFormula(cell: string): boolean {
  return /^[=+\-@\t\r]/.test(cell) && !/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(cell);
}
