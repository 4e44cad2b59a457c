/**
 * node:zlib's createInflateRaw as the service's zip reader (service/src/workbook/container.ts,
 * partPieces) uses it, for the page's workbook worker. The browser's own DecompressionStream
 * ('deflate-raw') where it has one: it read the 100,000-row bench answer's rows about 3 times
 * faster than fflate (bench/README.md). fflate's streaming inflate otherwise, fed the stored bytes
 * a slice at a time so only one slice's output is held. Aliased for node:zlib by esbuild when
 * bundling the worker (frontend/dev/vendor.ts).
 */
import { Inflate } from 'fflate';

/** Compressed bytes fflate is fed per step: an XML sheet inflates about tenfold, so pieces of about 1 MB. */
const SLICE = 96 * 1024;

export function createInflateRaw(_options?: { chunkSize?: number }, native = typeof DecompressionStream === 'function') {
  let stored: Uint8Array = new Uint8Array(0);
  let stopped = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    on(_event: string, _listener: unknown) {
      return this;
    },
    end(bytes: Uint8Array) {
      stored = bytes;
    },
    destroy() {
      stopped = true;
      reader?.cancel().catch(() => undefined);
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      if (native) {
        reader = new Blob([stored as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
        for (let r = await reader.read(); !r.done && !stopped; r = await reader.read()) yield r.value;
        return;
      }
      const out: Uint8Array[] = [];
      const inflate = new Inflate((piece) => out.push(piece));
      for (let at = 0; at < stored.length && !stopped; at += SLICE) {
        inflate.push(stored.subarray(at, at + SLICE), at + SLICE >= stored.length);
        while (out.length && !stopped) yield out.shift()!;
      }
    },
  };
}
