/**
 * Excel's "Unicode text" (UTF-16 with a byte order mark, tab-separated) and other UTF-16 exports.
 * The readers work on bytes in which the delimiters, quotes and line breaks are single bytes
 * (UTF-8, Shift_JIS), so a UTF-16 upload is turned into UTF-8 once as it comes in, and its answer
 * back into UTF-16 with the same byte order and a BOM as it goes out, so Excel opens it the same way.
 */
import { TextDecoder } from 'node:util';
import { HttpProblem } from '../http/problem';

export type Utf16 = 'utf-16le' | 'utf-16be';

/** The UTF-16 byte order the upload's BOM announces; undefined when it has none. */
export function utf16Of(bytes: Uint8Array): Utf16 | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The UTF-16 upload's text as UTF-8 bytes, its BOM left out. */
export function fromUtf16(bytes: Uint8Array, order: Utf16): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder(order, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpProblem(415, 'bad-encoding', `the file starts with a ${order.toUpperCase()} byte order mark but is not valid ${order.toUpperCase()} text; save it again as "Unicode text" or "CSV UTF-8"`);
  }
  return Buffer.from(text, 'utf8');
}

export { Utf16Writer } from './utf16-writer';
