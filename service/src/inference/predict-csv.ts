/**
 * One prediction job, in two steps that a large upload runs apart:
 *   read  — one chunk of whole records at a time: decode, validate, predict; keep only where each
 *           row's text is and its prediction (a few bytes a row), never the file's text;
 *   write — once the whole upload is known to be valid: decode each chunk again and write its
 *           output rows, chunk by chunk, so the answer never has to be held whole.
 * A small upload does both in one task; a large one is read in pieces by every thread, then
 * written in batches while the answer streams out (see pool.ts).
 */
import type * as ort from 'onnxruntime-node';
import type { Delimiter } from '../csv/cells';
import { CsvChunks } from '../csv/csv-chunk';
import { TextEncoding, uploadText, UploadText } from '../csv/decode';
import { recordRanges } from '../csv/record-bounds';
import { answerWriter, type OutputPart } from '../csv/csv-writer';
import { headerLine, outputColumns } from '../csv/write-output';
import { HttpProblem, ProblemBody } from '../http/problem';
import type { LoadedModel } from '../models/registry';
import { InvalidRowsProblem, TableReader } from '../table/read-table';
import { checkFinite } from './check-finite';
import { CHUNK_BYTES, ChunkPlan, MAX_RECORD_BYTES } from './chunk-plan';
import { runModel } from './run-model';

export interface JobOptions {
  model: string;
  /** Forced input encoding; undefined detects UTF-8 or Shift_JIS. */
  encoding?: TextEncoding;
  outputEncoding?: TextEncoding;
  /** Forced field delimiter; undefined detects it from the header. */
  delimiter?: Delimiter;
  /** Bytes per chunk (tests make it small to exercise many chunks on small files). */
  chunkBytes?: number;
}

/** A whole job in one task: read, then write. */
export interface PredictTask extends JobOptions {
  bytes: Uint8Array;
}

/** Part of a large upload that one thread reads. Its text (encoding, BOM) was settled for the whole upload. */
export interface Piece {
  index: number;
  start: number;
  end: number;
  /** Where the header record ends: pieces after the first read it before their own rows. */
  headerEnd: number;
  text: UploadText;
}

export interface ReadTask extends JobOptions {
  /** The whole upload (shared memory, not copied per thread). */
  upload: Uint8Array;
  piece: Piece;
}

interface ReadSummary {
  rows: number;
  /** Records read after the header, blank lines included (the numbering of the next piece starts after it). */
  recordCount: number;
  inputEncoding: TextEncoding;
  outputEncoding: TextEncoding;
  delimiter: Delimiter;
  classCounts?: Record<string, number>;
}

export type Problem = { ok: false; problem: ProblemBody; recordCount?: number };

export type PieceRead =
  | (ReadSummary & {
      ok: true;
      /** What the answer's text starts with (first piece only): the header line. */
      prefix?: string;
      bom: boolean;
      chunks: ChunkPlan[];
    })
  | Problem;

export type PredictOutcome = (ReadSummary & { ok: true; body: Uint8Array }) | Problem;

/** Writes a run of chunks of a valid upload. The first batch of an answer carries its prefix. */
export interface WriteTask {
  model: string;
  upload: Uint8Array;
  chunks: ChunkPlan[];
  inputEncoding: TextEncoding;
  outputEncoding: TextEncoding;
  delimiter: Delimiter;
  prefix?: string;
  bom?: boolean;
  /** A buffer to write the batch into (moved from the main thread, which is done with it). */
  into?: ArrayBuffer;
}


function countClasses(chunks: ChunkPlan[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { predictions } of chunks) {
    for (const code of predictions.codes) {
      const label = predictions.labels[code];
      counts[label] = (counts[label] ?? 0) + 1;
    }
  }
  return counts;
}

/** The output's encoding: what was asked for, else UTF-8 (with a BOM where the upload looks like a spreadsheet's export). */
function outputOf(job: JobOptions, text: UploadText): { outputEncoding: TextEncoding; bom: boolean } {
  const outputEncoding = job.outputEncoding ?? 'utf-8';
  return { outputEncoding, bom: outputEncoding === 'utf-8' && (text.hadBom || text.encoding === 'shift_jis') };
}

function asProblem(error: unknown): Problem {
  if (error instanceof InvalidRowsProblem) return { ok: false, problem: error.toBody(), recordCount: error.recordCount };
  if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
  throw error;
}

/** Reads, validates and predicts one piece of an upload (or all of it), keeping only what writing needs. */
export async function readPiece(upload: Uint8Array, piece: Piece | undefined, job: JobOptions, model: LoadedModel, session: ort.InferenceSession): Promise<PieceRead> {
  try {
    const text = piece?.text ?? uploadText(upload, job.encoding, { delimiter: job.delimiter, features: model.manifest.features.map((f) => f.name) });
    const { delimiter } = text;
    const size = job.chunkBytes ?? CHUNK_BYTES;
    const { outputEncoding, bom } = outputOf(job, text);
    const writer = answerWriter(model.manifest, delimiter, text.encoding, outputEncoding);
    const reader = new TableReader({
      features: model.manifest.features,
      imputed: new Set(model.plan.imputed),
      reserved: outputColumns(model.manifest),
      unwritable: writer.unwritable,
    });
    const csv = new CsvChunks(text);
    const first = !piece || piece.index === 0;
    if (!first) reader.read(csv.chunk(upload.subarray(text.start, piece.headerEnd)));
    const chunks: ChunkPlan[] = [];
    const end = piece?.end ?? upload.length;
    const ranges = recordRanges(upload, first ? text.start : piece.start, end, size, MAX_RECORD_BYTES, delimiter);
    for (const { start, end: stop, runaway } of ranges) {
      const range = upload.subarray(start, stop);
      const rows = reader.read(csv.chunk(range, stop === upload.length));
      if (runaway) {
        reader.errors.add(reader.recordCount || null, null, `a record here runs on for more than ${MAX_RECORD_BYTES >> 20} MiB: is a closing quote missing? The rest of the file was not read`);
        break;
      }
      // Once a row is invalid there will be no answer to write: only errors are gathered.
      if (!reader.valid || rows.rows === 0) continue;
      const predictions = await runModel(session, model, rows.columns, rows.rows);
      checkFinite(predictions, rows, reader.errors);
      if (!reader.valid) continue;
      chunks.push({ start, end: stop, spans: rows.spans, neutralised: rows.neutralised, predictions });
    }
    reader.finish(piece !== undefined);
    let prefix: string | undefined;
    if (first) {
      prefix = headerLine(reader.headerLine, model.manifest, delimiter);
      const problem = writer.unwritable?.(prefix + (model.manifest.classes ?? []).join(''));
      if (problem) throw new HttpProblem(422, 'unwritable', `the header or the model's class labels have ${problem}`);
    }
    const classCounts = model.manifest.task === 'classification' ? countClasses(chunks) : undefined;
    return {
      ok: true,
      rows: reader.rows,
      recordCount: reader.recordCount,
      inputEncoding: text.encoding,
      outputEncoding,
      delimiter,
      classCounts,
      prefix,
      bom: first && bom,
      chunks,
    };
  } catch (error) {
    return asProblem(error);
  }
}

/** The output of a run of chunks, part by part, by the answer's writer (csv-writer.ts). */
function outputParts(task: WriteTask, model: LoadedModel): OutputPart[] {
  const { upload } = task;
  const writer = answerWriter(model.manifest, task.delimiter, task.inputEncoding, task.outputEncoding);
  const head = task.prefix || task.bom ? [writer.head(task.prefix ?? '', task.bom ?? false)] : [];
  const rows = task.chunks.map(({ start, end, spans, neutralised, predictions }) => writer.rows({ bytes: Buffer.from(upload.buffer, upload.byteOffset + start, end - start), spans, neutralised, predictions }));
  return [...head, ...rows];
}

/**
 * Writes the output of a run of chunks into one buffer of its own: `task.into` (a batch's buffer
 * the socket is done with) when it is large enough, else a new one, with `room` to spare for the
 * batches after it.
 */
export function writeBatch(task: WriteTask, model: LoadedModel, room = 1.25): Uint8Array {
  const parts = outputParts(task, model);
  const size = parts.reduce((n, part) => n + part.size, 0);
  const buffer = task.into && task.into.byteLength >= size ? task.into : Buffer.allocUnsafeSlow(Math.ceil(size * room)).buffer;
  const out = Buffer.from(buffer, 0, size);
  parts.reduce((at, part) => part.writeInto(out, at), 0);
  return new Uint8Array(buffer, 0, size);
}

/** A whole job in this thread: for small uploads, and for running a model's sample in tools. */
export async function predictCsv(task: PredictTask, model: LoadedModel, session: ort.InferenceSession): Promise<PredictOutcome> {
  const read = await readPiece(task.bytes, undefined, task, model, session);
  if (!read.ok) return read;
  const { chunks, prefix, bom, ok, ...summary } = read;
  const write = { model: task.model, upload: task.bytes, chunks, inputEncoding: read.inputEncoding, outputEncoding: read.outputEncoding, delimiter: read.delimiter, prefix, bom };
  // Written once, so exactly its size.
  const body = writeBatch(write, model, 1);
  return { ok, ...summary, body };
}
