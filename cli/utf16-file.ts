/**
 * A UTF-16 text file (Excel's "Unicode text": a BOM, tabs) cut as the service reads it: the service
 * turns a UTF-16 upload into UTF-8 before reading it and its answer back into UTF-16
 * (service/src/csv/utf16.ts). The CLI does the same on its side: the file is turned into UTF-8 in
 * a temporary file (cut like any UTF-8 file), and the pieces' UTF-8 answers are turned back, so
 * the assembled answer has the bytes the whole file's would have.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import { Utf16Writer, type Utf16 } from '../service/src/csv/utf16';

const READ_BYTES = 4 * 1024 * 1024;

export class NotUtf16 extends Error {}

/** The file's text as UTF-8, its BOM left out, in a temporary file removed by `remove`. */
export async function utf8Copy(file: FileHandle, order: Utf16): Promise<{ file: FileHandle; remove: () => Promise<void> }> {
  const path = join(tmpdir(), `predict-utf8-${process.pid}-${Date.now()}.csv`);
  const out = await open(path, 'w+');
  const remove = async () => {
    await out.close().catch(() => undefined);
    await rm(path, { force: true });
  };
  try {
    // Streamed: a character split between reads (a surrogate pair, an odd byte) carries over.
    const decoder = new TextDecoder(order, { fatal: true, ignoreBOM: false });
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    for (let position = 0; ; ) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
      position += bytesRead;
      let text: string;
      try {
        text = decoder.decode(chunk.subarray(0, bytesRead), { stream: bytesRead > 0 });
      } catch {
        throw new NotUtf16(`the file starts with a ${order.toUpperCase()} byte order mark but is not valid ${order.toUpperCase()} text (near byte ${position}); save it again as "Unicode text" or "CSV UTF-8"`);
      }
      await out.write(Buffer.from(text, 'utf8'));
      if (bytesRead === 0) break;
    }
    return { file: out, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Turns the UTF-8 answer back into UTF-16, as the service answers a UTF-16 upload: a BOM first, the same byte order. */
export function utf16Answer(order: Utf16): (utf8: Uint8Array) => Uint8Array {
  const writer = new Utf16Writer(order);
  return (utf8) => writer.write(utf8);
}
