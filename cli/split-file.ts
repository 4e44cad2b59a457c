/**
 * A CSV file as pieces that are ordinary predict requests: cut at record boundaries by the
 * service's own boundary code (service/src/csv/record-bounds.ts, the README's CSV rules), the
 * header repeated on every piece, each under the request cap. Read as it is sent: only the piece
 * being cut and a record's worth past it are in memory, never the file.
 *
 * Shared by the CLI (a file on disk) and the page (a File in the browser, bundled by
 * frontend/dev/vendor.ts), so it knows bytes only as Uint8Arrays read from a ByteSource.
 */
import { nextRecordStart, recordRanges } from '../service/src/csv/record-bounds';
import { MAX_RECORD_BYTES } from '../service/src/inference/chunk-plan';

/** Where the file's bytes come from: a file handle (the CLI) or a File (the page). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `position`; fewer only at the end of the file. */
  read(position: number, length: number): Promise<Uint8Array>;
}

export interface FilePiece {
  index: number;
  /** The request body: the header (the file's own bytes, BOM included, for the first piece) and whole records. */
  body: Uint8Array;
  /** Records of the file before this piece's first (blank lines included, as the service counts rows). */
  rowOffset: number;
  /** Records in this piece, after its header. */
  records: number;
  /** The file's bytes this piece covers (its header copy not counted), for progress. */
  fileBytes: number;
  /** Cut where a record runs on past the service's 1 MiB limit (a quote that never closes): the last piece. */
  runaway: boolean;
}

const READ_BYTES = 4 * 1024 * 1024;
/** The first piece's usual size: answered in a second or two beside the full-size pieces, so progress shows early. */
export const FIRST_PIECE_BYTES = 1024 * 1024;

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Records that start in bytes[from, to), where `from` is a record's start: one boundary search each. */
export function countRecords(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let at = from; at < to && at !== -1; at = nextRecordStart(bytes, at, at)) n++;
  return n;
}

/**
 * Pieces of about `pieceBytes` each (a piece runs on only to finish its last record). The first is
 * `firstPieceBytes` and each after it twice the one before, up to `pieceBytes`: the first answers
 * (the first progress, the preview, or the header's problems) come back while the large pieces are
 * still on their way, instead of once the first few large pieces, which share the service's cores, are all scored.
 */
export async function* splitFile(file: ByteSource, pieceBytes: number, firstPieceBytes = pieceBytes): AsyncGenerator<FilePiece> {
  let pending: Uint8Array = new Uint8Array(0);
  let position = 0;
  let eof = false;
  const readMore = async (atLeast: number) => {
    while (!eof && pending.length < atLeast) {
      const chunk = await file.read(position, Math.max(READ_BYTES, atLeast - pending.length));
      position += chunk.length;
      if (chunk.length === 0) eof = true;
      else pending = concatBytes(pending, chunk);
    }
  };

  // The header: the first record after any BOM.
  await readMore(READ_BYTES);
  const bom = pending[0] === 0xef && pending[1] === 0xbb && pending[2] === 0xbf ? 3 : 0;
  let headerEnd = nextRecordStart(pending, bom, bom);
  while (headerEnd === -1 && !eof) {
    await readMore(pending.length + READ_BYTES);
    headerEnd = nextRecordStart(pending, bom, bom);
  }
  if (headerEnd === -1) {
    // A header and nothing after it: one piece, for the service to answer as it answers that.
    yield { index: 0, body: pending, rowOffset: 0, records: 0, fileBytes: pending.length, runaway: false };
    return;
  }
  const header = pending.slice(bom, headerEnd);

  let index = 0;
  let rowOffset = 0;
  let start = headerEnd; // in `pending`: where this piece's records start
  for (;;) {
    const size = Math.min(pieceBytes, firstPieceBytes * 2 ** index);
    const budget = Math.max(1, size - header.length);
    // Enough past the budget that a record not ended within the service's limit is known to be one.
    await readMore(start + budget + MAX_RECORD_BYTES + 1);
    // The first piece goes even with no records: the service answers a header alone as it does for the whole file.
    if (start >= pending.length && index > 0) return;
    const [range, next] = recordRanges(pending, start, pending.length, budget, MAX_RECORD_BYTES);
    const last = eof && next === undefined;
    const end = range.end;
    const records = countRecords(pending, start, end);
    const body = index === 0 ? pending.slice(0, end) : concatBytes(header, pending.subarray(start, end));
    yield { index, body, rowOffset, records, fileBytes: index === 0 ? end : end - start, runaway: range.runaway === true };
    if (range.runaway || last) return;
    index++;
    rowOffset += records;
    pending = pending.subarray(end);
    start = 0;
  }
}
