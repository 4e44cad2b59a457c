/**
 * Which encoding the service would detect for the whole file, so every piece is read in it
 * (`?encoding=`): a piece that happens to be plain ASCII, or valid UTF-8 by accident, would
 * otherwise be read differently from the file it came from. The rule is the service's
 * (service/src/csv/decode.ts): a BOM means UTF-8, else valid UTF-8 throughout, else Shift_JIS.
 * Shared by the CLI and the page: the UTF-8 check is passed in (node:buffer's isUtf8, or a
 * fatal TextDecoder in the browser). A UTF-16 BOM means UTF-16 text (Excel's "Unicode text"),
 * which the CLI (utf16-file.ts) and the page (frontend/bundle/utf16.ts) turn into UTF-8 to cut.
 */
import type { TextEncoding } from '../service/src/csv/decode';
import type { Utf16 } from '../service/src/csv/utf16';
import { concatBytes, type ByteSource } from './split-file';

const CHUNK = 16 * 1024 * 1024;
const LF = 0x0a;

export type FileKind = { kind: 'text'; encoding: TextEncoding } | { kind: 'utf16'; order: Utf16 } | { kind: 'other'; what: string };

export async function fileKind(file: ByteSource, isUtf8: (bytes: Uint8Array) => boolean): Promise<FileKind> {
  const head = await file.read(0, 4);
  if (head[0] === 0x50 && head[1] === 0x4b) return { kind: 'other', what: 'an Excel workbook (.xlsx)' };
  // Checked here, not with csv/utf16.ts's utf16Of: this module is bundled for the page, which has no node:util.
  if (head[0] === 0xff && head[1] === 0xfe) return { kind: 'utf16', order: 'utf-16le' };
  if (head[0] === 0xfe && head[1] === 0xff) return { kind: 'utf16', order: 'utf-16be' };
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { kind: 'text', encoding: 'utf-8' };
  return { kind: 'text', encoding: (await validUtf8(file, isUtf8)) ? 'utf-8' : 'shift_jis' };
}

/** Read in chunks cut after a line feed, which is never inside a UTF-8 character; stops at the first invalid byte. */
async function validUtf8(file: ByteSource, isUtf8: (bytes: Uint8Array) => boolean): Promise<boolean> {
  let carry: Uint8Array = new Uint8Array(0);
  let position = 0;
  for (;;) {
    const chunk = await file.read(position, CHUNK);
    position += chunk.length;
    const bytes = carry.length ? concatBytes(carry, chunk) : chunk;
    if (chunk.length === 0) return isUtf8(bytes);
    const cut = bytes.lastIndexOf(LF) + 1;
    if (!isUtf8(bytes.subarray(0, cut))) return false;
    carry = bytes.subarray(cut);
  }
}
