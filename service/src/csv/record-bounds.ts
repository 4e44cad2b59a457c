/**
 * Finding record boundaries in CSV bytes without parsing: a line break outside quotes ends a
 * record. Cutting bytes there is safe for both accepted encodings: in UTF-8 and in Shift_JIS the
 * bytes of '"', CR and LF never occur inside a multi-byte character.
 */
import Papa from 'papaparse';
import type { TextEncoding } from './decode';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

export type Linebreak = '\r\n' | '\n' | '\r';

const bufferOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function quotesBetween(buf: Buffer, from: number, to: number): number {
  // Searched up to `to` only: in a file without quotes, each search would otherwise run to its end.
  const range = buf.subarray(0, to);
  let n = 0;
  for (let i = range.indexOf(QUOTE, from); i !== -1; i = range.indexOf(QUOTE, i + 1)) n++;
  return n;
}

/** Just past the first line break at or after `from` that is outside quotes; -1 if there is none. */
export function recordEnd(buf: Buffer, from: number, quotesBefore: number, linebreak: Linebreak = '\n'): number {
  const last = linebreak === '\r' ? CR : LF;
  let open = quotesBefore % 2 === 1;
  for (let at = from; ;) {
    const end = buf.indexOf(last, at);
    if (end === -1) return -1;
    if (quotesBetween(buf, at, end) % 2 === 1) open = !open;
    at = end + 1;
    // With CRLF records, a lone LF is text inside a field.
    if (!open && (linebreak !== '\r\n' || (end > 0 && buf[end - 1] === CR))) return end + 1;
  }
}

export interface RecordRange {
  start: number;
  end: number;
  /** Cut where no record ended within the limit (a quote that never closes): the last range read. */
  runaway?: boolean;
}

/** Just past the first line break at or after `from` regardless of quotes, within `limit`; else `limit`. */
function lineEnd(buf: Buffer, from: number, limit: number, linebreak: Linebreak): number {
  const at = buf.indexOf(linebreak === '\r' ? CR : LF, from);
  return at === -1 || at >= limit ? limit : at + 1;
}

/**
 * Consecutive ranges of whole records covering bytes[from, to), each about `size` bytes: a range
 * runs on only to finish the record that crosses its size. When that record has not ended within
 * `maxRecord` more bytes, the range is cut at a line break anyway and marked a runaway, and no
 * more ranges follow (after it, records cannot be told apart reliably).
 */
export function recordRanges(bytes: Uint8Array, from: number, to: number, size: number, linebreak: Linebreak, maxRecord = Infinity): RecordRange[] {
  const buf = bufferOf(bytes).subarray(0, to);
  const ranges: RecordRange[] = [];
  let start = from;
  while (to - start > size) {
    const crossing = start + size;
    const end = recordEnd(buf, crossing, quotesBetween(buf, start, crossing), linebreak);
    const limit = Math.min(to, crossing + maxRecord);
    if ((end === -1 || end > limit) && to > limit) {
      ranges.push({ start, end: lineEnd(buf, crossing, limit, linebreak), runaway: true });
      return ranges;
    }
    if (end === -1 || end >= to) break;
    ranges.push({ start, end });
    start = end;
  }
  if (start < to || ranges.length === 0) ranges.push({ start, end: to });
  return ranges;
}

/**
 * The line break papaparse would guess for the whole text, found from its start (papaparse looks
 * at the first million characters), so every chunk of the upload is read with the same one.
 */
export function guessLinebreak(bytes: Uint8Array, encoding: TextEncoding): Linebreak {
  // A million characters take at most four million bytes.
  const head = new TextDecoder(encoding).decode(bytes.subarray(0, 4 << 20)).slice(0, 1 << 20);
  return Papa.parse(head, { preview: 1, delimiter: ',', quoteChar: '"' }).meta.linebreak as Linebreak;
}
