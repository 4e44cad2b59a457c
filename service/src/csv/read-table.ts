/**
 * Reads a decoded CSV against a model's features: checks the header, every row's width and
 * every feature cell, and keeps each data row's text for the output. Nothing is predicted
 * unless the whole file is valid, so a bad upload never yields a partial CSV.
 */
import Papa from 'papaparse';
import { HttpProblem, RowError } from '../http/problem';
import type { Feature } from '../models/manifest';
import { isFormulaLike, writeRow } from './cells';
import { fastDecimal } from './decimal';

export const MAX_LISTED_ERRORS = 100;

export interface FeatureColumn {
  feature: Feature;
  /** Numbers (NaN where an imputing model accepts an empty cell) or, for string features, text. */
  values: number[] | string[];
}

export interface Table {
  header: string[];
  /** The header and each data row as written to the output: the uploaded text, or re-quoted where neutralised. */
  headerLine: string;
  lines: string[];
  columns: FeatureColumn[];
  /** Records after the header, blank lines included: the row numbering's last number. */
  recordCount: number;
}

export interface ReadOptions {
  features: readonly Feature[];
  /** Features whose empty cells the model imputes itself (issue: models with an Imputer). */
  imputed?: ReadonlySet<string>;
  /** Column names the output adds; an upload may not already have them. */
  reserved: readonly string[];
  /** A piece of a split upload may hold no data rows (the whole upload is checked for that). */
  allowNoRows?: boolean;
}

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const FLOAT32_MAX = 3.4028234663852886e38;

class ErrorList {
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

function stripTerminator(raw: string): string {
  if (raw.endsWith('\r\n')) return raw.slice(0, -2);
  if (raw.endsWith('\n') || raw.endsWith('\r')) return raw.slice(0, -1);
  return raw;
}

function describe(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}

function checkHeader(header: string[], opts: ReadOptions, errors: ErrorList): number[] {
  const names = header.map((h) => h.trim());
  names.forEach((n, i) => {
    if (n !== '' && names.indexOf(n) !== i) errors.add(null, n, `the header names column "${n}" more than once`);
    if (opts.reserved.includes(n)) errors.add(null, n, `column "${n}" is added by the prediction; rename or remove it in the upload`);
  });
  const positions = opts.features.map((f) => names.indexOf(f.name));
  opts.features.forEach((f, k) => {
    if (positions[k] === -1) errors.add(null, f.name, `required column "${f.name}" is missing from the header`);
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

/** Parses one feature cell, or records why it cannot be used. */
function readCell(cell: string, feature: Feature, imputed: boolean, row: number, errors: ErrorList): number | string {
  if (feature.type === 'string') return cell;
  const fast = fastDecimal(cell);
  if (fast === fast) {
    if (feature.type === 'int64' && !Number.isInteger(fast)) errors.add(row, feature.name, `${describe(cell)} is not a whole number`);
    return fast;
  }
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
  errors.add(row, feature.name, NUMBER.test(cell) ? `${describe(cell)} is out of range` : `${describe(cell)} is not a number`);
  return NaN;
}

export function readTable(text: string, opts: ReadOptions): Table {
  const errors = new ErrorList();
  const columns: FeatureColumn[] = opts.features.map((feature) => ({ feature, values: [] }));
  const imputed = opts.features.map((f) => opts.imputed?.has(f.name) ?? false);
  const lines: string[] = [];
  let header: string[] | undefined;
  let headerLine = '';
  let positions: number[] = [];
  // Blank lines are skipped but still counted, so row numbers match the spreadsheet's (row + 1).
  let row = 0;
  let cursor = 0;

  Papa.parse<string[]>(text, {
    delimiter: ',',
    quoteChar: '"',
    step: (result) => {
      const cells = result.data;
      const raw = text.slice(cursor, result.meta.cursor);
      cursor = result.meta.cursor;
      if (header === undefined) {
        if (cells.length === 1 && cells[0].trim() === '') {
          throw new HttpProblem(400, 'empty-upload', 'the upload has no header row: the first line must name the columns');
        }
        header = cells;
        positions = checkHeader(cells, opts, errors);
        headerLine = cells.some(isFormulaLike) ? writeRow(cells) : stripTerminator(raw);
        return;
      }
      // papaparse ends a file that ends with a newline with one empty record of no text: not a row.
      if (raw === '') return;
      row++;
      if (cells.length === 1 && cells[0] === '' && header.length > 1) return;
      for (const e of result.errors) errors.add(row, null, `malformed quotes: ${e.message.toLowerCase()}`);
      if (cells.length !== header.length) {
        errors.add(row, null, `the row has ${cells.length} field${cells.length === 1 ? '' : 's'}, the header has ${header.length}`);
        return;
      }
      for (let k = 0; k < columns.length; k++) {
        (columns[k].values as (number | string)[]).push(readCell(cells[positions[k]], columns[k].feature, imputed[k], row, errors));
      }
      lines.push(cells.some(isFormulaLike) ? writeRow(cells) : stripTerminator(raw));
    },
  });

  if (header === undefined) {
    throw new HttpProblem(400, 'empty-upload', 'the upload has no header row: the first line must name the columns');
  }
  errors.throwIfAny('the upload has invalid rows', row);
  if (lines.length === 0 && !opts.allowNoRows) {
    throw noRowsProblem();
  }
  return { header, headerLine, lines, columns, recordCount: row };
}
