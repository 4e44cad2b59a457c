/**
 * The output of a chunk whose bytes are UTF-8 already (plain ASCII, or a UTF-8 upload), written
 * straight as UTF-8 bytes: each row's bytes are copied from the upload (its spans are byte
 * offsets), and the prediction cells are written as bytes after it, with no per-row strings. The
 * answer of a numeric upload is nearly all this path.
 */
import type { Manifest } from '../models/manifest';
import type { Predictions } from '../models/predictions';
import { COMMA, Delimiter, neutraliseRow, writeRow } from './cells';
import type { OutputPart } from './csv-writer';
import { PROBABILITY_DIGITS, predictionText, writtenProbabilities, type ChunkRows } from './write-output';

const CR = 0x0d;
const LF = 0x0a;
const SCALE = 10 ** PROBABILITY_DIGITS;

/**
 * Whether p.toFixed(PROBABILITY_DIGITS) is "d.dddddd" and equals Math.round(p × 10⁶) spelt out. A
 * probability is a float32 (24 significant bits) and 10⁶ = 15625 × 2⁶ needs 14, so the product is
 * exact in a double, and Math.round takes a tie up, as toFixed does for non-negative numbers.
 */
const roundsExactly = (p: number) => p >= 0 && p <= 1;

function probabilityBytes(p: number): number {
  return roundsExactly(p) ? 2 + PROBABILITY_DIGITS : Buffer.byteLength(p.toFixed(PROBABILITY_DIGITS));
}

function writeProbability(out: Buffer, at: number, p: number): number {
  if (!roundsExactly(p)) return at + out.write(p.toFixed(PROBABILITY_DIGITS), at, 'latin1');
  let n = Math.round(p * SCALE);
  out[at] = n >= SCALE ? 0x31 : 0x30;
  out[at + 1] = 0x2e;
  for (let k = PROBABILITY_DIGITS + 1; k >= 2; k--) {
    out[at + k] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + 2 + PROBABILITY_DIGITS;
}

/** Sizes and writes each row's tail: ",prediction[,probabilities]\r\n". */
interface TailWriter {
  size(row: number): number;
  write(out: Buffer, at: number, row: number): number;
}

function tailWriter(manifest: Manifest, predictions: Predictions, delimiter: Delimiter): TailWriter {
  const { codes, values, probabilities: p } = predictions;
  if (values) {
    // Regressors: one number a row, spelt as predictionText spells it.
    const d = String.fromCharCode(delimiter);
    const tail = (i: number) => `${d}${predictionText(values[i])}\r\n`;
    return { size: (i) => Buffer.byteLength(tail(i)), write: (out, at, i) => at + out.write(tail(i), at) };
  }
  const written = writtenProbabilities(manifest, predictions);
  const width = manifest.classes?.length ?? 0;
  const labels = predictions.labels.map((label) => Buffer.from(`${String.fromCharCode(delimiter)}${writeRow([label], delimiter)}`));
  return {
    size(i) {
      let n = labels[codes[i]].length + 2;
      for (const k of written) n += 1 + probabilityBytes(p![i * width + k]);
      return n;
    },
    write(out, at, i) {
      const label = labels[codes[i]];
      for (let b = 0; b < label.length; b++) out[at++] = label[b];
      for (const k of written) {
        out[at++] = delimiter;
        at = writeProbability(out, at, p![i * width + k]);
      }
      out[at] = CR;
      out[at + 1] = LF;
      return at + 2;
    },
  };
}

/** The output of one UTF-8 chunk: each row as uploaded (or neutralised) and its predictions. */
export function utf8Rows(bytes: Buffer, chunk: Omit<ChunkRows, 'text'>, manifest: Manifest): OutputPart {
  const { spans, neutralised } = chunk;
  const delimiter = chunk.delimiter ?? COMMA;
  const tails = tailWriter(manifest, chunk.predictions, delimiter);
  const rows = spans.length / 2;
  const lines = Array.from(neutralised, (i) => Buffer.from(neutraliseRow(bytes.toString('utf8', spans[i * 2], spans[i * 2 + 1]), delimiter)));
  let size = 0;
  for (let i = 0; i < rows; i++) size += spans[i * 2 + 1] - spans[i * 2] + tails.size(i);
  neutralised.forEach((i, k) => (size += lines[k].length - (spans[i * 2 + 1] - spans[i * 2])));
  return {
    size,
    writeInto(out, start) {
      let at = start;
      let next = 0;
      for (let i = 0; i < rows; i++) {
        if (neutralised[next] === i) at += lines[next++].copy(out, at);
        else at += bytes.copy(out, at, spans[i * 2], spans[i * 2 + 1]);
        at = tails.write(out, at, i);
      }
      return at;
    },
  };
}
