/**
 * The ways the service reads one upload, run in this process on a real onnxruntime session: as
 * one chunk, in chunks of any size, and cut into pieces as the pool cuts a large upload for its
 * threads (splitUpload, one readPiece per piece, joinReads, then the answer written in batches).
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { uploadText } from '../src/csv/decode';
import { fromUtf16, utf16Of, Utf16Writer } from '../src/csv/utf16';
import { HttpProblem, ProblemBody } from '../src/http/problem';
import { JobOptions, PieceRead, predictCsv, readPiece, writeBatch } from '../src/inference/predict-csv';
import { joinReads, splitUpload } from '../src/inference/split-upload';
import { LoadedModel, ModelRegistry } from '../src/models/registry';

export interface Answer {
  status: number;
  /** The answer's bytes (200), or the problem without its free text. */
  body?: Buffer;
  problem?: Pick<ProblemBody, 'type' | 'errors' | 'totalErrors'>;
  rows?: number;
  classCounts?: Record<string, number>;
}

export interface Loaded {
  model: LoadedModel;
  session: ort.InferenceSession;
}

export async function loadModel(name = 'penguin-sex'): Promise<Loaded> {
  const registry = await ModelRegistry.load(join(__dirname, '../../models'));
  const model = registry.get(name)!;
  return { model, session: await ort.InferenceSession.create(model.servable) };
}

const problemAnswer = (problem: ProblemBody): Answer => ({
  status: problem.status,
  problem: { type: problem.type, errors: problem.errors, totalErrors: problem.totalErrors },
});

/**
 * A UTF-16 upload as the pool takes it: read as UTF-8, answered in UTF-16 again (written in
 * pieces, as a streamed answer is) unless an output encoding is asked for.
 */
async function asThePoolDoes(bytes: Uint8Array, job: Omit<JobOptions, 'model'>, run: (bytes: Uint8Array, job: Omit<JobOptions, 'model'>) => Promise<Answer>): Promise<Answer> {
  const order = utf16Of(bytes);
  if (!order) return run(bytes, job);
  let utf8: Uint8Array;
  try {
    utf8 = fromUtf16(bytes, order);
  } catch (error) {
    if (error instanceof HttpProblem) return problemAnswer(error.toBody());
    throw error;
  }
  const answer = await run(utf8, { ...job, encoding: 'utf-8' });
  if (answer.status !== 200 || job.outputEncoding !== undefined) return answer;
  const writer = new Utf16Writer(order);
  const body = answer.body!;
  const half = body.length >> 1;
  return { ...answer, body: Buffer.concat([writer.write(body.subarray(0, half)), writer.write(body.subarray(half), true)]) };
}

/** One task, read in chunks of `chunkBytes`, as a small upload is. */
export function whole(bytes: Uint8Array, job: Omit<JobOptions, 'model'>, loaded: Loaded): Promise<Answer> {
  return asThePoolDoes(bytes, job, (b, j) => wholeText(b, j, loaded));
}

/** Cut into `count` pieces as for `count` threads, each read on its own, the answer written in batches of `batch` chunks. */
export function split(bytes: Uint8Array, job: Omit<JobOptions, 'model'>, count: number, batch: number, loaded: Loaded): Promise<Answer> {
  return asThePoolDoes(bytes, job, (b, j) => splitText(b, j, count, batch, loaded));
}

async function wholeText(bytes: Uint8Array, job: Omit<JobOptions, 'model'>, { model, session }: Loaded): Promise<Answer> {
  const outcome = await predictCsv({ ...job, model: model.manifest.name, bytes }, model, session);
  if (!outcome.ok) return problemAnswer(outcome.problem);
  return { status: 200, body: Buffer.from(outcome.body), rows: outcome.rows, classCounts: outcome.classCounts };
}

async function splitText(bytes: Uint8Array, job: Omit<JobOptions, 'model'>, count: number, batch: number, { model, session }: Loaded): Promise<Answer> {
  const options = { ...job, model: model.manifest.name };
  let text;
  try {
    text = uploadText(bytes, job.encoding, { delimiter: job.delimiter, features: model.manifest.features.map((f) => f.name) });
  } catch (error) {
    if (error instanceof HttpProblem) return problemAnswer(error.toBody());
    throw error;
  }
  const cut = splitUpload(bytes, text.start, count, text.delimiter);
  const ranges = cut?.ranges ?? [[0, bytes.length]];
  const reads: PieceRead[] = [];
  for (const [index, [start, end]] of ranges.entries()) {
    reads.push(await readPiece(bytes, { index, start, end, headerEnd: cut?.headerEnd ?? 0, text }, options, model, session));
  }
  const read = joinReads(reads);
  if (!read.ok) return problemAnswer(read.problem);
  const parts: Uint8Array[] = [];
  for (let k = 0; k === 0 || k < read.chunks.length; k += batch) {
    const chunks = read.chunks.slice(k, k + batch);
    const first = k === 0;
    parts.push(writeBatch({ model: options.model, upload: bytes, chunks, inputEncoding: read.inputEncoding, outputEncoding: read.outputEncoding, delimiter: read.delimiter, prefix: first ? read.prefix : undefined, bom: first && read.bom }, model, 1));
  }
  return { status: 200, body: Buffer.concat(parts), rows: read.rows, classCounts: read.classCounts };
}
