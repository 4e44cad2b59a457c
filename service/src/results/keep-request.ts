/** `?keep=true` on a predict request: the parameter, the keep's start from the answer's headers, and how its outcome is told. */
import type { Response } from 'express';
import { HttpProblem } from '../http/problem';
import type { Caller } from '../identity/caller';
import { AnswerKeeper, KeepLimits, Keeper, KeepOutcome, notKeeping } from './answer-keeper';
import type { KeptPiece, ResultStore } from './result-store';

export interface KeepSettings {
  store: ResultStore;
  retentionDays: number;
  limits?: KeepLimits;
}

const DAY_MS = 86_400_000;

export function keepParameter(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new HttpProblem(400, 'bad-parameter', 'keep must be true or false (true keeps the answer for GET /v1/jobs/{id}/result)');
}

/**
 * Whether the client said it takes trailers (`TE: trailers`, RFC 9110 §10.1.4). Only then is the
 * keep's outcome sent as one: workerd's fetch (the page's proxy) failed the next request on a
 * connection whose answer carried trailers it had not asked for.
 */
function takesTrailers(res: Response): boolean {
  return /(^|,)\s*trailers\s*(;|,|$)/i.test(String(res.req.headers.te ?? ''));
}

/**
 * Starts keeping the answer whose headers `res` holds. A streamed answer goes chunked, without its
 * Content-Length, so it ends only once the keep is complete (a client may fetch it again at once);
 * one known whole is kept before it is sent (sendKeptHeader).
 * The outcome is only known then: to a client that takes trailers it is sent as one
 * (X-Result-Kept); every client finds it in the job log (`result`, or `errorSummary`).
 */
export function startKeeping(res: Response, settings: KeepSettings | undefined): Keeper {
  res.removeHeader('Content-Length');
  if (takesTrailers(res)) {
    res.set('Trailer', 'X-Result-Kept');
    res.locals.keptTrailer = true;
  }
  if (!settings) return notKeeping('this service has no result storage');
  const expiresAt = new Date(Date.now() + settings.retentionDays * DAY_MS).toISOString();
  const meta = {
    fileName: fileNameOf(String(res.get('Content-Disposition') ?? '')) ?? `${res.locals.jobId}.csv`,
    contentType: String(res.get('Content-Type') ?? 'application/octet-stream'),
    // The caller's id (identity/caller.ts), as the job log records it; empty: nobody's.
    owner: (res.locals.caller as Caller | undefined)?.id ?? '',
    expiresAt,
    ...(res.locals.batch ? { piece: pieceOf(res) } : {}),
  };
  return new AnswerKeeper(settings.store, res.locals.jobId as string, meta, settings.limits);
}

/** A batch's piece, from the request's ?batch=, ?row_offset= and ?pieces= and the answer's delimiter (predict.ts sets them in res.locals). */
function pieceOf(res: Response): KeptPiece {
  const { batch, rowOffset, pieces, answerDelimiter } = res.locals as { batch: string; rowOffset?: number; pieces?: number; answerDelimiter?: number };
  return { batch, rowOffset: rowOffset ?? 0, delimiter: answerDelimiter ?? COMMA, ...(pieces === undefined ? {} : { pieces }) };
}

const COMMA = 0x2c;

/**
 * An answer kept whole before it is sent (a small job's): it goes with its Content-Length after
 * all, and the outcome, known already, as a header to every client instead of a trailer.
 */
export function sendKeptHeader(res: Response, outcome: KeepOutcome, length: number): void {
  res.removeHeader('Trailer');
  res.locals.keptTrailer = false;
  res.set({ 'Content-Length': String(length), 'X-Result-Kept': keptHeader(outcome) });
}

/** The keep's outcome in the trailer startKeeping promised, if it did. */
export function sendKeptTrailer(res: Response, outcome: KeepOutcome): void {
  if (res.locals.keptTrailer) res.addTrailers({ 'X-Result-Kept': keptHeader(outcome) });
}

/** `yes; until=<time>` or `no; reason="…"`, in the characters a header may hold. */
export function keptHeader(outcome: KeepOutcome): string {
  if (outcome.kept) return `yes; until=${outcome.expiresAt}`;
  return `no; reason="${outcome.reason.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`;
}

/** The file name of a Content-Disposition: its UTF-8 form (RFC 5987) if there is one, else the plain one. */
export function fileNameOf(disposition: string): string | undefined {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended);
    } catch {
      // A malformed escape falls back to the plain name.
    }
  }
  return /filename="([^"]*)"/i.exec(disposition)?.[1];
}
