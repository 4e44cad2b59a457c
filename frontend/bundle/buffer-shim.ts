/**
 * The one use of Node's Buffer in the shared boundary code (service/src/csv/record-bounds.ts
 * views bytes as a Buffer for its memchr-backed indexOf): in a browser a Uint8Array view over the
 * same bytes, whose indexOf(byte, from) and subarray mean the same. Injected by esbuild as the
 * global `Buffer` when bundling for the page (frontend/dev/vendor.ts).
 */
export const Buffer = {
  from: (buffer: ArrayBufferLike, byteOffset?: number, length?: number): Uint8Array => new Uint8Array(buffer, byteOffset, length),
};
