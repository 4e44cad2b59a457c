/**
 * The user's workbook back, with the prediction columns appended to the sheet that was read,
 * after its last column, written as a zip that streams out: every other part is copied as it was
 * stored (not even inflated), styles.xml gains the probabilities' number format, and the sheet's
 * XML is rewritten as it inflates (sheet-rewrite.ts). The new header cells take the style of the
 * header's last cell; probabilities are numbers with a number format; labels are text cells,
 * which a spreadsheet never runs, whatever they start with.
 */
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import { strToU8, Zip, ZipDeflate, type ZipInputFile } from 'fflate';
import { collectEachStep } from '../memory';
import { partPieces, partText, storedBytes } from './container';
import type { Book, SheetPart } from './book';
import type { SheetPredictions } from './sheet-predictions';
import { OutBatches, type SendBatch } from './out-batches';
import { SheetRewriter } from './sheet-rewrite';
import { columnLetters, type SheetExtent } from './sheet-rows';
import { addProbabilityStyle } from './styles-patch';

export interface WriteBack {
  book: Book;
  sheet: SheetPart;
  headerRow: number;
  width: number;
  headerStyle: number;
  extent: SheetExtent;
  /** The added columns' header names. */
  added: string[];
  /** The sheet row of each predicted row, ascending. */
  rows: Int32Array;
  predictions: SheetPredictions;
}

/**
 * A zip entry deflated by zlib (native, on libuv's threads) as it is pushed, its checksum by
 * zlib's crc32 (fflate's own, in JavaScript, took 0.5 s of the 100,000-row sheet's 90 MiB).
 * Level 1: measured on that sheet, 0.65 s to 15.1 MiB, against level 6's 5–6.5 s to 13.4 MiB.
 */
class ZlibDeflated implements ZipInputFile {
  readonly deflate: DeflateRaw = createDeflateRaw({ level: 1, chunkSize: 256 * 1024 });
  readonly ended: Promise<void>;
  crc = 0;
  size = 0;
  readonly compression = 8;
  ondata?: ZipInputFile['ondata'];

  constructor(readonly filename: string) {
    this.deflate.on('data', (piece: Buffer) => this.ondata!(null, piece as Uint8Array<ArrayBuffer>, false));
    this.ended = new Promise((resolve, reject) => {
      this.deflate.on('end', () => {
        this.ondata!(null, new Uint8Array(0), true);
        resolve();
      });
      this.deflate.on('error', reject);
    });
  }

  push(chunk: Uint8Array, final = false): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    if (chunk.length > 0) this.deflate.write(chunk);
    if (final) this.deflate.end();
  }
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text as XML character data: escaped, and without the control characters XML cannot hold. */
function xmlText(text: string): string {
  return text.replace(/[&<>"]/g, (c) => XML_ESCAPES[c]).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '');
}

function textCell(p: string, ref: string, text: string, style = 0): string {
  const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : '';
  return `<${p}c r="${ref}"${style ? ` s="${style}"` : ''} t="inlineStr"><${p}is><${p}t${space}>${xmlText(text)}</${p}t></${p}is></${p}c>`;
}

function numberCell(p: string, ref: string, value: number, style = 0): string {
  return `<${p}c r="${ref}"${style ? ` s="${style}"` : ''}><${p}v>${value}</${p}v></${p}c>`;
}

/**
 * The workbook with the predictions, handed to `send` a batch at a time (the next waits for it).
 * Each batch is a buffer of its own, from its start; `send` may give a buffer back that the
 * receiver is done with, which the next batch is written into.
 */
export async function writeBack(w: WriteBack, send: SendBatch): Promise<void> {
  const { book, predictions } = w;
  const first = Math.max(w.extent.lastColumn, w.width) + 1;
  const letters = w.added.map((_, k) => columnLetters(first + k));
  const stylesPart = w.book.styles ? addProbabilityStyle(await partText(book.bytes, w.book.styles, book.budget)) : undefined;
  const probabilityStyle = stylesPart?.index ?? 0;
  let next = 0;
  const cellsOf = (row: number, p: string): string => {
    if (row === w.headerRow) return w.added.map((name, k) => textCell(p, `${letters[k]}${row}`, name, w.headerStyle)).join('');
    while (next < w.rows.length && w.rows[next] < row) next++;
    if (next === w.rows.length || w.rows[next] !== row) return '';
    const { label, numbers } = predictions.cells(next++);
    let out = label === undefined ? '' : textCell(p, `${letters[0]}${row}`, label);
    const from = w.added.length - numbers.length;
    for (let j = 0; j < numbers.length; j++) out += numberCell(p, `${letters[from + j]}${row}`, numbers[j], label === undefined ? 0 : probabilityStyle);
    return out;
  };

  const out = new OutBatches(send);
  let failure: Error | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const zip = new Zip((error, data, final) => {
    if (error) failure = error;
    else out.push(data);
    if (final || error) finished();
  });
  const flush = async (all = false) => {
    if (failure) throw failure;
    await out.flush(all);
  };

  for (const entry of book.entries) {
    if (entry === w.sheet.entry) {
      const file = new ZlibDeflated(entry.name);
      zip.add(file);
      const rewriter = new SheetRewriter({ first, count: w.added.length, widths: w.added.map((n) => Math.max(n.length + 2, 10)), overlapping: w.extent.lastCellColumn >= first, cellsOf });
      const decoder = new StringDecoder('utf8');
      for await (const piece of partPieces(book.bytes, entry, book.budget)) {
        const text = rewriter.push(decoder.write(piece));
        if (text !== '') file.push(Buffer.from(text));
        if (file.deflate.writableNeedDrain) await once(file.deflate, 'drain');
        await flush();
        collectEachStep();
      }
      file.push(Buffer.from(rewriter.end() + decoder.end()), true);
      await file.ended;
    } else if (entry === book.styles && stylesPart) {
      const file = new ZipDeflate(entry.name, { level: 6 });
      zip.add(file);
      file.push(strToU8(stylesPart.styles), true);
    } else {
      // Copied as stored: its own deflated bytes, size and checksum.
      const file: ZipInputFile = { filename: entry.name, size: entry.size, crc: entry.crc, compression: entry.method };
      zip.add(file);
      file.ondata!(null, storedBytes(book.bytes, entry) as Uint8Array<ArrayBuffer>, true);
    }
    await flush();
  }
  zip.end();
  await done;
  await flush(true);
}
