/**
 * node:zlib's createInflateRaw as the service's zip reader (service/src/workbook/container.ts,
 * partPieces) uses it, for the page's workbook worker: fflate's streaming raw inflate, fed the
 * stored bytes a slice at a time so only one slice's output is held. Aliased for node:zlib by
 * esbuild when bundling the worker (frontend/dev/vendor.ts).
 */
import { Inflate } from 'fflate';

/** Compressed bytes fed per step: an XML sheet inflates about tenfold, so pieces of about 1 MB. */
const SLICE = 96 * 1024;

export function createInflateRaw(_options?: { chunkSize?: number }) {
  let stored: Uint8Array = new Uint8Array(0);
  let stopped = false;
  return {
    on(_event: string, _listener: unknown) {
      return this;
    },
    end(bytes: Uint8Array) {
      stored = bytes;
    },
    destroy() {
      stopped = true;
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      const out: Uint8Array[] = [];
      const inflate = new Inflate((piece) => out.push(piece));
      for (let at = 0; at < stored.length && !stopped; at += SLICE) {
        inflate.push(stored.subarray(at, at + SLICE), at + SLICE >= stored.length);
        while (out.length && !stopped) yield out.shift()!;
      }
    },
  };
}
