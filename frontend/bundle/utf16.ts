/**
 * A UTF-16 file (Excel's "Unicode text") cut on the page as the CLI cuts it (cli/utf16-file.ts):
 * its text as a UTF-8 Blob, cut like any UTF-8 file, and each piece's UTF-8 answer turned back into
 * UTF-16 as the service answers a UTF-16 upload, by the service's own Utf16Writer (re-exported).
 */
import type { Utf16 } from '../../service/src/csv/utf16';
export { Utf16Writer } from '../../service/src/csv/utf16-writer';

const SLICE_BYTES = 4 * 1024 * 1024;

/** A UTF-16 BOM on text that is not UTF-16: `at` is about where the decoding failed. */
export class NotUtf16 extends Error {
  constructor(
    readonly order: Utf16,
    readonly at: number,
  ) {
    super(`the file starts with a ${order.toUpperCase()} byte order mark but is not valid ${order.toUpperCase()} text (near byte ${at})`);
  }
}

/**
 * The file's text as UTF-8, its BOM left out: decoded slice by slice (a character split between
 * slices carries over), kept as Blob parts so the browser, not the page's heap, holds the copy.
 */
export async function utf8Blob(file: Blob, order: Utf16, sliceBytes = SLICE_BYTES): Promise<Blob> {
  const decoder = new TextDecoder(order, { fatal: true, ignoreBOM: false });
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (let position = 0; ; position += sliceBytes) {
    const bytes = new Uint8Array(await file.slice(position, position + sliceBytes).arrayBuffer());
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: bytes.length > 0 });
    } catch {
      throw new NotUtf16(order, Math.min(position + bytes.length, file.size));
    }
    if (text) parts.push(encoder.encode(text));
    if (bytes.length === 0) break;
  }
  return new Blob(parts as BlobPart[]);
}

