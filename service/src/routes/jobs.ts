/** GET /v1/jobs (newest first, cursor pagination; ?batch= for one batch's pieces and totals) and GET /v1/jobs/{id}. */
import { Router } from 'express';
import { parseBatchId } from '../http/piece-params';
import { HttpProblem } from '../http/problem';
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
    const batch = parseBatchId(req.query.batch);
    const page = await store.list(limit, cursor, batch).catch((e) => Promise.reject(unavailable(e)));
    if (batch === undefined) return void res.json(page);
    const totals = await store.batchTotals(batch).catch((e) => Promise.reject(unavailable(e)));
    res.json({ ...page, batch: totals });
  });
  router.get('/v1/jobs/:id', async (req, res) => {
    const notFound = new HttpProblem(404, 'unknown-job', `no job with id "${req.params.id}"`);
    if (!UUID.test(req.params.id)) throw notFound;
    const job = await store.get(req.params.id).catch((e) => Promise.reject(unavailable(e)));
    if (!job) throw notFound;
    res.json(job);
  });
  return router;
}
