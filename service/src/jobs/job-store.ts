/** Reads and writes the `jobs` table. */
import type { SqlClient } from './sql-client';

export interface JobRecord {
  id: string;
  modelName: string;
  modelVersion: string | null;
  status: 'succeeded' | 'rejected' | 'failed';
  httpStatus: number;
  rows: number | null;
  bytesIn: number;
  bytesOut: number | null;
  durationMs: number;
  errorSummary: string | null;
  tokenFingerprint: string | null;
  /** Who ran it (identity/caller.ts); null for jobs recorded before callers were. */
  caller: string | null;
  createdAt: string;
  /** The batch a piece of a larger file belongs to (?batch=), or null. */
  batch: string | null;
  /** A 422's totalErrors (the rows and columns at fault, all of them, not only those listed). */
  errorCount: number | null;
  /** Where the answer was kept and until when it may be downloaded again; absent when it was not kept. */
  result?: KeptResult;
  /** For a piece of a batch: where it sits in its file; absent for other jobs (and pieces recorded before migration 005). */
  piece?: PieceRecord;
}

export interface PieceRecord {
  /** The data rows of the whole file before this piece (?row_offset=). */
  rowOffset: number;
  /** How many pieces the whole file was sent in (?pieces=, sent with the last piece at least), or null. */
  pieces: number | null;
  /** The uploaded file's name, or null when the request was refused before its upload was read. */
  fileName: string | null;
}

export interface KeptResult {
  /** file:///… for the folder, gs://bucket/name for the bucket. */
  location: string;
  expiresAt: string;
}

const COLUMNS = [
  'id',
  'model_name',
  'model_version',
  'status',
  'http_status',
  'row_count',
  'bytes_in',
  'bytes_out',
  'duration_ms',
  'error_summary',
  'token_fingerprint',
  'caller',
  'created_at',
  'batch_id',
  'error_count',
  'result_location',
  'result_expires_at',
  'row_offset',
  'piece_count',
  'file_name',
] as const;

type JobRow = Record<(typeof COLUMNS)[number], unknown>;

function toRecord(r: JobRow): JobRecord {
  return {
    id: String(r.id),
    modelName: String(r.model_name),
    modelVersion: (r.model_version as string | null) ?? null,
    status: r.status as JobRecord['status'],
    httpStatus: Number(r.http_status),
    rows: r.row_count === null ? null : Number(r.row_count),
    bytesIn: Number(r.bytes_in),
    bytesOut: r.bytes_out === null ? null : Number(r.bytes_out),
    durationMs: Number(r.duration_ms),
    errorSummary: (r.error_summary as string | null) ?? null,
    tokenFingerprint: (r.token_fingerprint as string | null) ?? null,
    caller: (r.caller as string | null) ?? null,
    createdAt: new Date(r.created_at as string | Date).toISOString(),
    batch: (r.batch_id as string | null) ?? null,
    errorCount: r.error_count === null ? null : Number(r.error_count),
    ...(r.result_location === null || r.result_location === undefined
      ? {}
      : { result: { location: String(r.result_location), expiresAt: new Date(r.result_expires_at as string | Date).toISOString() } }),
    ...(r.row_offset === null || r.row_offset === undefined
      ? {}
      : { piece: { rowOffset: Number(r.row_offset), pieces: r.piece_count === null ? null : Number(r.piece_count), fileName: (r.file_name as string | null) ?? null } }),
  };
}

function values(j: JobRecord): unknown[] {
  return [j.id, j.modelName, j.modelVersion, j.status, j.httpStatus, j.rows, j.bytesIn, j.bytesOut, j.durationMs, j.errorSummary, j.tokenFingerprint, j.caller, j.createdAt, j.batch, j.errorCount, j.result?.location ?? null, j.result?.expiresAt ?? null, j.piece?.rowOffset ?? null, j.piece?.pieces ?? null, j.piece?.fileName ?? null];
}

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
}

export interface BatchTotals {
  id: string;
  /** Requests recorded with this batch id (a retried piece counts each time it reached the service). */
  pieces: number;
  succeeded: number;
  rows: number;
  bytesIn: number;
  bytesOut: number;
  /** The sum of the pieces' totalErrors. */
  errors: number;
  firstAt: string | null;
  lastAt: string | null;
}

/**
 * A batch as one file in the history: its pieces taken together, each row offset once (a retried
 * piece counts by its best attempt: scored, then kept, then the latest).
 */
export interface BatchEntry {
  id: string;
  caller: string | null;
  /** The file's name, as its first piece was sent. */
  fileName: string | null;
  modelName: string;
  modelVersion: string | null;
  /** When its first piece arrived: the entry's place in the history. */
  firstAt: string;
  lastAt: string;
  /** The pieces the file was sent in: as its last piece declared (?pieces=), else the pieces seen so far. */
  pieces: number;
  /** Pieces scored (each row offset once). */
  scored: number;
  /** Requests recorded under the batch, retries included. */
  requests: number;
  /** Rows of the scored pieces. */
  rows: number;
  /** The pieces' row errors, all of them (their totalErrors summed). */
  errors: number;
  /** complete: every declared piece scored; errors: rows were refused; incomplete: cancelled, refused otherwise, or still being sent. */
  status: 'complete' | 'errors' | 'incomplete';
  /** Present while every piece is kept and none has expired: GET /v1/batches/{id}/result serves the whole answer until then. */
  result?: { expiresAt: string };
}

/** One row of the history: an ordinary job, or a batch's pieces as one file. */
export type HistoryEntry = { job: JobRecord } | { batch: BatchEntry };

export interface HistoryPage {
  entries: HistoryEntry[];
  nextCursor: string | null;
}

/** An opaque cursor: the (created_at, id) of the last job on the page. */
export function encodeCursor(job: JobRecord): string {
  return Buffer.from(`${job.createdAt}|${job.id}`).toString('base64url');
}

const batchKey = (batch: string, caller: string | null) => JSON.stringify([batch, caller]);

export function decodeCursor(cursor: string): [string, string] | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return [at, id];
}

export class JobStore {
  constructor(private readonly db: SqlClient) {}

  /** Idempotent: a batch retried after a lost acknowledgement does not duplicate rows. */
  async insertMany(jobs: readonly JobRecord[]): Promise<void> {
    if (jobs.length === 0) return;
    const width = COLUMNS.length;
    const tuples = jobs.map((_, i) => `(${COLUMNS.map((__, k) => `$${i * width + k + 1}`).join(', ')})`);
    await this.db.query(
      `INSERT INTO jobs (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING`,
      jobs.flatMap(values),
    );
  }

  /** A page of jobs, newest first: `caller`'s own, or everyone's when `caller` is undefined; with `batch`, only that batch's pieces. */
  async list(limit: number, cursor?: [string, string], caller?: string, batch?: string): Promise<JobPage> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (caller !== undefined) where.push(`caller = $${params.push(caller)}`);
    if (cursor) where.push(`(created_at, id) < ($${params.push(cursor[0])}::timestamptz, $${params.push(cursor[1])}::uuid)`);
    if (batch !== undefined) where.push(`batch_id = $${params.push(batch)}`);
    const rows = await this.db.query<JobRow>(
      `SELECT ${COLUMNS.join(', ')} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    const jobs = rows.slice(0, limit).map(toRecord);
    return { jobs, nextCursor: rows.length > limit ? encodeCursor(jobs[jobs.length - 1]) : null };
  }

  /** A batch's totals over all its pieces (every attempt of a retried piece counts as a piece): `caller`'s own, or everyone's. */
  async batchTotals(batch: string, caller?: string): Promise<BatchTotals> {
    const [r] = await this.db.query<Record<string, unknown>>(
      `SELECT count(*) AS pieces,
              count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
              coalesce(sum(row_count), 0) AS rows,
              coalesce(sum(bytes_in), 0) AS bytes_in,
              coalesce(sum(bytes_out), 0) AS bytes_out,
              coalesce(sum(error_count), 0) AS errors,
              min(created_at) AS first_at,
              max(created_at) AS last_at
         FROM jobs WHERE batch_id = $1${caller !== undefined ? ' AND caller = $2' : ''}`,
      caller !== undefined ? [batch, caller] : [batch],
    );
    const at = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());
    return {
      id: batch,
      pieces: Number(r.pieces),
      succeeded: Number(r.succeeded),
      rows: Number(r.rows),
      bytesIn: Number(r.bytes_in),
      bytesOut: Number(r.bytes_out),
      errors: Number(r.errors),
      firstAt: at(r.first_at),
      lastAt: at(r.last_at),
    };
  }

  /** A batch's jobs whose answers were kept, oldest first: `caller`'s own, or everyone's; at most `limit`. */
  async keptInBatch(batch: string, caller: string | undefined, limit: number): Promise<JobRecord[]> {
    const params: unknown[] = [batch, limit];
    const whose = caller !== undefined ? ` AND caller = $${params.push(caller)}` : '';
    const rows = await this.db.query<JobRow>(
      `SELECT ${COLUMNS.join(', ')} FROM jobs WHERE batch_id = $1 AND result_location IS NOT NULL${whose} ORDER BY created_at, id LIMIT $2`,
      params,
    );
    return rows.map(toRecord);
  }

  /**
   * A page of the history, newest first: jobs outside a batch as they are, each batch once, at its
   * first piece (so a batch never spans two pages, and the cursor is a job's, as for `list`).
   * `caller`'s own, or everyone's (a batch id is then one per caller: the client chooses it).
   */
  async history(limit: number, cursor?: [string, string], caller?: string, now = new Date()): Promise<HistoryPage> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    // The caller as a parameter, not the row's: the earlier-piece lookup then uses the (caller, batch) index.
    const sameCaller = caller !== undefined ? `e.caller = $${params.push(caller)}` : 'e.caller IS NOT DISTINCT FROM j.caller';
    if (caller !== undefined) where.push(`j.caller = $${params.length}`);
    if (cursor) where.push(`(j.created_at, j.id) < ($${params.push(cursor[0])}::timestamptz, $${params.push(cursor[1])}::uuid)`);
    // A piece opens its batch's entry when no earlier piece of the same caller and batch exists.
    where.push(`(j.batch_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM jobs e WHERE e.batch_id = j.batch_id AND ${sameCaller} AND (e.created_at, e.id) < (j.created_at, j.id)))`);
    const rows = await this.db.query<JobRow>(
      `SELECT ${COLUMNS.map((c) => `j.${c}`).join(', ')} FROM jobs j WHERE ${where.join(' AND ')} ORDER BY j.created_at DESC, j.id DESC LIMIT $1`,
      params,
    );
    const jobs = rows.slice(0, limit).map(toRecord);
    const firsts = jobs.filter((j) => j.batch !== null);
    const batches = firsts.length ? await this.batchEntries(firsts, caller, now) : new Map<string, BatchEntry>();
    return {
      entries: jobs.map((j) => (j.batch === null ? { job: j } : { batch: batches.get(batchKey(j.batch, j.caller))! })),
      nextCursor: rows.length > limit ? encodeCursor(jobs[jobs.length - 1]) : null,
    };
  }

  /** The batches whose first pieces are `firsts`, summed over all their pieces. */
  private async batchEntries(firsts: readonly JobRecord[], caller: string | undefined, now: Date): Promise<Map<string, BatchEntry>> {
    const params: unknown[] = [firsts.map((j) => j.batch), now.toISOString()];
    const whose = caller !== undefined ? ` AND caller = $${params.push(caller)}` : '';
    const rows = await this.db.query<Record<string, unknown>>(
      `WITH best AS (
         SELECT DISTINCT ON (batch_id, caller, coalesce(row_offset::text, id::text)) batch_id, caller, status, row_count, error_count, result_location, result_expires_at
           FROM jobs WHERE batch_id = ANY($1::text[])${whose}
          ORDER BY batch_id, caller, coalesce(row_offset::text, id::text), (status = 'succeeded') DESC, (result_location IS NOT NULL) DESC, created_at DESC, id DESC),
       whole AS (
         SELECT batch_id, caller, max(piece_count) AS declared, max(created_at) AS last_at, count(*) AS requests
           FROM jobs WHERE batch_id = ANY($1::text[])${whose} GROUP BY batch_id, caller)
       SELECT w.batch_id, w.caller, w.declared, w.last_at, w.requests,
              count(*) AS offsets,
              count(*) FILTER (WHERE b.status = 'succeeded') AS scored,
              coalesce(sum(b.row_count) FILTER (WHERE b.status = 'succeeded'), 0) AS rows,
              coalesce(sum(b.error_count), 0) AS errors,
              count(*) FILTER (WHERE b.result_location IS NOT NULL AND b.result_expires_at > $2::timestamptz) AS kept,
              min(b.result_expires_at) AS expires_at
         FROM whole w JOIN best b ON b.batch_id = w.batch_id AND b.caller IS NOT DISTINCT FROM w.caller
        GROUP BY w.batch_id, w.caller, w.declared, w.last_at, w.requests`,
      params,
    );
    const byKey = new Map(rows.map((r) => [batchKey(String(r.batch_id), (r.caller as string | null) ?? null), r]));
    const out = new Map<string, BatchEntry>();
    for (const first of firsts) {
      const key = batchKey(first.batch!, first.caller);
      const r = byKey.get(key)!;
      const declared = r.declared === null ? null : Number(r.declared);
      const [scored, errors, kept] = [Number(r.scored), Number(r.errors), Number(r.kept)];
      const status = errors > 0 ? 'errors' : declared !== null && scored === declared ? 'complete' : 'incomplete';
      out.set(key, {
        id: first.batch!,
        caller: first.caller,
        fileName: first.piece?.fileName ?? null,
        modelName: first.modelName,
        modelVersion: first.modelVersion,
        firstAt: first.createdAt,
        lastAt: new Date(r.last_at as string | Date).toISOString(),
        pieces: declared ?? Number(r.offsets),
        scored,
        requests: Number(r.requests),
        rows: Number(r.rows),
        errors,
        status,
        ...(status === 'complete' && kept === declared ? { result: { expiresAt: new Date(r.expires_at as string | Date).toISOString() } } : {}),
      });
    }
    return out;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const rows = await this.db.query<JobRow>(`SELECT ${COLUMNS.join(', ')} FROM jobs WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
