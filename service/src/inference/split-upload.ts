/**
 * One large upload, several threads: the upload is cut at record boundaries (outside quotes) into
 * pieces that the pool's threads read, validate and predict at once, and their answers are joined
 * into what one thread would have answered for the whole file. Cutting bytes is safe for both
 * accepted encodings: in UTF-8 and in Shift_JIS the bytes of '"' and '\n' never occur inside a
 * multi-byte character. The encoding is detected on the whole upload before it is cut.
 */
import type { RowError } from '../http/problem';
import { problemBody } from '../http/problem';
import { MAX_LISTED_ERRORS, noRowsProblem } from '../csv/read-table';
import type { PredictOutcome } from './predict-csv';

const QUOTE = 0x22;
const LF = 0x0a;

export interface UploadPieces {
  /** The header record, which every piece after the first is read with. */
  header: Uint8Array;
  /** Consecutive views of the upload; the first starts with the header. */
  pieces: Uint8Array[];
}

function quotesBetween(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(QUOTE, from); i !== -1 && i < to; i = buf.indexOf(QUOTE, i + 1)) n++;
  return n;
}

/** Just past the first line end at or after `from` that is outside quotes; -1 if there is none. */
function recordEnd(buf: Buffer, from: number, quotesBefore: number): number {
  let open = quotesBefore % 2 === 1;
  for (let at = from; ; ) {
    const lf = buf.indexOf(LF, at);
    if (lf === -1) return -1;
    if (quotesBetween(buf, at, lf) % 2 === 1) open = !open;
    if (!open) return lf + 1;
    at = lf + 1;
  }
}

/** Cuts the upload into `count` pieces of about equal size, or undefined when it cannot be cut. */
export function splitUpload(bytes: Uint8Array, count: number): UploadPieces | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerEnd = recordEnd(buf, 0, 0);
  if (headerEnd <= 0) return undefined;
  const cuts = [0];
  for (let k = 1; k < count; k++) {
    const target = headerEnd + Math.floor(((buf.length - headerEnd) * k) / count);
    const cut = recordEnd(buf, target, quotesBetween(buf, 0, target));
    if (cut <= cuts[cuts.length - 1] || cut <= headerEnd || cut >= buf.length) return undefined;
    cuts.push(cut);
  }
  cuts.push(buf.length);
  return { header: bytes.subarray(0, headerEnd), pieces: cuts.slice(0, -1).map((start, k) => bytes.subarray(start, cuts[k + 1])) };
}

const isRowsProblem = (o: PredictOutcome) => !o.ok && o.problem.type === '/problems/invalid-rows' && !o.problem.errors?.some((e) => e.row === null);

/** The pieces' outcomes (in order) as the one outcome of the whole upload. */
export function joinOutcomes(outcomes: PredictOutcome[]): PredictOutcome {
  if (outcomes.some((o) => !o.ok)) {
    // A problem with the file itself (encoding, header) is the same in every piece: the first says it.
    const fileProblem = outcomes.find((o) => !o.ok && !isRowsProblem(o));
    if (fileProblem) return fileProblem;
    let offset = 0;
    let total = 0;
    const errors: RowError[] = [];
    for (const o of outcomes) {
      if (!o.ok) {
        total += o.problem.totalErrors ?? 0;
        for (const e of o.problem.errors ?? []) errors.push({ ...e, row: e.row === null ? null : e.row + offset });
      }
      offset += o.recordCount ?? 0;
    }
    const detail = `the upload has invalid rows: ${total} problem${total === 1 ? '' : 's'} found`;
    return { ok: false, problem: problemBody(422, 'invalid-rows', detail, { errors: errors.slice(0, MAX_LISTED_ERRORS), totalErrors: total }), recordCount: offset };
  }
  const ok = outcomes.filter((o): o is Extract<PredictOutcome, { ok: true }> => o.ok);
  const rows = ok.reduce((s, o) => s + o.rows, 0);
  // Pieces may be empty (blank lines only); the upload may not.
  if (rows === 0) return { ok: false, problem: noRowsProblem().toBody() };
  let classCounts: Record<string, number> | undefined;
  for (const o of ok) {
    if (!o.classCounts) continue;
    classCounts ??= {};
    for (const [label, n] of Object.entries(o.classCounts)) classCounts[label] = (classCounts[label] ?? 0) + n;
  }
  return {
    ok: true,
    body: ok.flatMap((o) => o.body),
    rows,
    recordCount: ok.reduce((s, o) => s + o.recordCount, 0),
    inputEncoding: ok[0].inputEncoding,
    outputEncoding: ok[0].outputEncoding,
    classCounts,
  };
}
