/**
 * Writes a streamed answer (a large job's) at the pace the client reads it, and gives up on a client
 * that stops reading. The job holds its upload and its share of the pending budget until its answer
 * is written, so a client that never reads would hold both until the request timeout (300 s): four
 * such clients kept every other large upload out (issue 15). A small job's answer, written at once,
 * holds its share of the budget too until the client has taken it (issue 18).
 */
import type { Response } from 'express';
import type { Logger } from '../logging';

/**
 * How long the client may take no part of the answer before the connection is closed. A Cloud Run
 * request must end within its timeout (300 s), so a client must take a 36 MiB answer at about
 * 120 KB/s on average; one that takes less than a slice in this long (under 9 KB/s) will not finish.
 */
export const ANSWER_STALL_MS = 30_000;
/**
 * Handed to the socket in slices, each with a callback once it is taken, so a slow client's
 * progress shows (a write is done only once all of it is taken). All of a batch is handed over at
 * once: waiting for the socket to drain after each slice cost the 100k-row file about 10 %.
 */
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

/** When the socket last took a slice of the answer. */
const progress = new WeakMap<Response, number>();

/** Resolves once `settled` fires (or resolves) or the client is gone; a client that takes no slice for `stallMs` is cut off. */
function untilSettled(res: Response, settled: 'finish' | Promise<void>, stallMs: number): Promise<void> {
  if (gone(res)) return Promise.resolve();
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    const check = () => {
      const idle = performance.now() - (progress.get(res) ?? 0);
      if (idle < stallMs) return void (timer = setTimeout(check, stallMs - idle));
      cutOff(res, stallMs);
      done();
    };
    const done = () => {
      clearTimeout(timer);
      if (typeof settled === 'string') res.off(settled, done);
      res.off('close', done);
      resolve();
    };
    progress.set(res, performance.now());
    timer = setTimeout(check, stallMs);
    if (typeof settled === 'string') res.on(settled, done);
    else void settled.then(done);
    res.on('close', done);
  });
}

/**
 * Writes `bytes`, and waits until the socket has taken all of them (so the caller may write into
 * their buffer again: the pool's batches and a workbook's pieces are); false once the client is gone.
 * Waiting for the socket to want more is not enough: a write under its high-water mark is held
 * (corked) until the next tick, and returns true meanwhile.
 */
export async function writePaced(res: Response, bytes: Uint8Array, stallMs: number): Promise<boolean> {
  if (gone(res)) return false;
  const took = () => progress.set(res, performance.now());
  let allTaken!: () => void;
  const taken = new Promise<void>((resolve) => (allTaken = resolve));
  for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) {
    const last = at + SLICE_BYTES >= bytes.byteLength;
    res.write(bytes.subarray(at, at + SLICE_BYTES), last ? () => (took(), allTaken()) : took);
  }
  if (bytes.byteLength === 0) allTaken();
  await untilSettled(res, taken, stallMs);
  return !gone(res);
}

/**
 * Ends the answer (with `bytes`, a whole answer, if given); a client that does not take its last
 * bytes within `stallMs` is cut off. Only watched when the socket could not hand them all to the
 * kernel at once: a small answer to a client that reads costs no timer.
 */
export function endPaced(res: Response, stallMs: number, bytes?: Uint8Array): void {
  res.end(bytes);
  if (!res.writableFinished && (bytes === undefined || (res.socket?.writableLength ?? 0) > 0)) void untilSettled(res, 'finish', stallMs);
}
