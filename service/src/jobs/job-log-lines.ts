/**
 * Job records read back from the service's "job recorded" log lines (job-log.ts), to fill a gap
 * in the job log (service/tools/backfill-jobs.ts). Reads what Cloud Logging gives
 * (`gcloud logging read --format=json`: an array of entries, the line in `jsonPayload`), one JSON
 * object a line (the service's own stdout, or entries through `jq -c '.[]'`), or both mixed.
 */
import { z } from 'zod';
import type { JobRecord } from './job-store';

export const JOB_RECORDED = 'job recorded';

const jobRecord = z.strictObject({
  id: z.uuid(),
  modelName: z.string(),
  modelVersion: z.string().nullable(),
  status: z.enum(['succeeded', 'rejected', 'failed']),
  httpStatus: z.number().int(),
  rows: z.number().int().nullable(),
  bytesIn: z.number().int(),
  bytesOut: z.number().int().nullable(),
  durationMs: z.number().int(),
  errorSummary: z.string().nullable(),
  tokenFingerprint: z.string().nullable(),
  // Lines written before callers were recorded have none.
  caller: z.string().nullable().default(null),
  createdAt: z.iso.datetime({ offset: true }),
  // Absent from lines written before batches were recorded.
  batch: z.string().nullable().default(null),
  errorCount: z.number().int().nullable().default(null),
  result: z.strictObject({ location: z.string(), expiresAt: z.iso.datetime({ offset: true }) }).optional(),
  piece: z.strictObject({ rowOffset: z.number().int(), pieces: z.number().int().nullable(), fileName: z.string().nullable() }).optional(),
}) satisfies z.ZodType<JobRecord>;

export interface ReadLines {
  jobs: JobRecord[];
  /** Entries that are other log lines, passed over. */
  skipped: number;
  /** Entries that say "job recorded" but whose record is not one: "line 12" or "entry 3", and why. */
  problems: { where: string; message: string }[];
}

export function readJobLines(text: string): ReadLines {
  const out: ReadLines = { jobs: [], skipped: 0, problems: [] };
  const seen = new Set<string>();
  for (const { where, value } of entries(text, out)) {
    const payload = isObject(value) && isObject(value.jsonPayload) ? value.jsonPayload : value;
    if (!isObject(payload) || payload.message !== JOB_RECORDED) {
      out.skipped++;
      continue;
    }
    const parsed = jobRecord.safeParse(payload.job);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${['job', ...issue.path].join('.')}: ${issue.message}`);
      out.problems.push({ where, message: issues.join('; ') });
      continue;
    }
    // Logs read twice (overlapping time ranges) name a job twice: it is inserted once.
    if (seen.has(parsed.data.id)) continue;
    seen.add(parsed.data.id);
    out.jobs.push(parsed.data);
  }
  return out;
}

/** The JSON values in `text`: one array, or one value a line (blank lines ignored). */
function entries(text: string, out: ReadLines): { where: string; value: unknown }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return (JSON.parse(trimmed) as unknown[]).map((value, i) => ({ where: `entry ${i + 1}`, value }));
    } catch (error) {
      out.problems.push({ where: 'the file', message: `not a JSON array: ${(error as Error).message}` });
      return [];
    }
  }
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [{ where: `line ${i + 1}`, value: JSON.parse(line) as unknown }];
    } catch {
      // Not JSON (a stack trace in raw stdout): not a record, passed over.
      return [{ where: `line ${i + 1}`, value: undefined }];
    }
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
