/**
 * Reads a decoded CSV against a model's features, one chunk of whole records at a time: checks the
 * header, every row's width and every feature cell, and notes where each data row's text is so the
 * output can repeat it exactly. Nothing is predicted unless the whole file is valid, so a bad upload
 * never yields a partial CSV; only the errors are kept across chunks. Records and fields follow the
 * CSV rules (README, "CSV rules"): text-records.ts reads them as text, plain-records.ts in the
 * bytes of a chunk without quotes, and both give the same rows (csv-differential.test.ts).
 */
import { HttpProblem, RowError } from '../http/problem';
import type { Feature } from '../models/manifest';
import { COMMA, Delimiter, isFormulaLike, mayBeFormula, writeRow } from './cells';
import { fastDecimal } from './decimal';
import { KeptRows } from './kept-rows';
import { byteOffset } from './char-offsets';
import { BytesEncoding, PlainRecords, textOf } from './plain-records';
import { quoteMessage, TextRecords } from './text-records';

export const MAX_LISTED_ERRORS = 100;

export interface FeatureColumn {
  feature: Feature;
  /** One entry a row: numbers (NaN where an imputing model accepts an empty cell) or, for string features, text. */
  values: Float64Array | string[];
}

/** The data rows of one chunk of text. */
export interface RowsRead {
  /** Per row, the start and end of its text in the chunk (line terminator excluded): [start0, end0, start1, …]. */
  spans: Int32Array;
  /** Per row, its data row number in the upload (or piece): errors found after reading name it. */
  rowNumbers: Int32Array;
  /** Whether `spans` are offsets in the chunk's bytes (it was read in place); else in its decoded text. */
  inBytes: boolean;
  /** Rows (by index in the chunk, ascending) to write neutralised, because a cell would run as a formula in a spreadsheet. */
  neutralised: Int32Array;
  columns: FeatureColumn[];
  rows: number;
}

export interface ReadOptions {
  features: readonly Feature[];
  /** Features whose empty cells the model imputes itself (issue: models with an Imputer). */
  imputed?: ReadonlySet<string>;
  /** Column names the output adds; an upload may not already have them. */
  reserved: readonly string[];
  /** Says why a row (as it would be written) cannot go into the output, e.g. in Shift_JIS; undefined when it can. */
  unwritable?: (line: string) => string | undefined;
  /** The field delimiter (comma by default). */
  delimiter?: Delimiter;
}

const QUOTE = 0x22;
/** Most columns a header may have: a spreadsheet's (Excel's sheet is 16,384 columns wide). */
export const MAX_COLUMNS = 16_384;
const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const FLOAT32_MAX = 3.4028234663852886e38;
/** A number written with a decimal comma (1,5), as in a semicolon-separated file from a European or Japanese locale's Excel. */
const DECIMAL_COMMA = /^\s*[+-]?\d*,\d+\s*$/;

export class ErrorList {
  readonly listed: RowError[] = [];
  total = 0;
  add(row: number | null, column: string | null, message: string): void {
    this.total++;
    if (this.listed.length < MAX_LISTED_ERRORS) this.listed.push({ row, column, message });
  }
  throwIfAny(detail: string, recordCount = 0): void {
    if (this.total === 0) return;
    throw new InvalidRowsProblem(`${detail}: ${this.total} problem${this.total === 1 ? '' : 's'} found`, this.listed, this.total, recordCount);
  }
}

export function noRowsProblem(): HttpProblem {
  return new HttpProblem(400, 'no-rows', 'the upload has a header but no data rows');
}

function noHeaderProblem(): HttpProblem {
  return new HttpProblem(400, 'empty-upload', 'the upload has no header row: the first line must name the columns');
}

/** 422 for bad rows; also says how many records were read, so a split upload can number its rows. */
export class InvalidRowsProblem extends HttpProblem {
  constructor(
    detail: string,
    errors: RowError[],
    totalErrors: number,
    readonly recordCount: number,
  ) {
    super(422, 'invalid-rows', detail, { errors, totalErrors });
  }
}

function describe(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}

/** The header's problems with its own text, before its names are looked at. */
function checkHeaderRecord(record: TextRecords, errors: ErrorList): void {
  if (record.badQuote) {
    const column = record.badField + 1;
    errors.add(null, `column ${column}`, `the header row (spreadsheet row 1), column ${column}: ${quoteMessage(record.badQuote)}`);
  }
  if (record.cells.length > MAX_COLUMNS) {
    errors.add(null, null, `the header has ${record.cells.length} columns; at most ${MAX_COLUMNS} (a spreadsheet's width) are read`);
  }
  errors.throwIfAny('the header cannot be read');
}

/** Where each feature's column is; says which names are missing, repeated or reserved (linear: a header may be 16,384 wide). */
function checkHeader(header: string[], opts: ReadOptions, errors: ErrorList): number[] {
  const first = new Map<string, number>();
  const repeated = new Set<string>();
  header.forEach((cell, i) => {
    const n = cell.trim();
    if (!first.has(n)) first.set(n, i);
    else if (n !== '' && !repeated.has(n)) {
      repeated.add(n);
      errors.add(null, n, `the header names column "${n}" more than once`);
    }
    if (opts.reserved.includes(n)) errors.add(null, n, `column "${n}" is added by the prediction; rename or remove it in the upload`);
  });
  const positions = opts.features.map((f) => first.get(f.name) ?? -1);
  opts.features.forEach((f, k) => {
    if (!first.has(f.name)) errors.add(null, f.name, `required column "${f.name}" is missing from the header`);
  });
  errors.throwIfAny('the header does not match the model');
  return positions;
}

/**
 * Whether Number() read `cell` as the plain decimal it looks like. Number() also takes hex
 * (0x10), binary, octal and blank text, which a spreadsheet would not call numbers; those, and
 * anything not starting like a decimal, go through the strict pattern instead.
 */
function plainDecimal(cell: string, value: number): boolean {
  if (value !== value || value === Infinity || value === -Infinity || value === 0) return NUMBER.test(cell);
  const c0 = cell.charCodeAt(0);
  const startsLikeNumber = (c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46;
  if (!startsLikeNumber || (c0 === 48 && cell.length > 1 && (cell.charCodeAt(1) | 32) > 96)) return NUMBER.test(cell);
  return true;
}

/** Whether a plain decimal's value (NaN when the cell is not one) can be used as it is: int64 features take whole numbers only. */
function usable(fast: number, integral: boolean): boolean {
  return fast === fast && (!integral || Number.isInteger(fast));
}

/** Parses one numeric feature cell, or records why it cannot be used. */
function readNumber(cell: string, feature: Feature, imputed: boolean, row: number, errors: ErrorList): number {
  const fast = fastDecimal(cell);
  if (usable(fast, feature.type === 'int64')) return fast;
  const value = +cell;
  if (plainDecimal(cell, value) && Number.isFinite(value)) {
    if (feature.type === 'float' && (value > FLOAT32_MAX || value < -FLOAT32_MAX)) errors.add(row, feature.name, `${describe(cell)} is out of range`);
    else if (feature.type === 'int64' && !Number.isSafeInteger(value)) errors.add(row, feature.name, `${describe(cell)} is not a whole number`);
    return value;
  }
  if (cell.trim() === '') {
    if (!imputed) errors.add(row, feature.name, 'empty value; a number is required');
    return NaN;
  }
  if (DECIMAL_COMMA.test(cell)) {
    errors.add(row, feature.name, `${describe(cell)} has a decimal comma, which is not read: write it with a dot (${cell.trim().replace(',', '.')})`);
    return NaN;
  }
  errors.add(row, feature.name, NUMBER.test(cell) ? `${describe(cell)} is out of range` : `${describe(cell)} is not a number`);
  return NaN;
}

/**
 * Reads one upload (or one piece of it, after its header) chunk by chunk. Each chunk must hold
 * whole records. Once a row is invalid, values and spans are no longer kept: only errors matter.
 */
export class TableReader {
  readonly errors = new ErrorList();
  header: string[] | undefined;
  /** The header as written to the output: the uploaded text, or re-quoted where neutralised. */
  headerLine = '';
  /** Records after the header, blank lines included: the row numbering's last number. */
  recordCount = 0;
  /** Data rows read (blank lines excluded). */
  rows = 0;
  private positions: number[] = [];
  private readonly imputed: boolean[];
  /** Per feature, whether its cells are text (kept as they are) rather than numbers. */
  private readonly textual: boolean[];
  /** Per feature, whether its numbers must be whole. */
  private readonly integral: boolean[];
  /** Rows in the chunk before: the next chunk's arrays start that large, so they rarely grow. */
  private lastChunkRows = 0;
  private readonly delimiter: Delimiter;

  constructor(private readonly opts: ReadOptions) {
    this.delimiter = opts.delimiter ?? COMMA;
    this.imputed = opts.features.map((f) => opts.imputed?.has(f.name) ?? false);
    this.textual = opts.features.map((f) => f.type === 'string');
    this.integral = opts.features.map((f) => f.type === 'int64');
  }

  get valid(): boolean {
    return this.errors.total === 0;
  }

  /** Reads one chunk of whole records as text (UTF-8 going out in Shift_JIS, or a chunk after a split character). */
  read(text: string): RowsRead {
    const rows = new KeptRows(this.opts.features, this.textual, this.lastChunkRows);
    const from = this.header === undefined ? this.readHeader(text) : 0;
    if (from < text.length) this.readQuoted(text, from, rows);
    return this.done(rows, false);
  }

  /**
   * Reads one chunk of whole records from its bytes: valid UTF-8 (plain ASCII included: nearly
   * every chunk of a file of numbers), or Shift_JIS with `decoded`, its text. Its header, and a
   * chunk with a quote anywhere after it, are read as text (text-records.ts); any other chunk is
   * read in place, field by field in the bytes (plain-records.ts), with the same checks and the
   * same results.
   */
  readBytes(bytes: Uint8Array, encoding: BytesEncoding = 'utf-8', decoded?: string): RowsRead {
    const rows = new KeptRows(this.opts.features, this.textual, this.lastChunkRows);
    let text = decoded;
    // Where the records after the header start, in the text and in the bytes.
    let textFrom = 0;
    let from = 0;
    if (this.header === undefined) {
      text ??= textOf(bytes, encoding);
      textFrom = this.readHeader(text);
      from = byteOffset(bytes, textFrom, encoding);
      if (this.header === undefined) return this.done(rows, true);
    }
    // Buffer's indexOf is memchr; a typed array's looks at one element at a time.
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(QUOTE, from) === -1) {
      this.readPlain(bytes, from, rows, encoding);
      return this.done(rows, true);
    }
    text ??= textOf(bytes, encoding);
    this.readQuoted(text, textFrom, rows);
    // Text offsets are byte offsets only where every character is one byte.
    return this.done(rows, text.length === bytes.length);
  }

  private done(rows: KeptRows, inBytes: boolean): RowsRead {
    const read = rows.result(inBytes);
    this.lastChunkRows = read.rows;
    return read;
  }

  /** Reads the header record and returns where the records after it start. */
  private readHeader(text: string): number {
    const record = new TextRecords(text, 0, this.delimiter);
    if (!record.advance()) return text.length;
    const cells = record.cells;
    if (cells.length === 1 && cells[0].trim() === '' && !record.badQuote) throw noHeaderProblem();
    checkHeaderRecord(record, this.errors);
    this.header = cells;
    this.positions = checkHeader(cells, this.opts, this.errors);
    this.headerLine = cells.some(isFormulaLike) ? writeRow(cells, this.delimiter) : text.slice(record.start, record.end);
    return record.next;
  }

  /** The next record's number. Blank lines are counted too, so row numbers match the spreadsheet's (row + 1). */
  private countRecord(): number {
    return ++this.recordCount;
  }

  /** Whether a record of `fields` fields is as wide as the header; if not, says so. */
  private fits(row: number, fields: number): boolean {
    const width = (this.header as string[]).length;
    if (fields !== width) this.errors.add(row, null, `the row has ${fields} field${fields === 1 ? '' : 's'}, the header has ${width}`);
    return fields === width;
  }

  /** A blank line is skipped, unless the header has one column (then it is an empty cell). */
  private skipsBlank(blank: boolean): boolean {
    return blank && (this.header as string[]).length > 1;
  }

  private checkWritable(row: number, line: string): void {
    const unwritable = this.opts.unwritable?.(line);
    if (unwritable) this.errors.add(row, null, unwritable);
  }

  private readPlain(bytes: Uint8Array, from: number, rows: KeptRows, encoding: BytesEncoding): void {
    const { features } = this.opts;
    const width = (this.header as string[]).length;
    const records = new PlainRecords(bytes, from, width, encoding, this.delimiter);
    while (records.advance()) {
      const { start, end } = records;
      const row = this.countRecord();
      if (this.skipsBlank(end === start) || !this.fits(row, records.fields)) continue;
      const keep = this.valid;
      const at = keep ? rows.add(start, end, row) : -1;
      for (let k = 0; k < features.length; k++) {
        const p = this.positions[k];
        if (this.textual[k]) {
          if (keep) rows.pushText(k, records.field(p));
          continue;
        }
        const fast = records.value(p);
        const value = usable(fast, this.integral[k]) ? fast : readNumber(records.field(p), features[k], this.imputed[k], row, this.errors);
        if (keep) rows.setNumber(k, at, value);
      }
      // Any cell, a feature's number included (" \t5" reads as 5), may run as a formula; a plain decimal never does.
      let formula = false;
      for (let c = 0; records.mayHaveFormula && c < width && !formula; c++) {
        const fast = records.value(c);
        formula = fast !== fast && mayBeFormula(bytes[records.fieldStart(c)]) && isFormulaLike(records.field(c));
      }
      this.rows++;
      if (this.opts.unwritable) this.checkWritable(row, formula ? writeRow(records.cells(), this.delimiter) : records.text(start, end));
      if (keep && formula) rows.neutralise(at);
    }
  }

  private readQuoted(text: string, from: number, rows: KeptRows): void {
    const { features } = this.opts;
    const records = new TextRecords(text, from, this.delimiter);
    while (records.advance()) {
      const { cells, start, end } = records;
      const row = this.countRecord();
      if (records.badQuote) {
        const column = (this.header as string[])[records.badField]?.trim() ?? `column ${records.badField + 1}`;
        this.errors.add(row, column, quoteMessage(records.badQuote));
        continue;
      }
      if (this.skipsBlank(cells.length === 1 && cells[0] === '') || !this.fits(row, cells.length)) continue;
      const keep = this.valid;
      const at = keep ? rows.add(start, end, row) : -1;
      for (let k = 0; k < features.length; k++) {
        const cell = cells[this.positions[k]];
        if (this.textual[k]) {
          if (keep) rows.pushText(k, cell);
          continue;
        }
        const value = readNumber(cell, features[k], this.imputed[k], row, this.errors);
        if (keep) rows.setNumber(k, at, value);
      }
      const formula = cells.some(isFormulaLike);
      this.rows++;
      if (this.opts.unwritable) this.checkWritable(row, formula ? writeRow(cells, this.delimiter) : text.slice(start, end));
      if (keep && formula) rows.neutralise(at);
    }
  }

  /** Throws the upload's problem, if it has one, once every chunk has been read. */
  finish(allowNoRows = false): void {
    if (this.header === undefined) throw noHeaderProblem();
    this.errors.throwIfAny('the upload has invalid rows', this.recordCount);
    if (this.rows === 0 && !allowNoRows) throw noRowsProblem();
  }
}

/** A row's text (one record, no line break) with its formula cells neutralised and re-quoted. */
export function neutraliseRow(line: string, delimiter: Delimiter = COMMA): string {
  const record = new TextRecords(line, 0, delimiter);
  record.advance();
  return writeRow(record.cells, delimiter);
}
