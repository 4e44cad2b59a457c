/**
 * GET /v1/jobs/{id}/result: a kept answer again, streamed with its original name and type.
 * Storage is asked first (it holds the owner and the expiry beside the bytes), so an answer can be
 * fetched the moment it was sent and while the job log's database is away; the job log is read
 * only to say why there is nothing to download.
 */
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { HttpProblem } from '../http/problem';
import { type Caller, canSee } from '../identity/caller';
import type { JobRecord, JobStore } from '../jobs/job-store';
import { attachment } from '../results/content-disposition';
import type { ResultStore } from '../results/result-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the caller may download what `owner` (a caller id, identity/caller.ts) kept: its owner
 * or an admin, as for the job itself. An empty owner is nobody's.
 */
export function mayDownload(caller: Caller | undefined, owner: string | null): boolean {
  return caller !== undefined && canSee(caller, { caller: owner === '' ? null : owner });
}

export function resultsRouter(store: ResultStore, jobs: JobStore): Router {
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
      res.status(200).set({
        'Content-Type': kept.meta.contentType,
        'Content-Disposition': attachment(kept.meta.fileName),
        'Content-Length': String(kept.size),
        'X-Job-Id': id,
        'X-Result-Expires': kept.meta.expiresAt,
      });
      // pipeline waits for the client to take each piece; a client that leaves ends the read.
      await pipeline(kept.body, res).catch((error: unknown) => {
        if (!res.headersSent) throw error;
        res.destroy();
      });
      return;
    }
    const job = await jobs.get(id).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw new HttpProblem(503, 'job-log-unavailable', `no kept answer for job "${id}" was found, and the job log database is not answering (${message}) to say why`, {}, { 'Retry-After': '5' });
    });
    if (!job) throw unknown;
    if (!mayDownload(caller, job.caller)) throw unknown;
    throw whyNot(job);
  });
  return router;
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
