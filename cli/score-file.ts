/**
 * Scores a file of any size from disk: its pieces (split-file.ts) scored in order
 * (score-pieces.ts) and appended to the answer file (answer-file.ts), which is renamed into
 * place only when the whole file was scored.
 */
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { AnswerFile } from './answer-file';
import { fileKind } from './file-encoding';
import type { Progress } from './progress';
import { MAX_LISTED_ERRORS, PiecesOutcome, scorePieces } from './score-pieces';
import type { Endpoint, RetryPolicy } from './send-piece';
import { ByteSource, FilePiece, FIRST_PIECE_BYTES, splitFile } from './split-file';

export { MAX_LISTED_ERRORS };

export interface ScoreOptions {
  input: string;
  output: string;
  endpoint: Endpoint;
  concurrency: number;
  pieceBytes: number;
  /** The largest request the API takes (Cloud Run's and API Gateway's 32 MiB). */
  maxRequestBytes: number;
  retries?: RetryPolicy;
  progress?: (totalBytes: number) => Progress;
}

export type ScoreResult =
  | (Extract<PiecesOutcome, { ok: true }> & { elapsedMs: number })
  | Exclude<PiecesOutcome, { ok: true }>
  | { ok: false; kind: 'usage'; message: string };

const silent: Progress = { advance() {}, note() {}, stop() {} };

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
  try {
    const { size } = await file.stat();
    const source = fileSource(file, size);
    const kind = await fileKind(source, isUtf8);
    let pieces: AsyncIterable<FilePiece>;
    let query = '';
    if (kind.kind === 'other') {
      // Only CSV text can be cut at record boundaries: anything else goes whole, or not at all.
      if (size > opts.maxRequestBytes) {
        return { ok: false, kind: 'usage', message: `${opts.input} is ${kind.what} of ${(size / 1048576).toFixed(1)} MiB: only CSV files (UTF-8 or Shift_JIS) larger than ${opts.maxRequestBytes >> 20} MiB can be split; save it as "CSV UTF-8" and send that` };
      }
      const body = await source.read(0, size);
      pieces = (async function* () {
        yield { index: 0, body, rowOffset: 0, records: 0, fileBytes: size, runaway: false };
      })();
    } else {
      query = `encoding=${kind.encoding}`;
      pieces = splitFile(source, opts.pieceBytes, Math.min(opts.pieceBytes, FIRST_PIECE_BYTES));
    }
    const endpoint = { ...opts.endpoint, url: query ? `${opts.endpoint.url}${opts.endpoint.url.includes('?') ? '&' : '?'}${query}` : opts.endpoint.url };
    const progress = opts.progress?.(size) ?? silent;
    const answer = await AnswerFile.create(opts.output);
    let done = false;
    try {
      const result = await scorePieces(pieces, endpoint, { concurrency: opts.concurrency, retries: opts.retries, started }, {
        answer: (piece, got) => answer.append(piece.index, got.body),
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
    await file.close();
  }
}
