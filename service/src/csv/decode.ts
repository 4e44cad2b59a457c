/** Turns uploaded bytes into text: UTF-8 (with or without BOM) or Shift_JIS/CP932, detected or forced; and settles the delimiter. */
import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { HttpProblem } from '../http/problem';
import { COMMA, Delimiter } from './cells';
import { nextRecordStart } from './record-bounds';
import { TextRecords } from './text-records';

export type TextEncoding = 'utf-8' | 'shift_jis';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** The upload started with a UTF-8 byte order mark (as Excel's "CSV UTF-8" writes). */
  hadBom: boolean;
}

const ALIASES: Record<string, TextEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  shift_jis: 'shift_jis',
  'shift-jis': 'shift_jis',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  'windows-31j': 'shift_jis',
};

const DELIMITERS: Record<string, Delimiter> = { ',': COMMA, comma: COMMA, '\t': 0x09, tab: 0x09, ';': 0x3b, semicolon: 0x3b };
/** Tried in this order; on a tie the earlier wins. */
const CANDIDATES: Delimiter[] = [COMMA, 0x09, 0x3b];
/** The most header bytes looked at to choose the delimiter. */
const HEADER_SCAN_BYTES = 1 << 20;

/** Reads `?delimiter=`: comma, tab, semicolon (or the character itself); undefined or "auto" means detect. */
export function parseDelimiter(value: unknown): Delimiter | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  const found = typeof value === 'string' ? DELIMITERS[value.toLowerCase()] : undefined;
  if (found === undefined) throw new HttpProblem(400, 'bad-parameter', `delimiter must be one of auto, comma, tab, semicolon (got ${JSON.stringify(value)})`);
  return found;
}

/**
 * The delimiter whose reading of the header names the most of the model's features (comma, tab,
 * semicolon; a tie goes to the earlier). A header that names none of them is read with commas,
 * and its error then says which columns are missing.
 */
export function detectDelimiter(bytes: Uint8Array, start: number, encoding: TextEncoding, features: readonly string[]): Delimiter {
  const wanted = new Set(features);
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  let best: Delimiter = COMMA;
  let bestCount = 0;
  for (const delimiter of CANDIDATES) {
    const end = nextRecordStart(bytes, start, start, delimiter);
    const stop = Math.min(end === -1 ? bytes.length : end, start + HEADER_SCAN_BYTES);
    const record = new TextRecords(decoder.decode(bytes.subarray(start, stop)), 0, delimiter);
    if (!record.advance()) continue;
    const named = new Set(record.cells.map((c) => c.trim()).filter((c) => wanted.has(c))).size;
    if (named > bestCount) [best, bestCount] = [delimiter, named];
  }
  return best;
}

/** Reads an encoding name from a query parameter; undefined or "auto" means detect. */
export function parseEncodingName(value: unknown, parameter: string): TextEncoding | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  const found = typeof value === 'string' ? ALIASES[value.toLowerCase()] : undefined;
  if (!found) {
    throw new HttpProblem(400, 'bad-parameter', `${parameter} must be one of auto, utf-8, shift_jis (got ${JSON.stringify(value)})`);
  }
  return found;
}

function rejectBinary(bytes: Uint8Array): void {
  const head = bytes.subarray(0, 4);
  if (head[0] === 0x50 && head[1] === 0x4b) {
    throw new HttpProblem(415, 'not-csv', 'this looks like an Excel workbook (.xlsx), not a CSV: save it with "CSV UTF-8" or "CSV" and upload that');
  }
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 65536)).indexOf(0) !== -1) {
    throw new HttpProblem(415, 'not-csv', 'the upload contains binary data (NUL bytes): upload a CSV text file');
  }
}

/** What auto-detection picks for a whole upload: UTF-8 when it is valid UTF-8, else Shift_JIS. */
export function detectEncoding(bytes: Uint8Array): TextEncoding {
  return isUtf8(bytes) ? 'utf-8' : 'shift_jis';
}

/** How an upload's text is to be read: from which byte (after any BOM), and in which encoding. */
export interface UploadText {
  encoding: TextEncoding;
  /** The upload started with a UTF-8 byte order mark (as Excel's "CSV UTF-8" writes). */
  hadBom: boolean;
  /** Where the text starts: past the BOM, if there is one. */
  start: number;
  /** Whether the encoding was forced (a decoding failure then blames the parameter, not detection). */
  forced: boolean;
  /** The field delimiter: forced, or detected from the header. */
  delimiter: Delimiter;
}

/** What settles how an upload's fields are read. */
export interface UploadLayout {
  /** Forced by `?delimiter=`; else detected from the header. */
  delimiter?: Delimiter;
  /** The model's feature names, which the right delimiter finds in the header. */
  features?: readonly string[];
}

/** Checks that the whole upload is text and settles its encoding (a piece alone might be plain ASCII). */
export function uploadText(bytes: Uint8Array, forced?: TextEncoding, layout: UploadLayout = {}): UploadText {
  if (bytes.length === 0) throw new HttpProblem(400, 'empty-upload', 'the upload is empty: send a CSV with a header row and at least one data row');
  rejectBinary(bytes);
  const hadBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const start = hadBom ? 3 : 0;
  const encoding = forced ?? (hadBom ? 'utf-8' : detectEncoding(bytes.subarray(start)));
  const delimiter = layout.delimiter ?? (layout.features ? detectDelimiter(bytes, start, encoding, layout.features) : COMMA);
  return { encoding, hadBom, start, forced: forced !== undefined, delimiter };
}

/**
 * Decodes consecutive ranges of an upload in streaming mode, so a two-byte character split
 * between ranges survives; text that is not valid in the encoding gets a clear 400/415.
 */
export class RangeDecoder {
  private readonly decoder: TextDecoder;
  /** No partial character is held from the bytes before (they ended with an ASCII byte, or there were none). */
  private whole = true;

  constructor(private readonly upload: UploadText) {
    this.decoder = new TextDecoder(upload.encoding, { fatal: true, ignoreBOM: true });
  }

  /** Whether `bytes` (the range after those decoded so far) is plain ASCII text, which reads the same in both encodings. */
  isAscii(bytes: Uint8Array): boolean {
    return this.whole && isAscii(bytes);
  }

  /**
   * Whether `bytes` (the range after those decoded so far) is whole, valid UTF-8 in a UTF-8
   * upload: such a range can be read without decoding it (it is checked here instead).
   */
  isUtf8(bytes: Uint8Array): boolean {
    return this.whole && this.upload.encoding === 'utf-8' && isUtf8(bytes);
  }

  decode(bytes: Uint8Array, last = false): string {
    // Plain ASCII reads the same in both encodings: copied as one-byte text, many times faster
    // than the decoder (nearly every chunk of a numeric upload).
    if (this.isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    // In UTF-8 and in Shift_JIS, an ASCII byte is never the first byte of a character.
    this.whole = bytes.length === 0 || bytes[bytes.length - 1] < 0x80;
    try {
      return this.decoder.decode(bytes, { stream: !last });
    } catch {
      const { forced, hadBom, encoding } = this.upload;
      const tried = forced ? encoding : hadBom ? 'utf-8' : 'utf-8 or shift_jis';
      throw new HttpProblem(forced ? 400 : 415, 'bad-encoding', `the file is not valid ${tried} text${forced ? '' : '; save it as "CSV UTF-8" or pass ?encoding=…'}`);
    }
  }
}

/** The whole upload as text (for small files such as a model's sample). */
export function decodeUpload(bytes: Uint8Array, forced?: TextEncoding): DecodedText {
  const upload = uploadText(bytes, forced);
  const text = new RangeDecoder(upload).decode(bytes.subarray(upload.start), true);
  return { text, encoding: upload.encoding, hadBom: upload.hadBom };
}
