/**
 * Reads a table against a model's features, one part of the upload at a time, from any format's
 * records (records.ts): checks the header, every row's width and every feature cell, and keeps the
 * feature columns for prediction and where each data row is for the writers. Nothing is predicted
 * unless the whole file is valid, so a bad upload never yields a partial answer; only the errors
 * are kept across parts.
 */
import { HttpProblem, RowError } from '../http/problem';
import type { Feature } from '../models/manifest';
import { KeptRows } from './kept-rows';
import type { TableRecords, TableSource } from './records';

export const MAX_LISTED_ERRORS = 100;

export interface FeatureColumn {
  feature: Feature;
  /** One entry a row: numbers (NaN where an imputing model accepts an empty cell) or, for string features, text. */
  values: Float64Array | string[];
}

/** The data rows of one part of the upload. */
export interface RowsRead {
  /** Per row, where it is in the part's bytes (records.ts: start, end): [start0, end0, start1, …]. */
  spans: Int32Array;
  /** Per row, its data row number in the upload (or piece): errors found after reading name it. */
  rowNumbers: Int32Array;
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
  /** Says what in a row (as a text answer would write it) the output cannot hold, e.g. characters in Shift_JIS; undefined when it can. */
  unwritable?: (line: string) => string | undefined;
}

/** Most columns a header may have: a spreadsheet's (Excel's sheet is 16,384 columns wide). */
export const MAX_COLUMNS = 16_384;
const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const FLOAT32_MAX = 3.4028234663852886e38;
/** A number written with a decimal comma (1,5), as in a semicolon-separated file from a European or Japanese locale's Excel. */
const DECIMAL_COMMA = /^\s*[+-]?\d*,\d+\s*$/;

export class ErrorList {
  readonly listed: RowError[] = [];
  total = 0;
  add(row: number | null, column: string | null, message: string, cell?: string): void {
    this.total++;
    if (this.listed.length < MAX_LISTED_ERRORS) this.listed.push(cell === undefined ? { row, column, message } : { row, column, message, cell });
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
function checkHeaderRecord(record: TableRecords, errors: ErrorList): void {
  const { malformed } = record;
  if (malformed) {
    const column = malformed.cell + 1;
    errors.add(null, `column ${column}`, `the header row (spreadsheet row 1), column ${column}: ${malformed.message}`);
  }
  if (record.width > MAX_COLUMNS) {
    errors.add(null, null, `the header has ${record.width} columns; at most ${MAX_COLUMNS} (a spreadsheet's width) are read`);
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

/** Parses one numeric feature cell that is not a usable plain decimal, or records why it cannot be used. */
function readNumber(cell: string, feature: Feature, imputed: boolean, row: number, errors: ErrorList, at?: string): number {
  const value = +cell;
  if (plainDecimal(cell, value) && Number.isFinite(value)) {
    if (feature.type === 'float' && (value > FLOAT32_MAX || value < -FLOAT32_MAX)) errors.add(row, feature.name, `${describe(cell)} is out of range`, at);
    else if (feature.type === 'int64' && !Number.isSafeInteger(value)) errors.add(row, feature.name, `${describe(cell)} is not a whole number`, at);
    return value;
  }
  if (cell.trim() === '') {
    if (!imputed) errors.add(row, feature.name, 'empty value; a number is required', at);
    return NaN;
  }
  if (DECIMAL_COMMA.test(cell)) {
    errors.add(row, feature.name, `${describe(cell)} has a decimal comma, which is not read: write it with a dot (${cell.trim().replace(',', '.')})`, at);
    return NaN;
  }
  errors.add(row, feature.name, NUMBER.test(cell) ? `${describe(cell)} is out of range` : `${describe(cell)} is not a number`, at);
  return NaN;
}

/**
 * Reads one upload (or one piece of it, after its header) part by part, each of whole records.
 * Once a row is invalid, values and spans are no longer kept: only errors matter.
 */
export class TableReader {
  readonly errors = new ErrorList();
  header: string[] | undefined;
  /** The header as a text answer writes it: as uploaded, or re-quoted where neutralised. */
  headerLine = '';
  /** Records after the header, blank ones included: the row numbering's last number. */
  recordCount = 0;
  /** Data rows read (blank records excluded). */
  rows = 0;
  private positions: number[] = [];
  private readonly imputed: boolean[];
  /** Per feature, whether its cells are text (kept as they are) rather than numbers. */
  private readonly textual: boolean[];
  /** Per feature, whether its numbers must be whole. */
  private readonly integral: boolean[];
  /** Rows in the part before: the next part's arrays start that large, so they rarely grow. */
  private lastChunkRows = 0;

  constructor(private readonly opts: ReadOptions) {
    this.imputed = opts.features.map((f) => opts.imputed?.has(f.name) ?? false);
    this.textual = opts.features.map((f) => f.type === 'string');
    this.integral = opts.features.map((f) => f.type === 'int64');
  }

  get valid(): boolean {
    return this.errors.total === 0;
  }

  /** Reads one part of the upload: its header first, if none has been read yet, then its records. */
  read(source: TableSource): RowsRead {
    const rows = new KeptRows(this.opts.features, this.textual, this.lastChunkRows);
    if (this.header === undefined && !this.readHeader(source.header())) return this.done(rows);
    this.readRecords(source.records((this.header as string[]).length, this.recordCount), rows);
    return this.done(rows);
  }

  private done(rows: KeptRows): RowsRead {
    const read = rows.result();
    this.lastChunkRows = read.rows;
    return read;
  }

  /** Reads the header record; false when the part has no record at all. */
  private readHeader(record: TableRecords): boolean {
    if (!record.advance()) return false;
    if (record.width === 1 && record.text(0).trim() === '' && !record.malformed) throw noHeaderProblem();
    checkHeaderRecord(record, this.errors);
    const cells = record.cells();
    this.header = cells;
    this.positions = checkHeader(cells, this.opts, this.errors);
    this.headerLine = record.line(record.formulaLike());
    return true;
  }

  /** Whether a record of `fields` fields is as wide as the header; if not, says so. */
  private fits(row: number, fields: number): boolean {
    const width = (this.header as string[]).length;
    if (fields !== width) this.errors.add(row, null, `the row has ${fields} field${fields === 1 ? '' : 's'}, the header has ${width}`);
    return fields === width;
  }

  /** A blank record is skipped, unless the header has one column (then it is an empty cell). */
  private skipsBlank(blank: boolean): boolean {
    return blank && (this.header as string[]).length > 1;
  }

  /** The one record loop, whatever the format and however its records are read. */
  private readRecords(records: TableRecords, rows: KeptRows): void {
    const { features, unwritable } = this.opts;
    const header = this.header as string[];
    while (records.advance()) {
      const row = (this.recordCount = records.row);
      const { malformed } = records;
      if (malformed) {
        const column = header[malformed.cell]?.trim() ?? `column ${malformed.cell + 1}`;
        this.errors.add(row, column, malformed.message, records.cellRef?.(malformed.cell));
        continue;
      }
      if (this.skipsBlank(records.blank) || !this.fits(row, records.width)) continue;
      const keep = this.valid;
      const at = keep ? rows.add(records.start, records.end, row) : -1;
      for (let k = 0; k < features.length; k++) {
        const p = this.positions[k];
        if (this.textual[k]) {
          if (keep) rows.pushText(k, records.text(p));
          continue;
        }
        const fast = records.value(p);
        const value = usable(fast, this.integral[k]) ? fast : readNumber(records.text(p), features[k], this.imputed[k], row, this.errors, records.cellRef?.(p));
        if (keep) rows.setNumber(k, at, value);
      }
      const formula = records.formulaLike();
      this.rows++;
      if (unwritable) {
        const problem = unwritable(records.line(formula));
        if (problem) this.errors.add(row, null, `the row has ${problem}`);
      }
      if (keep && formula) rows.neutralise(at);
    }
  }

  /** Throws the upload's problem, if it has one, once every part has been read. */
  finish(allowNoRows = false): void {
    if (this.header === undefined) throw noHeaderProblem();
    this.errors.throwIfAny('the upload has invalid rows', this.recordCount);
    if (this.rows === 0 && !allowNoRows) throw noRowsProblem();
  }
}
