/**
 * Cuts off an upload that trickles: a body held open for minutes holds its share of the pending
 * upload budget all that time. The rule is Apache mod_reqtimeout's default for bodies
 * (`body=20,MinRate=500`): 20 s, plus one more second for every 500 bytes received. A 32 MiB
 * upload on a 1 Mbit/s link is nowhere near it; requestTimeout (http-server.ts) still caps the total.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:net';

const GRACE_MS = 20_000;
const MIN_BYTES_PER_S = 500;
const CHECK_MS = 1000;

export function cutOffTrickle(req: IncomingMessage): void {
  const socket = req.socket;
  const started = Date.now();
  const startBytes = socket.bytesRead;
  const timer = setInterval(() => {
    const allowedMs = GRACE_MS + ((socket.bytesRead - startBytes) / MIN_BYTES_PER_S) * 1000;
    if (Date.now() - started <= allowedMs) return;
    clearInterval(timer);
    // Answered as Node answers its own requestTimeout: 408 problem+json, then the connection closes.
    const error = Object.assign(new Error('the upload arrives too slowly'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    if (!(socket as typeof socket & { server?: Server }).server?.emit('clientError', error, socket)) socket.destroy(error);
  }, CHECK_MS).unref();
  const stop = () => clearInterval(timer);
  req.once('end', stop);
  req.once('close', stop);
}
