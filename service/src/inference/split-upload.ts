/**
 * One large upload, several threads: the upload is cut at record boundaries (outside quotes) into
 * pieces that the pool's threads read, validate and predict at once, and what they found is joined
 * into what one thread would have found for the whole file.
 */
import type { RowError } from '../http/problem';
import { problemBody } from '../http/problem';
import { MAX_LISTED_ERRORS, noRowsProblem } from '../table/read-table';
import { nextRecordStart } from '../csv/record-bounds';
import type { PieceRead } from './predict-csv';

export interface UploadCut {
  /** Where the header record ends. */
  headerEnd: number;
  /** Consecutive [start, end) byte ranges; the first starts where the text does, with the header. */
  ranges: Array<[number, number]>;
}

/** Cuts the text in bytes[from…] into `count` pieces of about equal size, or undefined when it cannot be cut. */
export function splitUpload(bytes: Uint8Array, from: number, count: number, delimiter: number = 0x2c): UploadCut | undefined {
  const headerEnd = nextRecordStart(bytes, from, from, delimiter);
  if (headerEnd === -1) return undefined;
  const cuts = [from];
  for (let k = 1; k < count; k++) {
    const target = headerEnd + Math.floor(((bytes.length - headerEnd) * k) / count);
    // Read on from the last cut, a record's start: each byte is looked at once.
    const previous = cuts[cuts.length - 1];
    const cut = nextRecordStart(bytes, previous === from ? headerEnd : previous, target, delimiter);
    if (cut === -1 || cut <= previous || cut >= bytes.length) return undefined;
    cuts.push(cut);
  }
  cuts.push(bytes.length);
  return { headerEnd, ranges: cuts.slice(0, -1).map((start, k) => [start, cuts[k + 1]]) };
}

type Read = Extract<PieceRead, { ok: true }>;

const isRowsProblem = (o: PieceRead) => !o.ok && o.problem.type === '/problems/invalid-rows' && !o.problem.errors?.some((e) => e.row === null);

/** The pieces' reads (in order) as the one read of the whole upload. */
export function joinReads(reads: PieceRead[]): PieceRead {
  if (reads.some((o) => !o.ok)) {
    // A problem with the file itself (encoding, header) is the same in every piece: the first says it.
    const fileProblem = reads.find((o) => !o.ok && !isRowsProblem(o));
    if (fileProblem) return fileProblem;
    let offset = 0;
    let total = 0;
    const errors: RowError[] = [];
    for (const o of reads) {
      if (!o.ok) {
        total += o.problem.totalErrors ?? 0;
        for (const e of o.problem.errors ?? []) errors.push({ ...e, row: e.row === null ? null : e.row + offset });
      }
      offset += o.recordCount ?? 0;
    }
    const detail = `the upload has invalid rows: ${total} problem${total === 1 ? '' : 's'} found`;
    return { ok: false, problem: problemBody(422, 'invalid-rows', detail, { errors: errors.slice(0, MAX_LISTED_ERRORS), totalErrors: total }), recordCount: offset };
  }
  const ok = reads as Read[];
  const rows = ok.reduce((s, o) => s + o.rows, 0);
  // Pieces may be empty (blank lines only); the upload may not.
  if (rows === 0) return { ok: false, problem: noRowsProblem().toBody() };
  let classCounts: Record<string, number> | undefined;
  for (const o of ok) {
    if (!o.classCounts) continue;
    classCounts ??= {};
    for (const [label, n] of Object.entries(o.classCounts)) classCounts[label] = (classCounts[label] ?? 0) + n;
  }
  return { ...ok[0], rows, recordCount: ok.reduce((s, o) => s + o.recordCount, 0), classCounts, chunks: ok.flatMap((o) => o.chunks) };
}
