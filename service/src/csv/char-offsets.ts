/**
 * Offsets in a chunk's bytes and in its decoded text: rows are kept by where they are in the bytes,
 * whichever way they were read, and a row read or written as text finds its place here. In UTF-8 a character takes 1 to 4 bytes, and 1 or 2 UTF-16
 * units (2 from a 4-byte one); in Shift_JIS a lead byte (0x81–0x9F, 0xE0–0xFC) and the byte after
 * it are one character, and any other byte is one. The bytes were checked to be whole, valid text.
 */
import type { BytesEncoding } from './plain-records';

const isShiftJisLead = (b: number) => (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);

/**
 * Walks the bytes from `byte` (where text offset `unit` is) to `target`, or until `maxUnits`;
 * returns [byte, unit] where it stopped. One loop per encoding: this runs over whole chunks.
 */
function walk(bytes: Uint8Array, byte: number, unit: number, target: number, maxUnits: number, encoding: BytesEncoding): [number, number] {
  if (encoding === 'shift_jis') {
    while (byte < target && unit < maxUnits) {
      byte += isShiftJisLead(bytes[byte]) ? 2 : 1;
      unit++;
    }
  } else {
    while (byte < target && unit < maxUnits) {
      const b = bytes[byte];
      if (b < 0x80) byte++;
      else byte += b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      unit += b >= 0xf0 ? 2 : 1;
    }
  }
  return [byte, unit];
}

/** The text offsets of the byte offsets `at`, which must ascend (a chunk's row spans do). */
export function textOffsets(bytes: Uint8Array, at: Int32Array, encoding: BytesEncoding): Int32Array {
  const out = new Int32Array(at.length);
  let byte = 0;
  let unit = 0;
  for (let k = 0; k < at.length; k++) {
    [byte, unit] = walk(bytes, byte, unit, at[k], Infinity, encoding);
    out[k] = unit;
  }
  return out;
}

/** Byte offsets of ascending text offsets, found one at a time as a chunk's records are read from its text. */
export class ByteCursor {
  private byte = 0;
  private unit = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly encoding: BytesEncoding,
  ) {}

  /** The byte offset of text offset `units`, which is not below the one asked for before. */
  at(units: number): number {
    [this.byte, this.unit] = walk(this.bytes, this.byte, this.unit, this.bytes.length, units, this.encoding);
    return this.byte;
  }
}

/** The byte offset of text offset `units`. */
export function byteOffset(bytes: Uint8Array, units: number, encoding: BytesEncoding): number {
  return walk(bytes, 0, 0, bytes.length, units, encoding)[0];
}
