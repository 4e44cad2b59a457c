/**
 * An answer a thread writes, handed to the main thread about a megabyte at a time: pieces are
 * gathered, then copied into one buffer of the batch's own, which moves to the main thread. The
 * main thread may give a buffer back once the socket has taken it, and the next batch is written
 * into it: buffers that crossed to the main thread are freed only by its full collections, which
 * seldom come (about 30 MB less on a 32 MiB workbook).
 */

/** Bytes of the answer handed out at a time. */
export const OUT_BATCH_BYTES = 1024 * 1024;

/** Hands a batch out; resolves once the next may be sent, with a buffer to reuse if there is one. */
export type SendBatch = (bytes: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer | void>;

export class OutBatches {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private spare: ArrayBuffer | void = undefined;

  constructor(private readonly send: SendBatch) {}

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  /** Sends what is gathered once it makes a batch, or (`all`) whatever there is. */
  async flush(all = false): Promise<void> {
    const size = this.pendingBytes;
    if (size === 0 || (!all && size < OUT_BATCH_BYTES)) return;
    const spare = this.spare;
    const into = spare && spare.byteLength >= size ? spare : new ArrayBuffer(Math.max(size, OUT_BATCH_BYTES * 1.25));
    const batch = new Uint8Array(into, 0, size);
    this.pending.reduce((at, piece) => (batch.set(piece, at), at + piece.length), 0);
    this.pending = [];
    this.pendingBytes = 0;
    this.spare = undefined;
    this.spare = await this.send(batch);
  }
}
