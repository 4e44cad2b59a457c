/**
/**
 * Scores a file of any size from disk: its pieces (split-file.ts; a UTF-16 file through a UTF-8
 * copy, utf16-file.ts) scored in order (score-pieces.ts) and appended to the answer file
 * (answer-file.ts), which is renamed into place only when the whole file was scored. A workbook goes whole.
 */
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { AnswerFile } from './answer-file';
import { fileKind } from './file-encoding';
import type { Progress } from './progress';
import { MAX_LISTED_ERRORS, PiecesOutcome, scorePieces } from './score-pieces';
import type { Endpoint, RetryPolicy } from './send-piece';
import { ByteSource, FilePiece, FIRST_PIECE_BYTES, splitFile } from './split-file';
import { NotUtf16, utf16Answer, utf8Copy } from './utf16-file';

export { MAX_LISTED_ERRORS };

export interface ScoreOptions {
  input: string;
  output: string;
  endpoint: Endpoint;
  concurrency: number;
  pieceBytes: number;
  /** The first piece's size, doubled for each piece after it up to pieceBytes. @default FIRST_PIECE_BYTES (1 MiB) */
  firstPieceBytes?: number;
  /** The largest request the API takes (Cloud Run's and API Gateway's 32 MiB). */
  maxRequestBytes: number;
  retries?: RetryPolicy;
  /**
   * Keep the answer on the service (keep=true on every piece); the last piece says how many were
   * sent, so the batch's kept answer (GET /v1/batches/{batch}/result) is known complete.
   * @default false
   */
  keep?: boolean;
  progress?: (totalBytes: number) => Progress;
}

export type ScoreResult =
  | (Extract<PiecesOutcome, { ok: true }> & { elapsedMs: number })
  | Exclude<PiecesOutcome, { ok: true }>
  | { ok: false; kind: 'usage'; message: string }
  | { ok: false; kind: 'unreadable'; message: string };

const silent: Progress = { sent() {}, advance() {}, note() {}, stop() {} };

/** A file handle as the splitter reads it. */
function fileSource(file: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position, length) {
      const bytes = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - position)));
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return bytes.subarray(0, filled);
    },
  };
}

export async function scoreFile(opts: ScoreOptions): Promise<ScoreResult> {
  const started = Date.now();
  const file = await open(opts.input, 'r');
  let copy: { file: FileHandle; remove: () => Promise<void> } | undefined;
  try {
    const { size } = await file.stat();
    const source = fileSource(file, size);
    const kind = await fileKind(source, isUtf8);
    let pieces: AsyncIterable<FilePiece>;
    let query = '';
    let encode: ((bytes: Uint8Array) => Uint8Array) | undefined;
    const firstBytes = Math.min(opts.pieceBytes, opts.firstPieceBytes ?? FIRST_PIECE_BYTES);
    if (kind.kind === 'other') {
      // A workbook cannot be cut at record boundaries: it goes whole, or not at all.
      if (size > opts.maxRequestBytes) {
        return { ok: false, kind: 'usage', message: `${opts.input} is ${kind.what} of ${(size / 1048576).toFixed(1)} MiB, larger than one request (${opts.maxRequestBytes >> 20} MiB), and a workbook cannot be split: save it as "CSV UTF-8" or as "Unicode text" (UTF-16) and send that` };
      }
      const body = await source.read(0, size);
      pieces = (async function* () {
        yield { index: 0, body, rowOffset: 0, records: 0, fileBytes: size, runaway: false };
      })();
    } else if (kind.kind === 'utf16') {
      try {
        copy = await utf8Copy(file, kind.order);
      } catch (error) {
        if (!(error instanceof NotUtf16)) throw error;
        return { ok: false, kind: 'unreadable', message: `${opts.input}: ${error.message}` };
      }
      query = 'encoding=utf-8';
      encode = utf16Answer(kind.order);
      pieces = splitFile(fileSource(copy.file, (await copy.file.stat()).size), opts.pieceBytes, firstBytes);
    } else {
      query = `encoding=${kind.encoding}`;
      pieces = splitFile(source, opts.pieceBytes, firstBytes);
    }
    if (opts.keep) query = query ? `${query}&keep=true` : 'keep=true';
    // Progress is counted in the UTF-8 copy's bytes for a UTF-16 file (what is sent).
    const total = copy ? (await copy.file.stat()).size : size;
    const endpoint = { ...opts.endpoint, url: query ? `${opts.endpoint.url}${opts.endpoint.url.includes('?') ? '&' : '?'}${query}` : opts.endpoint.url };
    const progress = opts.progress?.(total) ?? silent;
    const answer = await AnswerFile.create(opts.output, encode);
    let done = false;
    try {
      const result = await scorePieces(pieces, endpoint, { concurrency: opts.concurrency, retries: opts.retries, started, countPieces: opts.keep }, {
        answer: (piece, got) => answer.append(piece.index, got.body),
        sent: (piece) => progress.sent(piece.fileBytes),
        advance: (piece, rows) => progress.advance(piece.fileBytes, rows),
        retrying: (piece, why, ms) => progress.note(`piece ${piece.index + 1}: ${why}; trying again in ${(ms / 1000).toFixed(1)} s`),
        rowErrors: (piece, problem) => progress.note(`piece ${piece.index + 1} (rows ${piece.rowOffset + 1}–${piece.rowOffset + piece.records}): ${problem.detail}`),
      });
      if (!result.ok) return result;
      await answer.finish();
      done = true;
      return { ...result, elapsedMs: Date.now() - started };
    } finally {
      progress.stop();
      if (!done) await answer.discard();
    }
  } finally {
    await copy?.remove();
    await file.close();
  }
}
