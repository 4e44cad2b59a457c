/**
 * One piece as one predict request, tried again where trying again can help: a 503 after its
 * Retry-After, a gateway's 502/504 and a connection that failed or was cut (the answer is read
 * whole before it counts, so a cut answer is never taken for a short one). Shared by the CLI and
 * the page (which passes a signal: its cancel button), so it uses fetch and Uint8Arrays only.
 */
import type { ProblemBody } from '../service/src/http/problem';
import { wholeRecords } from '../service/src/csv/record-bounds';

export interface Endpoint {
  /** The predict URL, query included but for row_offset and pieces. */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface RetryPolicy {
  /** Network failures (and 502/504) tried again, per piece. */
  networkRetries: number;
  /** 503s waited out, per piece. */
  overloadRetries: number;
  /** The first wait after a network failure; doubled each time. */
  backoffMs: number;
  /** Longest Retry-After honoured (a gateway's may be long). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRIES: RetryPolicy = { networkRetries: 5, overloadRetries: 30, backoffMs: 500, maxRetryAfterMs: 60_000 };

export type PieceAnswer = { ok: true; body: Uint8Array; rows: number; headers: Headers } | { ok: false; status: number; problem: ProblemBody };

export interface SendEvents {
  /** A try failed and another follows after `waitMs`. */
  retrying?: (why: string, waitMs: number) => void;
  /** Ends the tries at once (the request in flight and any wait), rejecting with the signal's reason. */
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfterMs(value: string | null, policy: RetryPolicy): number {
  const seconds = Number(value);
  if (value !== null && Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxRetryAfterMs);
  const date = value === null ? NaN : Date.parse(value);
  return Number.isFinite(date) ? Math.min(Math.max(0, date - Date.now()), policy.maxRetryAfterMs) : 1000;
}

async function problemOf(res: Response): Promise<ProblemBody> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as ProblemBody & { message?: unknown };
    if (typeof body.detail === 'string') return body;
    // Google's API Gateway refuses a missing or wrong API key with {code, message}.
    if (typeof body.message === 'string') return { type: 'about:blank', title: res.statusText, status: res.status, detail: body.message };
  } catch {
    // Not a problem document (a proxy's HTML page): its status and first words say what happened.
  }
  return { type: 'about:blank', title: res.statusText, status: res.status, detail: text.slice(0, 300) || res.statusText };
}

const TAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/**
 * Why a CSV answer is not whole, or undefined if it is: its records (the header's and one per row,
 * each ending with its line break, by the CSV rules) against X-Row-Count, which the service sends
 * before the body. A chunked answer cut short can reach the page (through workerd's fetch) as a
 * clean end, and a Content-Length that is not there cannot be checked.
 */
export function cutAnswer(answer: Uint8Array, headers: Headers): string | undefined {
  const rows = headers.get('x-row-count');
  const type = headers.get('content-type') ?? '';
  if (rows === null || !/^text\/(csv|tab-separated-values)\b/i.test(type)) return undefined;
  // UTF-16 (Excel's "Unicode text" answered as it came) is counted as UTF-8: the decoder drops its BOM.
  const charset = /charset=([\w-]+)/i.exec(type)?.[1]?.toLowerCase();
  const text = charset?.startsWith('utf-16') ? new TextEncoder().encode(new TextDecoder(charset).decode(answer)) : answer;
  const bom = text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf ? 3 : 0;
  // A text/csv answer keeps the upload's delimiter, comma or semicolon, which decides where a quoted field may open.
  const delimiters = /tab-separated/i.test(type) ? [TAB] : [COMMA, SEMICOLON];
  let records = -1;
  for (const delimiter of delimiters) {
    records = wholeRecords(text, bom, delimiter);
    if (records === Number(rows) + 1) return undefined;
  }
  return records === -1 ? `the answer was cut inside a record (${answer.length} bytes)` : `the answer was cut: ${Math.max(0, records - 1)} of ${rows} rows came`;
}

/** Where a piece sits: its row offset, and on the last piece how many pieces were sent (so a kept batch is known complete). */
export interface PiecePlace {
  rowOffset: number;
  pieces?: number;
}

export async function sendPiece(endpoint: Endpoint, body: Uint8Array, place: PiecePlace, policy: RetryPolicy = DEFAULT_RETRIES, events: SendEvents = {}): Promise<PieceAnswer> {
  const url = `${endpoint.url}${endpoint.url.includes('?') ? '&' : '?'}row_offset=${place.rowOffset}${place.pieces === undefined ? '' : `&pieces=${place.pieces}`}`;
  let network = 0;
  let overload = 0;
  const { signal } = events;
  for (;;) {
    signal?.throwIfAborted();
    let wait: number;
    let why: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...endpoint.headers, 'Content-Type': 'text/csv' },
        // The DOM typings want the bytes' buffer to be a plain ArrayBuffer.
        body: body as Uint8Array<ArrayBuffer>,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(endpoint.timeoutMs)]) : AbortSignal.timeout(endpoint.timeoutMs),
      });
      if (res.status === 200) {
        const answer = new Uint8Array(await res.arrayBuffer());
        const cut = cutAnswer(answer, res.headers);
        // Thrown as a failed connection is: a proxy between may end a cut answer as if it were whole.
        if (cut) throw new Error(cut);
        return { ok: true, body: answer, rows: Number(res.headers.get('x-row-count') ?? NaN), headers: res.headers };
      }
      if (res.status === 503 && overload < policy.overloadRetries) {
        overload++;
        wait = retryAfterMs(res.headers.get('retry-after'), policy);
        why = `503 ${(await problemOf(res)).detail}`;
      } else if ((res.status === 502 || res.status === 504) && network < policy.networkRetries) {
        wait = policy.backoffMs * 2 ** network++;
        why = `${res.status} from the gateway`;
        await res.body?.cancel();
      } else {
        return { ok: false, status: res.status, problem: await problemOf(res) };
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (network >= policy.networkRetries) throw error;
      wait = policy.backoffMs * 2 ** network++;
      why = (error as Error).cause ? String(((error as Error).cause as Error).message ?? (error as Error).cause) : (error as Error).message;
    }
    events.retrying?.(why, wait);
    await sleep(wait, signal);
  }
}
