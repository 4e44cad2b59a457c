/**
 * The CSV answer's writers, one per output encoding, behind one interface: each turns a chunk of
 * the upload (its bytes, where its rows are in them, which rows to neutralise, their predictions)
 * into output bytes whose size is known before they are written, so a batch of chunks goes into
 * one buffer. A UTF-8 answer copies rows that are UTF-8 already (utf8-output.ts); any other rows
 * are decoded and written as text (write-output.ts), then encoded. A UTF-16 answer is the UTF-8
 * answer turned into UTF-16 as it goes out (utf16.ts). A workbook is written back by workbook/.
 */
import { isAscii } from 'node:buffer';
import iconv from 'iconv-lite';
import type { Manifest } from '../models/manifest';
import type { Predictions } from '../models/predictions';
import type { Delimiter } from './cells';
import { textOffsets } from './char-offsets';
import type { TextEncoding } from './decode';
import { utf8Rows } from './utf8-output';
import { BOM, writeRows } from './write-output';

/** Output bytes whose size is known before they are written, so a batch can go into one buffer. */
export interface OutputPart {
  size: number;
  /** Writes the part at `at`; returns where it ends. */
  writeInto(out: Buffer, at: number): number;
}

/** What the read step kept of a chunk for writing it (inference/chunk-plan.ts). */
export interface ChunkToWrite {
  /** The chunk's bytes in the upload. */
  bytes: Buffer;
  /** Per row, its [start, end) in `bytes`. */
  spans: Int32Array;
  /** Rows (ascending) written with their formula cells neutralised. */
  neutralised: Int32Array;
  predictions: Predictions;
}

export interface AnswerWriter {
  /** What in `text` the answer cannot hold (characters, in Shift_JIS), checked as the rows are read; undefined when it can hold it all. */
  unwritable?(text: string): string | undefined;
  /** The answer's start: a byte order mark where asked for, and the header line. */
  head(headerLine: string, bom: boolean): OutputPart;
  /** One chunk's rows, each as uploaded (or neutralised) followed by its predictions. */
  rows(chunk: ChunkToWrite): OutputPart;
}

const ASCII = /^[\x00-\x7f]*$/;

const bytesPart = (bytes: Uint8Array): OutputPart => ({ size: bytes.length, writeInto: (out, at) => (out.set(bytes, at), at + bytes.length) });

/** `text` in the answer's encoding: UTF-8, or Shift_JIS as Windows writes it (CP932). */
function encodeText(text: string, encoding: TextEncoding): Uint8Array {
  return encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'cp932');
}

/** Whether Shift_JIS output can carry `text` (CP932 has no emoji, for one). */
function fitsShiftJis(text: string): boolean {
  return iconv.decode(iconv.encode(text, 'cp932'), 'cp932') === text;
}

/** The answer's writer for an upload in `input` answered in `output`. */
export function answerWriter(manifest: Manifest, delimiter: Delimiter, input: TextEncoding, output: TextEncoding): AnswerWriter {
  const decoder = new TextDecoder(input, { ignoreBOM: true });
  const asText = ({ bytes, spans, neutralised, predictions }: ChunkToWrite) =>
    bytesPart(encodeText(writeRows({ text: decoder.decode(bytes), spans: textOffsets(bytes, spans, input), neutralised, predictions, delimiter }, manifest), output));
  return {
    unwritable: output === 'shift_jis' ? (text) => (ASCII.test(text) || fitsShiftJis(text) ? undefined : 'characters Shift_JIS cannot write its characters; use output_encoding=utf-8') : undefined,
    head: (headerLine, bom) => bytesPart(bom ? Buffer.concat([BOM, encodeText(headerLine, output)]) : encodeText(headerLine, output)),
    // Plain ASCII reads the same in both input encodings and is UTF-8 already.
    rows: output === 'utf-8' ? (chunk) => (input === 'utf-8' || isAscii(chunk.bytes) ? utf8Rows(chunk.bytes, { ...chunk, delimiter }, manifest) : asText(chunk)) : asText,
  };
}
