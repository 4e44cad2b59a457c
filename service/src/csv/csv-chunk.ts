/**
 * A CSV upload's chunks as the table reader takes them (table/records.ts): the header record, read
 * from the text, then the records, read in place in the bytes where the chunk has no quote after
 * its header (plain-records.ts: nearly every chunk of a file of numbers, and of a Japanese one, in
 * UTF-8 or in Shift_JIS) or else from its decoded text (text-records.ts). Both give the same
 * records (csv-differential.test.ts), and row spans in the chunk's bytes either way.
 */
import type { TableRecords, TableSource } from '../table/records';
import { COMMA, Delimiter, isFormulaLike, writeRow } from './cells';
import { ByteCursor, byteOffset } from './char-offsets';
import { fastDecimal } from './decimal';
import { RangeDecoder, TextEncoding, UploadText } from './decode';
import { PlainRecords, textOf } from './plain-records';
import { quoteMessage, TextRecords } from './text-records';

const QUOTE = 0x22;

/** The records of a chunk's text, with their places in its bytes. */
class TextTableRecords implements TableRecords {
  row: number;
  start = 0;
  end = 0;
  private readonly records: TextRecords;
  /** Undefined when every character is one byte: text offsets are byte offsets. */
  private readonly bytes: ByteCursor | undefined;

  constructor(
    private readonly source: string,
    from: number,
    private readonly delimiter: Delimiter,
    bytes: ByteCursor | undefined,
    rowBefore: number,
  ) {
    this.records = new TextRecords(source, from, delimiter);
    this.bytes = bytes;
    this.row = rowBefore;
  }

  advance(): boolean {
    const { records } = this;
    if (!records.advance()) return false;
    this.row++;
    this.start = this.bytes ? this.bytes.at(records.start) : records.start;
    this.end = this.bytes ? this.bytes.at(records.end) : records.end;
    return true;
  }

  /** Where the record after the current one starts, in the text. */
  get next(): number {
    return this.records.next;
  }

  get width(): number {
    return this.records.cells.length;
  }

  get blank(): boolean {
    const { cells } = this.records;
    return cells.length === 1 && cells[0] === '';
  }

  get malformed(): { cell: number; message: string } | undefined {
    const { badQuote, badField } = this.records;
    return badQuote === undefined ? undefined : { cell: badField, message: quoteMessage(badQuote) };
  }

  value(k: number): number {
    return fastDecimal(this.records.cells[k]);
  }

  text(k: number): string {
    return this.records.cells[k];
  }

  cells(): string[] {
    return this.records.cells;
  }

  formulaLike(): boolean {
    return this.records.cells.some(isFormulaLike);
  }

  line(neutralised: boolean): string {
    return neutralised ? writeRow(this.records.cells, this.delimiter) : this.source.slice(this.records.start, this.records.end);
  }
}

export interface ChunkOptions {
  delimiter?: Delimiter;
  /** The chunk's text, when it was decoded already (to check it); else it is decoded where needed. */
  text?: string;
  /** False reads every record from the text: the tests' reference way for the records read in place. */
  inPlace?: boolean;
}

/** One chunk of whole records of a CSV in UTF-8 (plain ASCII included) or Shift_JIS. */
export class CsvChunk implements TableSource {
  private readonly delimiter: Delimiter;
  private readonly inPlace: boolean;
  private decoded: string | undefined;
  private headerRecords: TextTableRecords | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly encoding: TextEncoding,
    options: ChunkOptions = {},
  ) {
    this.delimiter = options.delimiter ?? COMMA;
    this.decoded = options.text;
    this.inPlace = options.inPlace ?? true;
  }

  private get source(): string {
    return (this.decoded ??= textOf(this.bytes, this.encoding));
  }

  /** Text offsets are byte offsets only where every character is one byte. */
  private cursor(): ByteCursor | undefined {
    return this.source.length === this.bytes.length ? undefined : new ByteCursor(this.bytes, this.encoding);
  }

  header(): TableRecords {
    this.headerRecords = new TextTableRecords(this.source, 0, this.delimiter, this.cursor(), 0);
    return this.headerRecords;
  }

  records(width: number, rowBefore: number): TableRecords {
    // Where the records after the header start, in the text and in the bytes.
    const textFrom = this.headerRecords?.next ?? 0;
    const from = textFrom === 0 ? 0 : byteOffset(this.bytes, textFrom, this.encoding);
    // Buffer's indexOf is memchr; a typed array's looks at one element at a time.
    if (this.inPlace && Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).indexOf(QUOTE, from) === -1) {
      return new PlainRecords(this.bytes, from, width, this.encoding, this.delimiter, rowBefore);
    }
    return new TextTableRecords(this.source, textFrom, this.delimiter, this.cursor(), rowBefore);
  }
}

/**
 * Consecutive chunks of one upload (or piece): each is checked to be text in the upload's encoding
 * and read in its bytes. Plain ASCII and whole UTF-8 are checked without decoding them; Shift_JIS
 * is decoded, which checks it, and its text kept for the records that need it.
 */
export class CsvChunks {
  private readonly decoder: RangeDecoder;

  constructor(private readonly upload: UploadText) {
    this.decoder = new RangeDecoder(upload);
  }

  /**
   * The chunk `bytes`, the range after those before. Ranges end at a record's start, so each
   * range's text is its own, except the `last` (the upload's end, or a runaway record's cut).
   */
  chunk(bytes: Uint8Array, last = false): CsvChunk {
    const { delimiter, encoding } = this.upload;
    if (this.decoder.isAscii(bytes) || this.decoder.isUtf8(bytes)) return new CsvChunk(bytes, 'utf-8', { delimiter });
    return new CsvChunk(bytes, encoding, { delimiter, text: this.decoder.decode(bytes, last) });
  }
}
