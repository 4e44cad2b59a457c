/**
 * The page's share of the CLI's large-file code: the same splitting (cli/split-file.ts), encoding
 * rule (cli/file-encoding.ts), sending with retries and ordering (cli/score-pieces.ts) and header
 * joining (cli/answer-header.ts), bundled by frontend/dev/vendor.ts into public/vendor/pieces.js
 * for frontend/public/split-upload.js. Only what a browser has is added here: a File as a
 * ByteSource, a UTF-8 check, and a UTF-16 file's UTF-8 copy and answer (utf16.ts, for what
 * cli/utf16-file.ts does with a temporary file and Node's Buffer).
 */
import type { ByteSource } from '../../cli/split-file';

export { answerPart } from '../../cli/answer-header';
export { fileKind } from '../../cli/file-encoding';
export { MAX_LISTED_ERRORS, scorePieces } from '../../cli/score-pieces';
export { DEFAULT_RETRIES } from '../../cli/send-piece';
export { FIRST_PIECE_BYTES, splitFile } from '../../cli/split-file';
export { NotUtf16, utf8Blob, Utf16Writer } from './utf16';

export function blobSource(file: Blob): ByteSource {
  return {
    size: file.size,
    read: async (position, length) => new Uint8Array(await file.slice(position, position + length).arrayBuffer()),
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** node:buffer's isUtf8, as a browser has it: a fatal decoder refuses what is not UTF-8. */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
