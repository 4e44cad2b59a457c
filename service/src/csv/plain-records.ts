/**
 * The records of CSV bytes (plain ASCII, UTF-8 or Shift_JIS) that have no quote character.
 * Without quotes, the CSV rules (README, "CSV rules") come down to fields between commas and
 * records between line breaks (CRLF, LF or CR); the delimiter is a comma, a tab or a semicolon, as text-records.ts reads them. Here the fields are located in the bytes and each is read as a number on the way,
 * in one pass: for a file of numbers, decoding the text, cutting 30 cells a row and converting
 * them afterwards cost more than everything else the service does with the row (and a loop over a
 * typed array runs several times faster than one over a string's charCodeAt). In UTF-8 and in
 * Shift_JIS a delimiter, a line break, a quote, a digit, a dot or a sign is one byte that never occurs
 * inside another character (a Shift_JIS trail byte is 0x40 or above), so the bytes split exactly
 * as the text does; offsets are byte offsets, and a cell needed as text is decoded alone.
 *
 * The number read on the way is the commonest feature cell's: a plain decimal such as 39.1, -7 or
 * .5 (decimal.ts), exactly what Number(cell) gives. Any other cell reads as NaN here and is
 * converted by the caller from its text.
 */
import type { TableRecords } from '../table/records';
import { Delimiter, isFormulaLike, mayBeFormula, writeRow } from './cells';
import { decimalValue } from './decimal';

const COMMA = 44;
const LF = 10;
const CR = 13;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;

/** Bytes read in place: UTF-8 (plain ASCII included) or Shift_JIS. */
export type BytesEncoding = 'utf-8' | 'shift_jis';

// Not fatal: the bytes were checked when their chunk was (decode.ts).
const SHIFT_JIS = new TextDecoder('shift_jis');

/** Bytes[start, end) as text. */
export function textOf(bytes: Uint8Array, encoding: BytesEncoding, start = 0, end = bytes.length): string {
  if (encoding === 'shift_jis') return SHIFT_JIS.decode(bytes.subarray(start, end));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
}

/** Walks the records one at a time; the current record's fields are read through it. */
export class PlainRecords implements TableRecords {
  /** The current record's text is [start, end); the line break after it is not included. */
  start = 0;
  end = 0;
  /** Its number of fields (commas + 1). */
  width = 0;
  /** Its row number, counted from the `rowBefore` given. */
  row: number;
  /** Without quotes, no field is malformed. */
  readonly malformed = undefined;
  /** Whether a field of it starts like a formula (= + - @ TAB) and is not a plain decimal: the caller looks closer. */
  mayHaveFormula = false;
  /** Where the record after it starts. */
  private next: number;
  /** Where each of the first `maxFields - 1` commas is. */
  private readonly commas: Int32Array;
  /** The first `maxFields` fields as plain decimals, NaN where a field is not one. */
  private readonly values: Float64Array;
  constructor(
    private readonly bytes: Uint8Array,
    from: number,
    maxFields: number,
    private readonly encoding: BytesEncoding = 'utf-8',
    private readonly delimiter: number = COMMA,
    rowBefore = 0,
  ) {
    this.row = rowBefore;
    this.next = from;
    this.commas = new Int32Array(Math.max(1, maxFields - 1));
    this.values = new Float64Array(Math.max(1, maxFields));
  }

  /**
   * Moves to the next record; false once the bytes are used up. Bytes that end with a line break
   * have no record after it.
   */
  advance(): boolean {
    const { bytes, commas, values, delimiter } = this;
    const length = bytes.length;
    const start = this.next;
    if (start >= length) return false;
    let field = 0;
    let fieldStart = start;
    let end = length;
    let next = length;
    // The field read so far as a plain decimal.
    let mantissa = 0;
    let digits = 0;
    let fractionDigits = 0;
    let dot = false;
    let negative = false;
    let plain = true;
    let formula = false;
    for (let i = start; i < length; i++) {
      const c = bytes[i];
      const digit = c - 48;
      if (digit >= 0 && digit <= 9) {
        mantissa = mantissa * 10 + digit;
        digits++;
        if (dot) fractionDigits++;
        continue;
      }
      const lineEnds = c === LF || c === CR;
      if (c === delimiter || lineEnds) {
        const value = plain ? decimalValue(mantissa, digits, fractionDigits, negative) : NaN;
        if (field < values.length) values[field] = value;
        if (value !== value && fieldStart < i && mayBeFormula(bytes[fieldStart])) formula = true;
        if (lineEnds) {
          end = i;
          next = c === CR && bytes[i + 1] === LF ? i + 2 : i + 1;
          break;
        }
        if (field < commas.length) commas[field] = i;
        field++;
        fieldStart = i + 1;
        mantissa = digits = fractionDigits = 0;
        dot = negative = false;
        plain = true;
      } else if (c === DOT && !dot) {
        dot = true;
      } else if ((c === MINUS || c === PLUS) && i === fieldStart) {
        negative = c === MINUS;
      } else {
        plain = false;
      }
    }
    // The last record may end without a line break.
    if (end === length) {
      const value = plain ? decimalValue(mantissa, digits, fractionDigits, negative) : NaN;
      if (field < values.length) values[field] = value;
      if (value !== value && fieldStart < length && mayBeFormula(bytes[fieldStart])) formula = true;
    }
    this.mayHaveFormula = formula;
    this.start = start;
    this.end = end;
    this.next = next;
    this.width = field + 1;
    this.row++;
    return true;
  }

  /** Where field `k` starts (k below the `maxFields` given). */
  fieldStart(k: number): number {
    return k === 0 ? this.start : this.commas[k - 1] + 1;
  }

  /** Where field `k` ends (k below the `maxFields` given and below `width`). */
  fieldEnd(k: number): number {
    return k === this.width - 1 ? this.end : this.commas[k];
  }

  /** Field `k` as a plain decimal (k below the `maxFields` given), or NaN when it is not one. */
  value(k: number): number {
    return this.values[k];
  }

  /** Field `k`'s text (k below the `maxFields` given and below `width`). */
  text(k: number): string {
    return textOf(this.bytes, this.encoding, this.fieldStart(k), this.fieldEnd(k));
  }

  get blank(): boolean {
    return this.end === this.start;
  }

  /** The current record's fields as strings, for the rare row that must be rewritten. */
  cells(): string[] {
    return textOf(this.bytes, this.encoding, this.start, this.end).split(String.fromCharCode(this.delimiter));
  }

  /** Any field, a number included (" \t5" reads as 5), may run as a formula; a plain decimal never does. */
  formulaLike(): boolean {
    if (!this.mayHaveFormula) return false;
    const fields = Math.min(this.width, this.values.length);
    for (let k = 0; k < fields; k++) {
      const fast = this.values[k];
      if (fast !== fast && mayBeFormula(this.bytes[this.fieldStart(k)]) && isFormulaLike(this.text(k))) return true;
    }
    return false;
  }

  line(neutralised: boolean): string {
    return neutralised ? writeRow(this.cells(), this.delimiter as Delimiter) : textOf(this.bytes, this.encoding, this.start, this.end);
  }
}
