/**
 * A UTF-16 file (Excel's "Unicode text") cut on the page as the CLI cuts it (cli/utf16-file.ts):
 * its text as a UTF-8 Blob, cut like any UTF-8 file, and each piece's UTF-8 answer turned back into
 * UTF-16 as the service answers a UTF-16 upload (service/src/csv/utf16.ts's Utf16Writer, which leans
 * on Node's Buffer; frontend/test/pieces-bundle.test.ts holds this one to it).
 */
import type { Utf16 } from '../../service/src/csv/utf16';

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

/** Turns an answer's UTF-8 pieces into UTF-16 with a BOM first; a character split between pieces survives. */
export class Utf16Writer {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: false });
  private started = false;

  constructor(private readonly order: Utf16) {}

  write(utf8: Uint8Array, last = false): Uint8Array {
    const text = (this.started ? '' : '\ufeff') + this.decoder.decode(utf8, { stream: !last });
    this.started = true;
    const out = new Uint8Array(text.length * 2);
    const view = new DataView(out.buffer);
    const little = this.order === 'utf-16le';
    for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), little);
    return out;
  }
}
