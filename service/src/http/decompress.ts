/**
 * Decodes a `Content-Encoding: gzip | deflate | br` body, bounding how far it may expand: the size
 * limit alone let 109 bytes of brotli claim 32 MiB of memory.
 */
import { pipeline, Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { BodyAborted } from './shared-body';

const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

/**
 * The most a body may expand: Apache's mod_deflate refuses request bodies past the same ratio
 * (DeflateInflateRatioLimit, default 200). Real CSV compresses 4–6 fold (models/samples: brotli
 * 5.3, gzip 4.4); only a file of one row repeated comes near.
 */
export const MAX_EXPANSION = 200;
/** Below this much text the ratio is not checked: a small upload is cheap whatever its ratio. */
export const RATIO_FREE_BYTES = 1 << 20;

/** The body expanded past MAX_EXPANSION; mapped to 413. */
export class ExpansionTooLarge extends Error {
  readonly code = 'COMPRESSION_RATIO';
  constructor(coding: string) {
    super(`the ${coding} body expands more than ${MAX_EXPANSION}-fold, more than any CSV does; send it uncompressed`);
  }
}

export function isSupportedCoding(coding: string): boolean {
  return coding === 'identity' || coding in DECODERS;
}

/** The most text a compressed body of `compressedBytes` can decode to before it is refused. */
export function decodedBound(compressedBytes: number): number {
  return Math.max(RATIO_FREE_BYTES, compressedBytes * MAX_EXPANSION);
}

/** The body's text: `body` itself, or decoded, failing with ExpansionTooLarge as soon as it expands too far. */
export function decodedBody(body: Readable, coding: string): Readable {
  if (coding === 'identity') return body;
  let compressed = 0;
  const countIn = (chunk: Buffer) => (compressed += chunk.length);
  body.on('data', countIn);
  let decoded = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      decoded += chunk.length;
      if (decoded > decodedBound(compressed)) return done(new ExpansionTooLarge(coding));
      done(null, chunk);
    },
  });
  const decoder = DECODERS[coding]();
  // Not pipeline(body, …): it would destroy the request, and with it the connection the answer needs.
  body.pipe(decoder);
  body.once('close', () => body.readableEnded || guard.destroy(new BodyAborted()));
  return pipeline(decoder, guard, () => {
    body.off('data', countIn);
    body.unpipe(decoder);
  }) as unknown as Readable;
}
