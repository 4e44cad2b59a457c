/**
 * The query parameters that make a predict request one piece of a larger file (the page and the
 * CLI split a file over the request cap into many): where its rows sit in the whole file, and the
 * batch that ties the pieces together in the job log.
 */
import { BATCH_ID_PATTERN, MAX_PIECES, MAX_ROW_OFFSET } from './contract';
import { HttpProblem } from './problem';

/** A batch id: what a client may choose (a UUID fits), safe in a URL, a log line and a file name. */
const BATCH_ID = new RegExp(BATCH_ID_PATTERN);

/**
 * `row_offset`: the data rows (blank lines included, as the service counts them) before this
 * piece in the whole file, so its first row is row_offset + 1 and errors name the file's rows.
 */
export function parseRowOffset(value: unknown): number {
  if (value === undefined) return 0;
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(n <= MAX_ROW_OFFSET)) {
    throw new HttpProblem(400, 'bad-parameter', `row_offset must be a whole number from 0 to ${MAX_ROW_OFFSET}: the data rows before this piece in the whole file (got ${JSON.stringify(value)})`);
  }
  return n;
}

export function parseBatchId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !BATCH_ID.test(value)) {
    throw new HttpProblem(400, 'bad-parameter', `batch must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit, e.g. a UUID (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** `pieces`: how many pieces the whole file was sent in (the client says so on its last piece, at least); only with a batch. */
export function parsePieceCount(value: unknown, batch: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_PIECES)) {
    throw new HttpProblem(400, 'bad-parameter', `pieces must be a whole number from 1 to ${MAX_PIECES}: how many pieces the whole file was sent in (got ${JSON.stringify(value)})`);
  }
  if (batch === undefined) throw new HttpProblem(400, 'bad-parameter', 'pieces is the number of pieces of a batch: send it with batch=<id>');
  return n;
}
