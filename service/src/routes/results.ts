/**
 * GET /v1/jobs/{id}/result: a kept answer again, streamed with its original name and type.
 * GET /v1/batches/{batch}/result: a batch's kept pieces as one file (results/batch-answer.ts).
 * Storage is asked first (it holds the owner and the expiry beside the bytes), so an answer can be
 * fetched the moment it was sent and while the job log's database is away; the job log is read
 * only to say why there is nothing to download.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import { MAX_PIECES } from '../http/contract';
import { parseBatchId } from '../http/piece-params';
import { HttpProblem } from '../http/problem';
import { type Caller, canSee } from '../identity/caller';
import type { JobRecord, JobStore } from '../jobs/job-store';
import { attachment } from '../results/content-disposition';
import { joinedAnswer } from '../results/batch-answer';
import type { KeptAnswer, ResultStore } from '../results/result-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the caller may download what `owner` (a caller id, identity/caller.ts) kept: its owner
 * or an admin, as for the job itself. An empty owner is nobody's.
 */
export function mayDownload(caller: Caller | undefined, owner: string | null): boolean {
  return caller !== undefined && canSee(caller, { caller: owner === '' ? null : owner });
}

/** The largest response Cloud Run passes on with a Content-Length (HTTP/1); larger ones must stream chunked. */
export const MAX_DECLARED_RESPONSE_BYTES = 32 * 1024 * 1024;

const withoutUndefined = (headers: Record<string, string | undefined>) => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;

export function resultsRouter(store: ResultStore, jobStore: JobStore): Router {
  const router = Router();
  router.get('/v1/jobs/:id/result', async (req, res) => {
    const id = req.params.id;
    const unknown = new HttpProblem(404, 'unknown-job', `no job with id "${id}"`);
    if (!UUID.test(id)) throw unknown;
    const caller = res.locals.caller as Caller | undefined;
    const kept = await store.open(id.toLowerCase());
    if (kept) {
      // Another caller's answer is no answer at all: its id says nothing about who ran what (as GET /v1/jobs/{id}).
      if (!mayDownload(caller, kept.meta.owner)) {
        kept.body.destroy();
        throw unknown;
      }
      if (Date.parse(kept.meta.expiresAt) <= Date.now()) {
        kept.body.destroy();
        throw expired(id, kept.meta.expiresAt);
      }
      res.status(200).set(withoutUndefined({
        'Content-Type': kept.meta.contentType,
        'Content-Disposition': attachment(kept.meta.fileName),
        // Cloud Run refuses an HTTP/1 response over 32 MiB that declares its length
        // (cloud.google.com/run/quotas); one sent chunked streams. Below that, the length lets a
        // client tell a cut answer from a whole one.
        'Content-Length': kept.size <= MAX_DECLARED_RESPONSE_BYTES ? String(kept.size) : undefined,
        'X-Job-Id': id,
        'X-Result-Expires': kept.meta.expiresAt,
      }));
      // pipeline waits for the client to take each piece; a client that leaves ends the read.
      await pipeline(kept.body, res).catch((error: unknown) => {
        if (!res.headersSent) throw error;
        res.destroy();
      });
      return;
    }
    const job = await jobStore.get(id).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw new HttpProblem(503, 'job-log-unavailable', `no kept answer for job "${id}" was found, and the job log database is not answering (${message}) to say why`, {}, { 'Retry-After': '5' });
    });
    if (!job) throw unknown;
    if (!mayDownload(caller, job.caller)) throw unknown;
    throw whyNot(job);
  });

  router.get('/v1/batches/:batch/result', async (req, res) => {
    const batch = parseBatchId(req.params.batch)!;
    const caller = res.locals.caller as Caller;
    const whose = caller.admin ? undefined : caller.id;
    const unavailable = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      res.locals.logFields = { ...res.locals.logFields, databaseError: message };
      return Promise.reject(new HttpProblem(503, 'job-log-unavailable', `the job log database, which lists batch "${batch}"'s pieces, is not answering; try again shortly`, {}, { 'Retry-After': '5' }));
    };
    const jobs = await jobStore.keptInBatch(batch, whose, 4 * MAX_PIECES).catch(unavailable);
    if (jobs.length === 0) {
      const totals = await jobStore.batchTotals(batch, whose).catch(unavailable);
      // Another caller's batch is no batch at all, as for a job.
      if (totals.pieces === 0) throw new HttpProblem(404, 'unknown-batch', `no batch "${batch}" among your jobs`);
      throw new HttpProblem(404, 'batch-incomplete', `none of the ${totals.pieces} request(s) of batch "${batch}" kept its answer: send the pieces with keep=true, and pieces=<count> with the last one`);
    }
    const plan = await planBatch(batch, jobs, (id) => store.open(id), caller);
    res.status(200).set({
      'Content-Type': plan.contentType,
      'Content-Disposition': attachment(plan.fileName),
      'X-Batch-Id': batch,
      'X-Batch-Pieces': String(plan.pieces.length),
      'X-Result-Expires': plan.expiresAt,
    });
    const pieces = plan.pieces.map(({ jobId, rowOffset, delimiter }) => ({
      name: `the piece from row ${rowOffset + 1} (job ${jobId})`,
      delimiter,
      open: async () => (await store.open(jobId))?.body,
    }));
    await pipeline(Readable.from(joinedAnswer(pieces)), res).catch((error: unknown) => cutShort(res, error));
  });
  return router;
}

/** A failure once the answer has started cannot become a problem: the connection is cut, so the client sees a short, failed download. */
function cutShort(res: Response, error: unknown): void {
  if (!res.headersSent) throw error;
  res.locals.logFields = { ...res.locals.logFields, cutShort: error instanceof Error ? error.message : String(error) };
  res.destroy();
}

interface BatchPlan {
  pieces: { jobId: string; rowOffset: number; delimiter: number }[];
  fileName: string;
  contentType: string;
  /** The earliest expiry of its pieces: until then the batch downloads whole. */
  expiresAt: string;
}

/**
 * Checks, before a byte is sent, that the batch's kept pieces are one whole file: every piece its
 * last one declared is kept, none expired, all text of one type and encoding. Each row offset
 * counts once (a retried piece may have been kept twice; the latest is taken).
 */
async function planBatch(batch: string, jobs: readonly JobRecord[], open: (id: string) => Promise<KeptAnswer | undefined>, caller: Caller): Promise<BatchPlan> {
  const owners = new Set(jobs.map((j) => j.caller));
  if (owners.size > 1) {
    throw new HttpProblem(409, 'batch-not-joinable', `batch "${batch}" holds kept pieces of ${owners.size} callers (a batch id is the client's choice): each caller's pieces are their own file`);
  }
  const byOffset = new Map<number, { job: JobRecord; answer: KeptAnswer }>();
  let declared: number | undefined;
  for (const job of jobs) {
    const answer = await open(job.id);
    if (!answer) {
      const at = job.result!.expiresAt;
      if (Date.parse(at) <= Date.now()) throw new HttpProblem(404, 'result-expired', `a piece of batch "${batch}" (job ${job.id}) was kept until ${at} and has expired; score the file again`, { expiredAt: at });
      throw new HttpProblem(404, 'batch-incomplete', `a piece of batch "${batch}" (job ${job.id}) is no longer in storage; score the file again`);
    }
    answer.body.destroy();
    if (!mayDownload(caller, answer.meta.owner)) throw new HttpProblem(404, 'unknown-batch', `no batch "${batch}" among your jobs`);
    const piece = answer.meta.piece;
    if (!piece) continue;
    if (Date.parse(answer.meta.expiresAt) <= Date.now()) {
      throw new HttpProblem(404, 'result-expired', `the piece of batch "${batch}" from row ${piece.rowOffset + 1} was kept until ${answer.meta.expiresAt} and has expired; score the file again`, { expiredAt: answer.meta.expiresAt });
    }
    if (piece.pieces !== undefined) declared = Math.max(declared ?? 0, piece.pieces);
    byOffset.set(piece.rowOffset, { job, answer });
  }
  const kept = [...byOffset.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
  if (declared === undefined) {
    throw new HttpProblem(404, 'batch-incomplete', `batch "${batch}" has ${kept.length} kept piece(s), but none said how many the file has: the client sends pieces=<count> with the last piece (the whole file may still be being sent)`);
  }
  if (kept.length < declared || kept[0].answer.meta.piece!.rowOffset !== 0) {
    throw new HttpProblem(404, 'batch-incomplete', `batch "${batch}" has ${kept.length} of its ${declared} pieces kept${kept[0].answer.meta.piece!.rowOffset !== 0 ? ', not its first' : ''}: a piece still being sent, refused, or sent without keep=true; score the file again with keep=true`);
  }
  if (kept.length > declared) {
    throw new HttpProblem(409, 'batch-not-joinable', `batch "${batch}" has ${kept.length} pieces at different rows kept but said it has ${declared}: two files were sent under one batch id`);
  }
  const types = new Set(kept.map((p) => p.answer.meta.contentType));
  const [contentType] = types;
  if (types.size > 1 || !/^text\//.test(contentType)) {
    throw new HttpProblem(409, 'batch-not-joinable', `batch "${batch}"'s pieces are ${[...types].join(' and ')}: only CSV or TSV text pieces of one encoding join into one file`);
  }
  return {
    pieces: kept.map(({ job, answer }) => ({ jobId: job.id, rowOffset: answer.meta.piece!.rowOffset, delimiter: answer.meta.piece!.delimiter })),
    fileName: kept[0].answer.meta.fileName,
    contentType,
    expiresAt: kept.map((p) => p.answer.meta.expiresAt).sort()[0],
  };
}

function expired(id: string, at: string): HttpProblem {
  return new HttpProblem(404, 'result-expired', `the answer of job "${id}" was kept until ${at} and has expired; run the prediction again`, { expiredAt: at });
}

/** The reason a job the caller owns has nothing to download. */
function whyNot(job: JobRecord): HttpProblem {
  if (job.result) return expired(job.id, job.result.expiresAt);
  if (job.errorSummary?.startsWith('answer not kept: ')) {
    return new HttpProblem(404, 'result-not-kept', `the answer of job "${job.id}" was asked to be kept but was not (${job.errorSummary.slice(17)}); run the prediction again`);
  }
  const how = job.status === 'succeeded' ? 'predict with ?keep=true to keep an answer' : `the job ${job.status} with status ${job.httpStatus}, so there was no answer to keep`;
  return new HttpProblem(404, 'result-not-kept', `the answer of job "${job.id}" was not kept: ${how}`);
}
