/**
 * An answer's UTF-8 pieces turned into UTF-16 with a BOM first, a character split between pieces
 * surviving. No Node imports: the service (pool.ts), the CLI (cli/utf16-file.ts) and the page
 * (bundled by frontend/bundle/pieces.ts) write UTF-16 answers with this one class.
 */
import type { Utf16 } from './utf16';

export class Utf16Writer {
  // The answer's own UTF-8 BOM is dropped here, not by the decoder: a streaming decoder keeps it
  // when it arrives split between pieces.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private started = false;
  private textStarted = false;

  constructor(private readonly order: Utf16) {}

  write(utf8: Uint8Array, last = false): Uint8Array {
    let decoded = this.decoder.decode(utf8, { stream: !last });
    if (!this.textStarted && decoded.length > 0) {
      this.textStarted = true;
      if (decoded.charCodeAt(0) === 0xfeff) decoded = decoded.slice(1);
    }
    const text = (this.started ? '' : '\ufeff') + decoded;
    this.started = true;
    const out = new Uint8Array(text.length * 2);
    const view = new DataView(out.buffer);
    const little = this.order === 'utf-16le';
    for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), little);
    return out;
  }
}
