/**
 * Reads a request body into one buffer, in shared memory when it is large: the inference threads
 * read a large upload where it lies, so it is held once, never copied per thread or joined from
 * its network chunks.
 */
import type { Readable } from 'node:stream';
import { freeRecentBuffers } from '../memory';

/** The body went past the size limit; mapped to 413 like multer's own limit. */
export class BodyTooLarge extends Error {
  readonly code = 'LIMIT_FILE_SIZE';
  constructor() {
    super('the body is larger than the limit');
  }
}

/** The client went away before the body ended. */
export class BodyAborted extends Error {
  readonly code = 'BODY_ABORTED';
  constructor() {
    super('the client closed the connection before the upload ended');
  }
}

const FIRST_SIZE = 1 << 20;
/**
 * Smaller bodies are one thread's job (pool.ts's STREAM_MIN_BYTES): as an ArrayBuffer they move to
 * the thread, and V8 counts them as its memory. Shared memory costs more to set up and is not counted,
 * so a thread would hold it as garbage until told to collect (worker.ts).
 */
const SHARED_FROM = 2 << 20;

/** How often a large body's network chunks, copied and done with, are freed while it arrives. */
const FREE_EVERY = 4 << 20;

const EMPTY = new Uint8Array(0);

// A small body's bytes are all overwritten, so they need not be zeroed first.
const allocate = (size: number) => (size >= SHARED_FROM ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size));

function grown(bytes: Uint8Array, size: number): Uint8Array {
  const next = allocate(size);
  next.set(bytes);
  return next;
}

/** The pending budget a body is read within (pool.ts's Admission): it throws when a body grows past what fits. */
export interface BodyBudget {
  atLeast(bytes: number): void;
}

/**
 * Collects `stream` into one array, in shared memory when it is large. `expected` (a Content-Length, an
 * upper bound for a multipart file) sizes it at once; pages past the end of the body are never
 * touched, so they cost no memory. A body of unknown size (chunked, or decompressed) is counted in
 * `budget` as it arrives, and refused once it does not fit.
 */
export function readShared(stream: Readable, limit: number, expected?: number, budget?: BodyBudget): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let bytes: Uint8Array = allocate(Math.min(limit, expected && expected > 0 ? expected : FIRST_SIZE));
    let length = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      // Drain what is left, so the answer (413) can still be written on this connection.
      stream.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > limit) return fail(new BodyTooLarge());
      try {
        budget?.atLeast(length + chunk.length);
      } catch (error) {
        return fail(error as Error);
      }
      if (length + chunk.length > bytes.length) bytes = grown(bytes.subarray(0, length), Math.min(limit, Math.max(bytes.length * 2, length + chunk.length)));
      bytes.set(chunk, length);
      if (Math.floor((length + chunk.length) / FREE_EVERY) > Math.floor(length / FREE_EVERY)) freeRecentBuffers();
      length += chunk.length;
    };
    stream.on('data', onData);
    stream.once('end', () => {
      if (settled) return;
      settled = true;
      // The request lives as long as its answer: its listeners must not keep the upload alive after the job.
      stream.off('data', onData);
      resolve(bytes.subarray(0, length));
      bytes = EMPTY;
    });
    stream.once('error', (error) => fail(error));
    // After 'end' this is the stream closing as usual; before it, the client went away.
    stream.once('close', () => settled || fail(new BodyAborted()));
  });
}
