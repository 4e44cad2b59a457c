/**
 * An answer sent before the request's body was read: 401, 404, 413 by the declared size, 503 at
 * admission. Closing the connection at once makes the kernel reset it while the client is still
 * sending, and a client that writes before it reads (Node's fetch) then loses the answer to EPIPE
 * (27 MB upload without a token: 19 of 20). So the answer is written whole, with
 * `Connection: close`, and the rest of the body is read and thrown away until the client hangs up
 * or the body ends, for at most DISCARD_BYTES and DISCARD_MS (a bounded form of nginx's and
 * Apache's "lingering close"): a refused upload never costs the whole upload.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { freeRecentBuffers } from '../memory';

/** A quarter of the 32 MiB limit: enough for a client mid-write to get to reading the answer. */
export const DISCARD_BYTES = 8 << 20;
/** Long enough for a client on a slow link to read a short answer. */
export const DISCARD_MS = 5000;
/** As while reading a body (shared-body.ts): the network chunks thrown away are freed as they pile up. */
const FREE_EVERY = 4 << 20;

/** The request has a body that has not arrived in full, so answering now cuts the client off mid-send. */
export function bodyLeftUnread(req: IncomingMessage | undefined): req is Request {
  if (!req || req.complete || req.destroyed) return false;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function answerThenDiscard(req: Request, res: Response, status: number, headers: Record<string, string>, body: string): void {
  res
    .status(status)
    .set({ ...headers, Connection: 'close', 'Content-Length': String(Buffer.byteLength(body)) })
    .write(body);
  // Not ended yet: Node closes a `Connection: close` socket as soon as the response ends.
  let discarded = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', count);
    req.off('end', finish);
    req.off('close', finish);
    if (!res.writableEnded) res.end();
  };
  const count = (chunk: Buffer) => {
    if (Math.floor((discarded + chunk.length) / FREE_EVERY) > Math.floor(discarded / FREE_EVERY)) freeRecentBuffers();
    discarded += chunk.length;
    if (discarded > DISCARD_BYTES) finish();
  };
  const timer = setTimeout(finish, DISCARD_MS);
  req.on('data', count);
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}
