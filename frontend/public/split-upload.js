// A CSV larger than one piece, scored as the CLI scores it (the shared code in vendor/pieces.js,
// built from cli/ by `npm run build:frontend`): cut at record boundaries with the header on every
// piece, at most 4 pieces in flight through /api, one batch id, 503 Retry-After waited out and
// network failures tried again, the answers joined in order into one Blob. The whole answer or the
// errors, never part of a file. A UTF-16 file is cut as the CLI cuts it: a UTF-8 copy (a Blob) is
// cut and sent, and each piece's answer turned back into UTF-16, so the download is the whole file's.
import { answerPart, blobSource, fileKind, FIRST_PIECE_BYTES, isUtf8, NotUtf16, scorePieces, splitFile, utf8Blob, Utf16Writer } from './vendor/pieces.js';

const MiB = 1024 * 1024;
/** The largest request the API takes (Cloud Run's and API Gateway's cap): a file that cannot be split must fit. */
export const MAX_REQUEST_BYTES = 32 * MiB;
const DEFAULT_PIECE_BYTES = 16 * MiB;
const CONCURRENCY = 4;

/**
 * The piece size: 16 MiB, or `?piece_kib=` on the page's address (from 16 KiB to 31 MiB), which
 * tests and a slow link can lower. A file no larger than one piece goes as one request.
 */
export function pieceSettings(search = location.search) {
  const kib = Number(new URLSearchParams(search).get('piece_kib'));
  const pieceBytes = Number.isInteger(kib) && kib >= 16 && kib <= 31 * 1024 ? kib * 1024 : DEFAULT_PIECE_BYTES;
  return { pieceBytes, concurrency: CONCURRENCY };
}

/**
 * Scores `file` with `model` in pieces of `settings.pieceBytes`. Resolves with
 *   { ok: true, blob, rows, pieces, headers }: the whole answer (headers: the first piece's response headers),
 *   { ok: false, kind: 'rows', errors, totalErrors }: row errors of the whole file, rows numbered in it,
 *   { ok: false, kind: 'refused', status, problem }: a piece the API refused,
 *   { ok: false, kind: 'not-text', what }: a workbook, which cannot be cut (send it whole),
 *   { ok: false, kind: 'not-utf16', at }: a UTF-16 BOM on text that is not UTF-16 (`at`: about which byte);
 * rejects when the API stays out of reach, or with an AbortError when `signal` cancels.
 * `onAnswer(text)` gets each piece's answer as text, in order, for the summary.
 */
export async function scoreInPieces({ file, model, settings, signal, onProgress, onRetry, onAnswer }) {
  const started = performance.now();
  let source = blobSource(file);
  const kind = await fileKind(source, isUtf8);
  // A workbook goes whole.
  if (kind.kind === 'other') return { ok: false, kind: 'not-text', what: kind.what };
  // UTF-16 text: its UTF-8 copy is cut and sent; the answers come back UTF-8 and are written as the file was (BOM once, same byte order).
  let encode = (bytes) => bytes;
  if (kind.kind === 'utf16') {
    try {
      source = blobSource(await utf8Blob(file, kind.order));
    } catch (error) {
      if (error instanceof NotUtf16) return { ok: false, kind: 'not-utf16', at: error.at };
      throw error;
    }
    const writer = new Utf16Writer(kind.order);
    encode = (bytes) => writer.write(bytes);
  }
  // keep=true: the page's jobs are always kept; the last piece's count lets the batch be served as one file.
  const query = new URLSearchParams({ encoding: kind.kind === 'utf16' ? 'utf-8' : kind.encoding, batch: crypto.randomUUID(), filename: file.name, keep: 'true' });
  const endpoint = { url: `/api/models/${encodeURIComponent(model)}/predict?${query}`, headers: {}, timeoutMs: 300_000 };
  // Blob parts: the browser keeps them out of the page's heap (on disk when large), and the download is one Blob of them.
  const parts = [];
  const decoder = new TextDecoder();
  let headers = null;
  let done = 0;
  // Progress in the bytes sent (a UTF-16 file's UTF-8 copy).
  const total = source.size;
  onProgress({ done: 0, total, secondsLeft: null });
  const pieces = splitFile(source, settings.pieceBytes, Math.min(settings.pieceBytes, FIRST_PIECE_BYTES));
  const outcome = await scorePieces(pieces, endpoint, { concurrency: settings.concurrency, signal, countPieces: true }, {
    answer(piece, got) {
      headers ??= got.headers;
      parts.push(new Blob([encode(answerPart(piece.index, got.body))]));
      onAnswer?.(decoder.decode(got.body));
    },
    advance(piece) {
      done += piece.fileBytes;
      const seconds = (performance.now() - started) / 1000;
      onProgress({ done, total, secondsLeft: done > 0 ? (seconds / done) * (total - done) : null });
    },
    retrying: (piece, why, waitMs) => onRetry?.({ piece: piece.index, why, waitMs }),
  });
  if (!outcome.ok) return outcome;
  const type = (headers.get('content-type') ?? 'text/csv').split(';')[0];
  return { ok: true, blob: new Blob(parts, { type }), rows: outcome.rows, pieces: outcome.pieces, headers };
}
