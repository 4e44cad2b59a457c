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
  };
}

function values(j: JobRecord): unknown[] {
  return [j.id, j.modelName, j.modelVersion, j.status, j.httpStatus, j.rows, j.bytesIn, j.bytesOut, j.durationMs, j.errorSummary, j.tokenFingerprint, j.caller, j.createdAt, j.batch, j.errorCount, j.result?.location ?? null, j.result?.expiresAt ?? null];
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

/** An opaque cursor: the (created_at, id) of the last job on the page. */
export function encodeCursor(job: JobRecord): string {
  return Buffer.from(`${job.createdAt}|${job.id}`).toString('base64url');
}

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

  async get(id: string): Promise<JobRecord | undefined> {
    const rows = await this.db.query<JobRow>(`SELECT ${COLUMNS.join(', ')} FROM jobs WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
