/**
 * What kind of file an upload is, by its content: an Excel workbook (a zip holding a workbook
 * part), an old-format or password-protected one (an OLE compound file), or text; and a
 * workbook's parts as they inflate, counted against a budget as they go: a zip's sizes are
 * declared by its writer and may lie, so only inflating tells how much text a part really is (a
 * zip bomb of a few kB can declare a small size and inflate to gigabytes). Parts that are only
 * copied into the answer are never inflated.
 */
import { createInflateRaw } from 'node:zlib';
import { HttpProblem } from '../http/problem';

/**
 * Most bytes a workbook's parts may hold uncompressed, all together. The sheet is read and
 * written as it streams, so this bounds time, not memory: a 32 MiB workbook of numbers (about
 * 215,000 rows × 31 columns, bench/workbook.ts) is about 190 MiB of parts, and sheets of
 * repetitive values compress further. Past this a zip bomb is stopped while it is counted.
 */
export const MAX_WORKBOOK_PART_BYTES = 512 * 1024 * 1024;

export type UploadKind = 'workbook' | 'text';

const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  dataStart: number;
}

const refuse = (detail: string) => new HttpProblem(415, 'unsupported-workbook', detail);

/** Whether the upload is a zip (PK\x03\x04) or an OLE compound file: a workbook, whatever its name. */
export function uploadKind(bytes: Uint8Array): UploadKind {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'workbook';
  if (OLE.every((b, i) => bytes[i] === b)) return 'workbook';
  return 'text';
}

/** The zip's entries, from its central directory, in the order they are stored. */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  // A DataView rather than a Buffer, so the page's workbook worker reads zips with this code too.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const u16 = (at: number) => view.getUint16(at, true);
  const unreadable = () => refuse('the file starts like a zip (an .xlsx workbook) but cannot be read as one: is it complete? Save it again as Excel Workbook (.xlsx)');
  let eocd = -1;
  // The end record is in the last 64 kB + 22 bytes (its comment is at most 65,535 bytes).
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 65_557); at--) {
    if (u32(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd === -1) throw unreadable();
  const count = u16(eocd + 10);
  let at = u32(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || u32(at) !== CENTRAL) throw unreadable();
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const local = u32(at + 42);
    const name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (local + 30 > bytes.length || u32(local) !== LOCAL) throw unreadable();
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (dataStart + compressedSize > bytes.length) throw unreadable();
    entries.push({ name, method, crc, compressedSize, size, dataStart });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries.sort((a, b) => a.dataStart - b.dataStart);
}

const utf8 = new TextDecoder('utf-8');

/** A part's stored bytes (deflated or stored, as `entry.method` says). */
export function storedBytes(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  return bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
}

/**
 * Uncompressed bytes a job's parts may inflate to, all together. A part read twice (the sheet:
 * once to read, once to write back) counts once, at the most read of it.
 */
export class InflateBudget {
  private readonly seen = new Map<string, number>();
  private total = 0;

  constructor(readonly limit = MAX_WORKBOOK_PART_BYTES) {}

  /** Notes that `size` bytes of the part have inflated so far; 413 past the limit. */
  count(entry: ZipEntry, size: number): void {
    const before = this.seen.get(entry.name) ?? 0;
    if (size <= before) return;
    this.total += size - before;
    this.seen.set(entry.name, size);
    if (this.total > this.limit) throw tooLarge(this.limit);
  }
}

/**
 * Bytes of a part's text handed on at a time. Small, so each piece's text (and the text a reader
 * carries over from it) dies young: reading a sheet makes about a megabyte of garbage per 64 KiB
 * piece, so with V8's small young generation (process-settings.ts) a piece's text outlived two
 * young collections and moved to the old generation, which only full collections free. Reading the
 * 100,000-row bench sheet moved 113 MB there in 64 KiB pieces and 6 MB in 16 KiB ones (and 256 KiB
 * pieces, larger than V8's young objects may be, went there at once).
 */
const PIECE_BYTES = 16 * 1024;

/** A part's text as it inflates, piece by piece, counted against `budget`; the inflater stops where the reader does. */
export async function* partPieces(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget): AsyncGenerator<Buffer> {
  const stored = storedBytes(bytes, entry);
  if (entry.method === 0) {
    budget.count(entry, stored.byteLength);
    for (let at = 0; at < stored.byteLength; at += PIECE_BYTES) {
      yield Buffer.from(stored.buffer, stored.byteOffset + at, Math.min(PIECE_BYTES, stored.byteLength - at));
    }
    return;
  }
  const inflate = createInflateRaw({ chunkSize: PIECE_BYTES });
  inflate.on('error', () => undefined);
  inflate.end(stored);
  let size = 0;
  try {
    for await (const piece of inflate) {
      size += (piece as Buffer).length;
      budget.count(entry, size);
      yield piece as Buffer;
    }
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    throw refuse(`the workbook's part ${entry.name} is damaged; open the file in Excel and save it again`);
  } finally {
    inflate.destroy();
  }
}

/** A small part's whole text. */
export async function partText(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of partPieces(bytes, entry, budget)) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(
    413,
    'too-large',
    `the workbook's contents are larger than ${limit >> 20} MiB uncompressed, more than a workbook of the upload limit holds (a zip bomb?); save the sheet as "CSV UTF-8" or split the workbook`,
  );
}

/**
 * Checks that the upload is an .xlsx workbook this service reads. Refuses .xls,
 * password-protected workbooks and macro workbooks with a sentence saying what to save instead.
 */
export function checkWorkbook(bytes: Uint8Array): void {
  if (OLE.every((b, i) => bytes[i] === b)) {
    // An encrypted .xlsx is an OLE file with an EncryptionInfo stream (MS-OFFCRYPTO 2.3.4); any other OLE file here is an old .xls.
    const encrypted = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from('EncryptionInfo', 'utf16le'));
    throw refuse(
      encrypted
        ? 'the workbook is password-protected, so it cannot be read: open it in Excel, remove the password (File › Info › Protect Workbook › Encrypt with Password), save it as Excel Workbook (.xlsx) and upload that'
        : 'this is an Excel 97–2003 workbook (.xls), which is not read: open it in Excel and save it as Excel Workbook (.xlsx) or CSV UTF-8, and upload that',
    );
  }
  const entries = zipEntries(bytes);
  const names = new Set(entries.map((e) => e.name));
  if (names.has('xl/vbaProject.bin')) {
    throw refuse('the workbook has macros (.xlsm), which are never run or kept: save it as Excel Workbook (.xlsx) and upload that');
  }
  if (!names.has('xl/workbook.xml')) {
    throw refuse('the file is a zip but not an Excel workbook (it has no xl/workbook.xml): upload an .xlsx workbook or a CSV');
  }
  for (const entry of entries) {
    if (entry.method !== 0 && entry.method !== 8) throw refuse(`the workbook's part ${entry.name} is compressed in a way Excel does not write (method ${entry.method}); save it again in Excel`);
  }
}
