/**
 * A batch's kept pieces as one file: the first piece's answer whole, every later one from its
 * first data row on (past its byte order mark and header), so the result is the answer the whole
 * file would have had. The header is found by the CSV rules (csv/record-bounds.ts) in the answer's
 * own encoding: UTF-8 and Shift_JIS as bytes, UTF-16 as text.
 */
import type { Readable } from 'node:stream';
import { nextRecordStart } from '../csv/record-bounds';
import { utf16Of } from '../csv/utf16';

/** Far more than any header (a record may hold at most 1 MiB of UTF-8, twice that in UTF-16). */
const MAX_HEADER_BYTES = 8 * 1024 * 1024;

/**
 * Where the rows of an answer whose first bytes are `head` start; undefined while more bytes are
 * needed to tell (`ended`: there are none). A header with nothing after it has no rows: its end.
 */
export function rowsStart(head: Buffer, delimiter: number, ended: boolean): number | undefined {
  const utf16 = utf16Of(head);
  if (utf16) {
    // Whole code units only; a character cut at the end is replaced, and lies past the header's end if it is not in it.
    const text = new TextDecoder(utf16, { ignoreBOM: true }).decode(head.subarray(2, head.length & ~1));
    const utf8 = Buffer.from(text);
    const end = nextRecordStart(utf8, 0, 0, delimiter);
    // A line break at the very end may be a CR whose LF has not arrived.
    if (end === -1 || (end === utf8.length && !ended)) return ended ? head.length : undefined;
    return 2 + 2 * utf8.subarray(0, end).toString().length;
  }
  if (head.length < 3 && !ended) return undefined;
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const end = nextRecordStart(head, bom, bom, delimiter);
  if (end === -1 || (end === head.length && !ended)) return ended ? head.length : undefined;
  return end;
}

/** An answer's bytes from its first data row on. */
export async function* rowsOf(answer: AsyncIterable<Buffer>, delimiter: number): AsyncGenerator<Buffer> {
  let head = Buffer.alloc(0);
  let start: number | undefined;
  for await (const chunk of answer) {
    if (start !== undefined) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    start = rowsStart(head, delimiter, false);
    if (start !== undefined) {
      if (start < head.length) yield head.subarray(start);
    } else if (head.length > MAX_HEADER_BYTES) {
      throw new Error(`no header row ended within the first ${MAX_HEADER_BYTES} bytes of a piece`);
    }
  }
  if (start === undefined) {
    start = rowsStart(head, delimiter, true)!;
    if (start < head.length) yield head.subarray(start);
  }
}

export interface JoinedPiece {
  /** Opens the piece's kept answer; undefined when it is no longer there. */
  open(): Promise<Readable | undefined>;
  delimiter: number;
  /** For the error when it is gone: which piece. */
  name: string;
}

/** The pieces' answers, in the order given, as one: the header once. Opened one at a time, as they are read. */
export async function* joinedAnswer(pieces: readonly JoinedPiece[]): AsyncGenerator<Buffer> {
  for (const [i, piece] of pieces.entries()) {
    const body = await piece.open();
    if (!body) throw new Error(`${piece.name} is no longer kept`);
    try {
      if (i === 0) yield* body as AsyncIterable<Buffer>;
      else yield* rowsOf(body as AsyncIterable<Buffer>, piece.delimiter);
    } finally {
      body.destroy();
    }
  }
}
