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
  };
}

function values(j: JobRecord): unknown[] {
  return [j.id, j.modelName, j.modelVersion, j.status, j.httpStatus, j.rows, j.bytesIn, j.bytesOut, j.durationMs, j.errorSummary, j.tokenFingerprint, j.caller, j.createdAt];
}

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
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

  /** A page of jobs, newest first: `caller`'s own, or everyone's when `caller` is undefined. */
  async list(limit: number, cursor?: [string, string], caller?: string): Promise<JobPage> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (caller !== undefined) where.push(`caller = $${params.push(caller)}`);
    if (cursor) where.push(`(created_at, id) < ($${params.push(cursor[0])}::timestamptz, $${params.push(cursor[1])}::uuid)`);
    const rows = await this.db.query<JobRow>(
      `SELECT ${COLUMNS.join(', ')} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    const jobs = rows.slice(0, limit).map(toRecord);
    return { jobs, nextCursor: rows.length > limit ? encodeCursor(jobs[jobs.length - 1]) : null };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const rows = await this.db.query<JobRow>(`SELECT ${COLUMNS.join(', ')} FROM jobs WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
