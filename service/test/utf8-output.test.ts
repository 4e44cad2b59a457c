/**
 * The byte writer for UTF-8 chunks (plain ASCII or not) must write exactly what the text writer
 * writes (rows as strings, probabilities through toFixed) for every kind of model, whatever the
 * probabilities.
 */
import { utf8Rows } from '../src/csv/utf8-output';
import { writeRows, type ChunkRows } from '../src/csv/write-output';
import type { Manifest } from '../src/models/manifest';
import type { Predictions } from '../src/models/predictions';

const base = { version: '1', features: [{ name: 'x', type: 'float' as const }], metrics: {}, sha256: '0'.repeat(64) };
const MODELS: Record<string, Manifest> = {
  binary: { ...base, name: 'binary', task: 'classification', classes: ['no', 'yes, "quoted"'], positiveClass: 'yes, "quoted"', outputs: { prediction: 'label', probabilities: 'p' } },
  multiclass: { ...base, name: 'multi', task: 'classification', classes: ['a', 'b', '=c'], outputs: { prediction: 'label', probabilities: 'p' } },
  labelsOnly: { ...base, name: 'labels', task: 'classification', classes: ['a', 'b'], outputs: { prediction: 'label' } },
  regression: { ...base, name: 'reg', task: 'regression', outputs: { prediction: 'value' } },
};

/** Probabilities a float32 can hold, with the ones toFixed must round at a tie, and 0 and 1. */
function probabilities(count: number): Float32Array {
  const p = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    p[i] = kind === 0 ? Math.random() : kind === 1 ? (Math.floor(Math.random() * 1e6) + 0.5) / 1e6 : kind === 2 ? Math.random() * 1e-5 : [0, 1, 0.5, 0.9999995][i % 16 >> 2];
  }
  return p;
}

/** Rows of ASCII and of other characters (a formula among them), with their spans in bytes and in text. */
function chunkOf(manifest: Manifest, rows: number): { bytes: Buffer; chunk: ChunkRows; byteSpans: Int32Array } {
  const lines = Array.from({ length: rows }, (_, i) => (i % 10 === 3 ? `${i},=SUM(A1)` : i % 10 === 7 ? `${i},=東京${i}` : i % 10 === 5 ? `${i},山田 😀` : `${i},${(i * 0.37).toFixed(2)}`));
  const text = lines.join('\r\n') + '\r\n';
  const spans = new Int32Array(rows * 2);
  const byteSpans = new Int32Array(rows * 2);
  let at = 0;
  let byteAt = 0;
  lines.forEach((line, i) => {
    [spans[i * 2], spans[i * 2 + 1]] = [at, at + line.length];
    [byteSpans[i * 2], byteSpans[i * 2 + 1]] = [byteAt, byteAt + Buffer.byteLength(line)];
    at += line.length + 2;
    byteAt += Buffer.byteLength(line) + 2;
  });
  const neutralised = Int32Array.from(lines.flatMap((line, i) => (line.includes('=') ? [i] : [])));
  const classes = manifest.classes ?? [];
  const predictions: Predictions =
    manifest.task === 'regression'
      ? { codes: new Uint32Array(0), labels: [], values: Float64Array.from({ length: rows }, (_, i) => Math.fround((i - rows / 2) * 1.37)) }
      : {
          codes: Uint32Array.from({ length: rows }, (_, i) => i % classes.length),
          labels: classes,
          probabilities: manifest.outputs.probabilities ? probabilities(rows * classes.length) : undefined,
        };
  return { bytes: Buffer.from(text), chunk: { text, spans, neutralised, predictions }, byteSpans };
}

/** The part written into a buffer of exactly its size, from the chunk's bytes and byte spans. */
function writeUtf8Rows(bytes: Buffer, chunk: ChunkRows, byteSpans: Int32Array, manifest: Manifest): Buffer {
  const part = utf8Rows(bytes, { ...chunk, spans: byteSpans }, manifest);
  const out = Buffer.alloc(part.size);
  expect(part.writeInto(out, 0)).toBe(part.size);
  return out;
}

describe('utf8Rows', () => {
  for (const [kind, manifest] of Object.entries(MODELS)) {
    it(`writes what the text writer writes, for a ${kind} model`, () => {
      const { bytes, chunk, byteSpans } = chunkOf(manifest, 20_000);
      const expected = Buffer.from(writeRows(chunk, manifest));
      const written = writeUtf8Rows(bytes, chunk, byteSpans, manifest);
      expect(written.length).toBe(expected.length);
      expect(written.toString()).toBe(expected.toString());
    });
  }

  it('spells each probability as toFixed(6) does, ties and extremes included', () => {
    const manifest = MODELS.binary;
    const { bytes, chunk, byteSpans } = chunkOf(manifest, 4);
    const cases = [0, 1, 0.5, 0.0000005, 0.9999995, Math.fround(0.1234565), 1e-7, 0.25];
    chunk.predictions.probabilities = Float32Array.from(cases);
    const cells = writeUtf8Rows(bytes, chunk, byteSpans, manifest)
      .toString()
      .trimEnd()
      .split('\r\n')
      .map((line) => line.slice(line.lastIndexOf(',') + 1));
    expect(cells).toEqual([1, 3, 5, 7].map((k) => Math.fround(cases[k]).toFixed(6)));
  });
});
