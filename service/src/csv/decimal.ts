/**
 * The fast path for the commonest feature cell: a plain decimal such as 39.1, -7 or .5 with at
 * most 15 significant digits and no exponent. Whole digits and fraction digits are collected as
 * one integer below 2^53 and divided by an exact power of ten no larger than 1e22 — a single
 * correctly rounded operation, so the result is exactly what Number(cell) gives (Clinger's fast
 * path). Anything else returns NaN and goes the general way. Cells read in place from bytes
 * (plain-records.ts) collect their digits while the bytes are scanned, and use decimalValue.
 */

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT = 2 ** 53;

export function fastDecimal(cell: string): number {
  const n = cell.length;
  if (n === 0 || n > 24) return NaN;
  let i = 0;
  let negative = false;
  const first = cell.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  let mantissa = 0;
  let fractionDigits = 0;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = cell.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (dot) fractionDigits++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return NaN;
    }
  }
  return decimalValue(mantissa, digits, fractionDigits, negative);
}

/** The value of a plain decimal's digits read so far (see above), or NaN when they are not one. */
export function decimalValue(mantissa: number, digits: number, fractionDigits: number, negative: boolean): number {
  if (digits === 0 || mantissa >= MAX_EXACT || fractionDigits > 22) return NaN;
  const value = fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits];
  return negative ? -value : value;
}
