/**
 * A file's pieces (split-file.ts) scored with at most `concurrency` in flight, their answers
 * handed on in order. A later piece waits for the earlier ones to be handed on, so memory holds
 * at most `concurrency` pieces and their answers. Row errors from any piece are gathered (the
 * first 100 listed, all counted) and the other pieces still sent, so the count is the whole
 * file's; answers stop being handed on at the first. Shared by the CLI (score-file.ts) and the
 * page (frontend/public/split-upload.js), which each decide where the answers go.
 */
import type { ProblemBody, RowError } from '../service/src/http/problem';
import { DEFAULT_RETRIES, Endpoint, PieceAnswer, RetryPolicy, sendPiece } from './send-piece';
import type { FilePiece } from './split-file';

/** As many as one answer lists (service/src/table/read-table.ts). */
export const MAX_LISTED_ERRORS = 100;

export interface ScorePiecesOptions {
  concurrency: number;
  retries?: RetryPolicy;
  /** Cancels: requests in flight are aborted and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** When the work began, for `firstAnswerMs`. @default now */
  started?: number;
  /**
   * The last piece says how many pieces were sent (`pieces=N`), so the service knows a kept batch
   * complete (GET /v1/batches/{batch}/result). Needs a batch in the endpoint's URL.
   * @default false
   */
  countPieces?: boolean;
}

export interface ScoreEvents {
  /** A piece's answer, in order, while no piece has had row errors. Its part of the whole answer is answerPart(piece.index, answer.body). */
  answer?(piece: FilePiece, answer: Extract<PieceAnswer, { ok: true }>): Promise<void> | void;
  /** A piece has gone out (or, being blank lines alone, needs no sending). */
  sent?(piece: FilePiece): void;
  /** A piece is done (answered, or its row errors counted): its file bytes and rows. */
  advance?(piece: FilePiece, rows: number): void;
  retrying?(piece: FilePiece, why: string, waitMs: number): void;
  rowErrors?(piece: FilePiece, problem: ProblemBody): void;
}

export type PiecesOutcome =
  | { ok: true; rows: number; pieces: number; bytes: number; firstAnswerMs: number }
  | { ok: false; kind: 'rows'; errors: RowError[]; totalErrors: number; pieces: number }
  | { ok: false; kind: 'refused'; piece: number; status: number; problem: ProblemBody };

export async function scorePieces(pieces: AsyncIterable<FilePiece>, endpoint: Endpoint, opts: ScorePiecesOptions, events: ScoreEvents = {}): Promise<PiecesOutcome> {
  const started = opts.started ?? Date.now();
  // Ends what is still in flight once its answer is not wanted (a refusal, a failure, a cancel).
  const unwanted = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, unwanted.signal]) : unwanted.signal;
  const inFlight: { piece: FilePiece; answer: Promise<PieceAnswer> }[] = [];
  const errors: RowError[] = [];
  let totalErrors = 0;
  let rows = 0;
  let count = 0;
  let bytes = 0;
  let firstAnswerMs = -1;
  let ended: PiecesOutcome | undefined;

  const settleFirst = async () => {
    const { piece, answer: pending } = inFlight.shift()!;
    const got = await pending;
    if (firstAnswerMs < 0) firstAnswerMs = Date.now() - started;
    if (got.ok) {
      const n = Number.isFinite(got.rows) ? got.rows : 0;
      if (totalErrors === 0) await events.answer?.(piece, got);
      rows += n;
      events.advance?.(piece, n);
    } else if (got.status === 422 && got.problem.errors) {
      const found = got.problem.totalErrors ?? got.problem.errors.length;
      if (piece.index === 0 && got.problem.errors.length > 0 && got.problem.errors.every((e) => e.row === null)) {
        // The header's problems: every piece repeats that header, so they are the whole file's.
        ended = { ok: false, kind: 'rows', errors: got.problem.errors, totalErrors: found, pieces: count };
        return;
      }
      totalErrors += found;
      errors.push(...got.problem.errors.slice(0, MAX_LISTED_ERRORS - errors.length));
      events.rowErrors?.(piece, got.problem);
      events.advance?.(piece, 0);
    } else {
      ended ??= { ok: false, kind: 'refused', piece: piece.index, status: got.status, problem: got.problem };
    }
  };

  const send = async (piece: FilePiece, pieceCount?: number) => {
    const sent = sendPiece(endpoint, piece.body, { rowOffset: piece.rowOffset, pieces: pieceCount }, opts.retries ?? DEFAULT_RETRIES, { signal, retrying: (why, ms) => events.retrying?.(piece, why, ms) });
    // Settled in order below; a rejection is not unhandled meanwhile.
    sent.catch(() => undefined);
    inFlight.push({ piece, answer: sent });
    events.sent?.(piece);
    while (inFlight.length >= opts.concurrency && !ended) await settleFirst();
  };

  try {
    // Each piece is sent once the next is read, so the last one is known when it goes.
    let held: FilePiece | undefined;
    let sentCount = 0;
    for await (const piece of pieces) {
      opts.signal?.throwIfAborted();
      count++;
      bytes += piece.fileBytes;
      // Blank lines alone are no rows (the whole file's answer drops them too): nothing to send.
      if (piece.index > 0 && onlyLineBreaks(piece)) {
        events.sent?.(piece);
        events.advance?.(piece, 0);
        continue;
      }
      if (held) {
        await send(held);
        sentCount++;
      }
      held = piece;
      if (ended) break;
    }
    if (held && !ended) await send(held, opts.countPieces ? sentCount + 1 : undefined);
    while (inFlight.length > 0 && !ended) await settleFirst();
  } finally {
    unwanted.abort();
  }
  if (ended) return ended;
  if (totalErrors > 0) return { ok: false, kind: 'rows', errors, totalErrors, pieces: count };
  return { ok: true, rows, pieces: count, bytes, firstAnswerMs };
}

function onlyLineBreaks(piece: FilePiece): boolean {
  const { body } = piece;
  for (let i = body.length - piece.fileBytes; i < body.length; i++) if (body[i] !== 0x0a && body[i] !== 0x0d) return false;
  return true;
}
