/**
 * node:string_decoder's StringDecoder as the service's workbook readers use it (write a piece,
 * end), for the page's workbook worker: a streaming TextDecoder, which also keeps a character
 * split across pieces for the next one. Aliased by esbuild (frontend/dev/vendor.ts).
 */
export class StringDecoder {
  private readonly decoder = new TextDecoder('utf-8');

  constructor(_encoding?: string) {}

  write(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, { stream: true });
  }

  end(): string {
    return this.decoder.decode();
  }
}
