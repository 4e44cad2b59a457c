/** The response CSV's text: each input row as uploaded, plus the prediction columns (csv-writer.ts encodes it). */
import type { Manifest } from '../models/manifest';
import type { Predictions } from '../models/predictions';
import { COMMA, Delimiter, neutraliseRow, writeRow } from './cells';

export const PROBABILITY_DIGITS = 6;
export const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

/** Names of the columns the output adds, so an upload that already has one can be refused. */
export function outputColumns(manifest: Manifest): string[] {
  const classes = manifest.classes;
  if (manifest.task === 'regression' || !classes) return ['prediction'];
  if (classes.length === 2) return ['prediction', 'probability'];
  return ['prediction', ...classes.map((c) => `probability_${c}`)];
}

/** A predicted label or value as output text. */
export function predictionText(value: unknown): string {
  // float32 regression outputs print with the precision they have, not as a double's expansion.
  if (typeof value === 'number') return String(Number(value.toPrecision(7)));
  return String(value);
}

/** What a chunk of output is written from: the chunk's text, where its rows are, and their predictions. */
export interface ChunkRows {
  text: string;
  spans: Int32Array;
  neutralised: Int32Array;
  predictions: Predictions;
  /** The upload's delimiter, which the answer keeps. */
  delimiter?: Delimiter;
}

/** The output's header line: the upload's header and the added columns. */
export function headerLine(uploadHeader: string, manifest: Manifest, delimiter: Delimiter = COMMA): string {
  return `${uploadHeader}${String.fromCharCode(delimiter)}${writeRow(outputColumns(manifest), delimiter)}\r\n`;
}

/**
 * Which probabilities each row writes, as offsets within its row of `probabilities` (one per
 * class): the positive class's for a binary classifier, else every class's; none without them.
 */
export function writtenProbabilities(manifest: Manifest, predictions: Predictions): number[] {
  const classes = manifest.classes ?? [];
  if (!predictions.probabilities) return [];
  return classes.length === 2 ? [classes.indexOf(manifest.positiveClass!)] : classes.map((_, k) => k);
}

/**
 * The text each row's output ends with: its prediction, its probabilities, and the line break.
 * Labels are written as a CSV cell (a formula-like one neutralised).
 */
function predictionCells(manifest: Manifest, predictions: Predictions, delimiter: Delimiter): (row: number) => string {
  const width = manifest.classes?.length ?? 0;
  const written = writtenProbabilities(manifest, predictions);
  const cells = predictions.labels.map((label) => writeRow([label], delimiter));
  const p = predictions.probabilities!;
  const d = String.fromCharCode(delimiter);
  return (i) => {
    let out = `${d}${predictions.values ? predictionText(predictions.values[i]) : cells[predictions.codes[i]]}`;
    for (const k of written) out += `${d}${p[i * width + k].toFixed(PROBABILITY_DIGITS)}`;
    return `${out}\r\n`;
  };
}

/** Writes the output text of one chunk: each row as uploaded (or neutralised), then its predictions. */
export function writeRows(chunk: ChunkRows, manifest: Manifest): string {
  const { text, spans, neutralised } = chunk;
  const delimiter = chunk.delimiter ?? COMMA;
  const after = predictionCells(manifest, chunk.predictions, delimiter);
  let out = '';
  let next = 0;
  for (let i = 0; i < spans.length / 2; i++) {
    const line = text.slice(spans[i * 2], spans[i * 2 + 1]);
    out += neutralised[next] === i ? (next++, neutraliseRow(line, delimiter)) : line;
    out += after(i);
  }
  return out;
}
