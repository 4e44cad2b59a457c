/**
 * Scores a file of any size: its pieces (split-file.ts) go out with at most `concurrency` in
 * flight, and their answers are appended in order (answer-file.ts). A later piece waits for the
 * earlier ones to be written, so memory holds at most `concurrency` pieces and their answers.
 * Row errors from any piece are gathered (the first 100 listed, all counted) and the other pieces
 * still sent, so the count is the whole file's; then no answer is written.
 */
import { open } from 'node:fs/promises';
import type { RowError, ProblemBody } from '../service/src/http/problem';
import { AnswerFile } from './answer-file';
import { fileKind } from './file-encoding';
import type { Progress } from './progress';
import { DEFAULT_RETRIES, Endpoint, PieceAnswer, RetryPolicy, sendPiece } from './send-piece';
import { FilePiece, splitFile } from './split-file';

/** As many as one answer lists (service/src/table/read-table.ts). */
export const MAX_LISTED_ERRORS = 100;

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
  | { ok: true; rows: number; pieces: number; bytes: number; firstAnswerMs: number; elapsedMs: number }
  | { ok: false; kind: 'rows'; errors: RowError[]; totalErrors: number; pieces: number }
  | { ok: false; kind: 'refused'; piece: number; status: number; problem: ProblemBody }
  | { ok: false; kind: 'usage'; message: string };

const silent: Progress = { advance() {}, note() {}, stop() {} };

export async function scoreFile(opts: ScoreOptions): Promise<ScoreResult> {
  const started = Date.now();
  const file = await open(opts.input, 'r');
  try {
    const { size } = await file.stat();
    const kind = await fileKind(file);
    let pieces: AsyncIterable<FilePiece>;
    let query = '';
    if (kind.kind === 'other') {
      // Only CSV text can be cut at record boundaries: anything else goes whole, or not at all.
      if (size > opts.maxRequestBytes) {
        return { ok: false, kind: 'usage', message: `${opts.input} is ${kind.what} of ${(size / 1048576).toFixed(1)} MiB: only CSV files (UTF-8 or Shift_JIS) larger than ${opts.maxRequestBytes >> 20} MiB can be split; save it as "CSV UTF-8" and send that` };
      }
      const body = Buffer.alloc(size);
      await file.read(body, 0, size, 0);
      pieces = (async function* () {
        yield { index: 0, body, rowOffset: 0, records: 0, fileBytes: size, runaway: false };
      })();
    } else {
      query = `encoding=${kind.encoding}`;
      pieces = splitFile(file, opts.pieceBytes);
    }
    const endpoint = { ...opts.endpoint, url: query ? `${opts.endpoint.url}${opts.endpoint.url.includes('?') ? '&' : '?'}${query}` : opts.endpoint.url };
    const progress = opts.progress?.(size) ?? silent;
    const answer = await AnswerFile.create(opts.output);
    let done = false;
    try {
      const result = await sendAll(pieces, endpoint, opts, progress, answer, started);
      if (result.ok) {
        await answer.finish();
        done = true;
      }
      return result;
    } finally {
      progress.stop();
      if (!done) await answer.discard();
    }
  } finally {
    await file.close();
  }
}

async function sendAll(pieces: AsyncIterable<FilePiece>, endpoint: Endpoint, opts: ScoreOptions, progress: Progress, answer: AnswerFile, started: number): Promise<ScoreResult> {
  const inFlight: { piece: FilePiece; answer: Promise<PieceAnswer> }[] = [];
  const errors: RowError[] = [];
  let totalErrors = 0;
  let rows = 0;
  let count = 0;
  let bytes = 0;
  let firstAnswerMs = -1;
  let refused: ScoreResult | undefined;

  const settleFirst = async () => {
    const { piece, answer: pending } = inFlight.shift()!;
    const got = await pending;
    if (firstAnswerMs < 0) firstAnswerMs = Date.now() - started;
    if (got.ok) {
      if (totalErrors === 0) await answer.append(piece.index, got.body);
      rows += Number.isFinite(got.rows) ? got.rows : 0;
      progress.advance(piece.fileBytes, Number.isFinite(got.rows) ? got.rows : 0);
    } else if (got.status === 422 && got.problem.errors) {
      totalErrors += got.problem.totalErrors ?? got.problem.errors.length;
      errors.push(...got.problem.errors.slice(0, MAX_LISTED_ERRORS - errors.length));
      progress.advance(piece.fileBytes, 0);
      progress.note(`piece ${piece.index + 1} (rows ${piece.rowOffset + 1}–${piece.rowOffset + piece.records}): ${got.problem.detail}`);
    } else {
      refused ??= { ok: false, kind: 'refused', piece: piece.index, status: got.status, problem: got.problem };
    }
  };

  for await (const piece of pieces) {
    count++;
    bytes += piece.fileBytes;
    // Blank lines alone are no rows (the whole file's answer drops them too): nothing to send.
    if (piece.index > 0 && onlyLineBreaks(piece)) {
      progress.advance(piece.fileBytes, 0);
      continue;
    }
    const events = { retrying: (why: string, ms: number) => progress.note(`piece ${piece.index + 1}: ${why}; trying again in ${(ms / 1000).toFixed(1)} s`) };
    const sent = sendPiece(endpoint, piece.body, piece.rowOffset, opts.retries ?? DEFAULT_RETRIES, events);
    // Settled in order below; a rejection is not unhandled meanwhile.
    sent.catch(() => undefined);
    inFlight.push({ piece, answer: sent });
    while (inFlight.length >= opts.concurrency) await settleFirst();
    if (refused) break;
  }
  while (inFlight.length > 0 && !refused) await settleFirst();
  // Pieces still in flight after a refusal are left to finish; their answers are not wanted.
  if (refused) return refused;
  if (totalErrors > 0) return { ok: false, kind: 'rows', errors, totalErrors, pieces: count };
  return { ok: true, rows, pieces: count, bytes, firstAnswerMs, elapsedMs: Date.now() - started };
}

function onlyLineBreaks(piece: FilePiece): boolean {
  const { body } = piece;
  for (let i = body.length - piece.fileBytes; i < body.length; i++) if (body[i] !== 0x0a && body[i] !== 0x0d) return false;
  return true;
}
