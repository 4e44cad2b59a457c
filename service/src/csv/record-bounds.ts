/**
 * Finding record boundaries in CSV bytes without reading the fields, by the CSV rules (README, "CSV
 * rules"): a record ends at CRLF, LF or CR outside a quoted field, and a field is quoted only when
 * its first byte is a quote; a quote anywhere else is text. So a boundary depends on which quotes
 * open fields, not on how many quotes came before (a stray `5" tall` would flip a count). The
 * quoted fields are stepped over with indexOf (memchr), so text without quotes costs one search.
 * Cutting bytes here is safe for both accepted encodings: in UTF-8 and in Shift_JIS the bytes of
 * '"', the delimiters (',', TAB, ';'), CR and LF never occur inside a multi-byte character.
 */
const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

const bufferOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Just past the quote that closes the quoted field opened at `open` (a doubled quote is text); -1 if none does. */
function closingQuote(buf: Buffer, open: number): number {
  for (let at = buf.indexOf(QUOTE, open + 1); at !== -1; at = buf.indexOf(QUOTE, at + 2)) {
    if (buf[at + 1] !== QUOTE) return at + 1;
  }
  return -1;
}

/** The first CR or LF in buf[from, to); -1 if there is none. */
function firstBreak(buf: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c === LF || c === CR) return i;
  }
  return -1;
}

/** Just past the line break at `at` (CRLF is one). */
function pastBreak(buf: Buffer, at: number): number {
  return buf[at] === CR && buf[at + 1] === LF ? at + 2 : at + 1;
}

/**
 * Where the first record that starts after `at` starts: just past the first line break outside
 * quotes at or after `at`. `from` must be a record's start (it is read from there). -1 when no
 * record starts after `at` (the text ends first, or a quoted field never closes).
 */
export function nextRecordStart(bytes: Uint8Array, from: number, at: number, delimiter: number = COMMA): number {
  const buf = bufferOf(bytes);
  // The first line break at or after `at` and after `pos`, and the bytes before it, where the
  // quotes that decide whether it is outside quotes are searched for (memchr stops there).
  let lineBreak = -1;
  let before: Buffer | undefined;
  for (let pos = from; ; ) {
    if (before === undefined || pos > lineBreak) {
      lineBreak = firstBreak(buf, Math.max(pos, at), buf.length);
      before = lineBreak === -1 ? buf : buf.subarray(0, lineBreak);
    }
    const quote = before.indexOf(QUOTE, pos);
    if (quote === -1) return lineBreak === -1 ? -1 : pastBreak(buf, lineBreak);
    const prev = buf[quote - 1];
    if (quote === from || prev === delimiter || prev === CR || prev === LF) {
      pos = closingQuote(buf, quote);
      if (pos === -1) return -1;
    } else {
      pos = quote + 1;
    }
  }
}

export interface RecordRange {
  start: number;
  end: number;
  /** Cut where no record ended within the limit (a quote that never closes): the last range read. */
  runaway?: boolean;
}

/**
 * Consecutive ranges of whole records covering bytes[from, to), each about `size` bytes: a range
 * runs on only to finish the record that crosses its size. When that record has not ended within
 * `maxRecord` more bytes, the range is cut at a line break anyway and marked a runaway, and no
 * more ranges follow (after it, records cannot be told apart reliably). `from` is a record's
 * start and `to` the upload's end or a record's start.
 */
export function recordRanges(bytes: Uint8Array, from: number, to: number, size: number, maxRecord = Infinity, delimiter: number = COMMA): RecordRange[] {
  const buf = bufferOf(bytes).subarray(0, to);
  const ranges: RecordRange[] = [];
  let start = from;
  while (to - start > size) {
    const crossing = start + size;
    const end = nextRecordStart(buf, start, crossing, delimiter);
    const limit = Math.min(to, crossing + maxRecord);
    if ((end === -1 || end > limit) && to > limit) {
      const lineBreak = firstBreak(buf, crossing, limit);
      ranges.push({ start, end: lineBreak === -1 ? limit : pastBreak(buf, lineBreak), runaway: true });
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
 * The whole records in bytes[from, end): each must end with its line break, so text cut inside a
 * record (even just after a line break in a quoted field) is told from a whole one. -1 when the
 * last record has no line break of its own: the text was cut, or never ended its last line.
 */
export function wholeRecords(bytes: Uint8Array, from: number, delimiter: number = COMMA): number {
  let n = 0;
  for (let at = from; at < bytes.length; n++) {
    at = nextRecordStart(bytes, at, at, delimiter);
    if (at === -1) return -1;
  }
  return n;
}
