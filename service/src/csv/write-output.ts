/** The response CSV: each input row as uploaded, plus the prediction columns, in the chosen encoding. */
import iconv from 'iconv-lite';
import { HttpProblem } from '../http/problem';
import type { Manifest } from '../models/manifest';
import type { Predictions } from '../inference/run-model';
import { writeRow } from './cells';
import type { TextEncoding } from './decode';
import type { Table } from './read-table';

const PROBABILITY_DIGITS = 6;
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const ROWS_PER_CHUNK = 8192;

/** Names of the columns the output adds, so an upload that already has one can be refused. */
export function outputColumns(manifest: Manifest): string[] {
  const classes = manifest.classes;
  if (manifest.task === 'regression' || !classes) return ['prediction'];
  if (classes.length === 2) return ['prediction', 'probability'];
  return ['prediction', ...classes.map((c) => `probability_${c}`)];
}

export interface OutputOptions {
  encoding: TextEncoding;
  bom: boolean;
  /** False for the later pieces of a split upload: the first piece writes the header line. */
  header?: boolean;
}

function encodeChunk(text: string, encoding: TextEncoding, firstRow: number): Uint8Array {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes = iconv.encode(text, 'cp932');
  if (iconv.decode(bytes, 'cp932') !== text) {
    throw new HttpProblem(422, 'unencodable', `rows from ${firstRow} on contain characters Shift_JIS cannot represent; use output_encoding=utf-8`);
  }
  return bytes;
}

export function writeOutput(table: Table, manifest: Manifest, result: Predictions, opts: OutputOptions): Uint8Array {
  const classes = manifest.classes ?? [];
  const binary = classes.length === 2;
  const positive = binary ? classes.indexOf(manifest.positiveClass!) : -1;
  const added = outputColumns(manifest);
  const chunks: Uint8Array[] = opts.bom && opts.encoding === 'utf-8' ? [BOM] : [];
  let text = opts.header === false ? '' : `${table.headerLine},${writeRow(added)}\r\n`;
  let chunkStart = 1;
  const labels = new Map<string, string>();
  const cellOf = (label: string) => labels.get(label) ?? labels.set(label, writeRow([label])).get(label)!;

  for (let i = 0; i < table.lines.length; i++) {
    let line = `${table.lines[i]},${cellOf(result.predictions[i])}`;
    const p = result.probabilities;
    if (p && binary) line += `,${p[i * 2 + positive].toFixed(PROBABILITY_DIGITS)}`;
    else if (p) for (let k = 0; k < classes.length; k++) line += `,${p[i * classes.length + k].toFixed(PROBABILITY_DIGITS)}`;
    text += `${line}\r\n`;
    if ((i + 1) % ROWS_PER_CHUNK === 0) {
      chunks.push(encodeChunk(text, opts.encoding, chunkStart));
      text = '';
      chunkStart = i + 2;
    }
  }
  if (text) chunks.push(encodeChunk(text, opts.encoding, chunkStart));
  // One buffer of its own (Buffer.concat may hand out a slice of a shared pool), so it can move threads.
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
