/**
 * Which encoding the service would detect for the whole file, so every piece is read in it
 * (`?encoding=`): a piece that happens to be plain ASCII, or valid UTF-8 by accident, would
 * otherwise be read differently from the file it came from. The rule is the service's
 * (service/src/csv/decode.ts): a BOM means UTF-8, else valid UTF-8 throughout, else Shift_JIS.
 * A UTF-16 BOM means UTF-16 text (Excel's "Unicode text"), which the CLI turns into UTF-8 to cut.
 */
import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import type { TextEncoding } from '../service/src/csv/decode';
import { utf16Of, type Utf16 } from '../service/src/csv/utf16';

const CHUNK = 16 * 1024 * 1024;
const LF = 0x0a;

export type FileKind = { kind: 'text'; encoding: TextEncoding } | { kind: 'utf16'; order: Utf16 } | { kind: 'other'; what: string };

export async function fileKind(file: FileHandle): Promise<FileKind> {
  const head = Buffer.alloc(4);
  const { bytesRead } = await file.read(head, 0, 4, 0);
  if (head[0] === 0x50 && head[1] === 0x4b) return { kind: 'other', what: 'an Excel workbook (.xlsx)' };
  const order = bytesRead >= 2 ? utf16Of(head) : undefined;
  if (order) return { kind: 'utf16', order };
  if (bytesRead >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { kind: 'text', encoding: 'utf-8' };
  return { kind: 'text', encoding: (await validUtf8(file)) ? 'utf-8' : 'shift_jis' };
}

/** Read in chunks cut after a line feed, which is never inside a UTF-8 character; stops at the first invalid byte. */
async function validUtf8(file: FileHandle): Promise<boolean> {
  let carry = Buffer.alloc(0);
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await file.read(chunk, 0, CHUNK, position);
    position += bytesRead;
    const bytes = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    if (bytesRead === 0) return isUtf8(bytes);
    const cut = bytes.lastIndexOf(LF) + 1;
    if (!isUtf8(bytes.subarray(0, cut))) return false;
    carry = bytes.subarray(cut);
  }
}
