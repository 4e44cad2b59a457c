/**
 * GET /v1/jobs (newest first, cursor pagination) and GET /v1/jobs/{id}: a caller's own jobs;
 * an admin's `?all=true` lists everyone's, and an admin fetches any job.
 */
import { Router } from 'express';
import { HttpProblem } from '../http/problem';
import { Caller, canSee } from '../identity/caller';
import { decodeCursor, JobStore } from '../jobs/job-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unavailable(error: unknown): HttpProblem {
  const message = error instanceof Error ? error.message : String(error);
  return new HttpProblem(503, 'job-log-unavailable', `the job log database is not answering (${message}); predictions still work`, {}, { 'Retry-After': '5' });
}

export function jobsRouter(store: JobStore): Router {
  const router = Router();
  router.get('/v1/jobs', async (req, res) => {
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpProblem(400, 'bad-parameter', 'limit must be a whole number from 1 to 100');
    let cursor: [string, string] | undefined;
    if (req.query.cursor !== undefined) {
      cursor = typeof req.query.cursor === 'string' ? decodeCursor(req.query.cursor) : undefined;
      if (!cursor) throw new HttpProblem(400, 'bad-parameter', 'cursor is not one this service issued; use nextCursor from the previous page');
    }
    const caller = res.locals.caller as Caller;
    if (req.query.all !== undefined && req.query.all !== 'true' && req.query.all !== 'false') throw new HttpProblem(400, 'bad-parameter', 'all must be true or false');
    const all = req.query.all === 'true';
    if (all && !caller.admin) throw new HttpProblem(403, 'not-admin', `${caller.id} is not an admin: all=true lists everyone's jobs (ADMIN_EMAILS, ADMIN_GROUP); leave it out to list your own`);
    const page = await store.list(limit, cursor, all ? undefined : caller.id).catch((e) => Promise.reject(unavailable(e)));
    res.json(page);
  });
  router.get('/v1/jobs/:id', async (req, res) => {
    const notFound = new HttpProblem(404, 'unknown-job', `no job with id "${req.params.id}"`);
    if (!UUID.test(req.params.id)) throw notFound;
    const job = await store.get(req.params.id).catch((e) => Promise.reject(unavailable(e)));
    // Another caller's job answers as no job at all: its id says nothing about who ran what.
    if (!job || !canSee(res.locals.caller as Caller, job)) throw notFound;
    res.json(job);
  });
  return router;
}
