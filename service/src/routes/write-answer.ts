/**
 * Writes an answer at the pace the client reads it, and gives up on a client that stops reading.
 * A job holds its upload and its share of the pending budget until its answer is written, so a
 * client that never reads would hold both until the request timeout (300 s): four such clients
 * kept every other large upload out (issue 15).
 */
import type { Response } from 'express';
import type { Logger } from '../logging';

/**
 * How long the client may take no part of the answer before the connection is closed. A Cloud Run
 * request must end within its timeout (300 s), so a client must take a 36 MiB answer at about
 * 120 KB/s on average; one that takes less than a slice in this long (under 9 KB/s) will not finish.
 */
export const ANSWER_STALL_MS = 30_000;
/** Written a slice at a time, so a slow client's progress shows (a write is done only once all of it is taken). */
const SLICE_BYTES = 256 * 1024;

/** The client has hung up, or was cut off (the connection may close while the answer is being written). */
export function gone(res: Response): boolean {
  return res.destroyed || !res.socket || res.socket.destroyed;
}

/** Closes the connection of a client that has stopped reading; the request's log line says so (it never finishes). */
function cutOff(res: Response, stallMs: number): void {
  (res.locals.logger as Logger | undefined)?.warn({ ...(res.locals.logFields as object | undefined), stallMs }, `the client took none of its answer for ${stallMs / 1000} s: connection closed`);
  res.destroy();
}

/** Resolves when the socket takes more, or is gone; a client that takes nothing for `stallMs` is cut off. */
function drained(res: Response, stallMs: number): Promise<void> {
  if (gone(res)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      cutOff(res, stallMs);
      done();
    }, stallMs);
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes `bytes` slice by slice; false once the client is gone (the rest is not written). */
export async function writePaced(res: Response, bytes: Uint8Array, stallMs: number): Promise<boolean> {
  for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) {
    if (gone(res)) return false;
    if (!res.write(bytes.subarray(at, at + SLICE_BYTES))) await drained(res, stallMs);
  }
  return !gone(res);
}

/** Ends the answer; a client that does not take its last bytes within `stallMs` is cut off. */
export function endPaced(res: Response, stallMs: number): void {
  res.end();
  if (res.writableFinished || gone(res)) return;
  const timer = setTimeout(() => cutOff(res, stallMs), stallMs);
  res.once('close', () => clearTimeout(timer));
  res.once('finish', () => clearTimeout(timer));
}
