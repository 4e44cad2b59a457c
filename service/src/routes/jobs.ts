/**
 * GET /v1/jobs (newest first, cursor pagination; ?batch= for one batch's pieces and totals) and
 * GET /v1/jobs/{id}: a caller's own jobs; GET /v1/history: the same log as files (a batch as one
 * entry, jobs/job-store.ts), paged alike; an admin's `?all=true` lists everyone's, and an admin
 * fetches any job.
 */
import { Router, Request, Response } from 'express';
import { parseBatchId } from '../http/piece-params';
import { HttpProblem } from '../http/problem';
import { Caller, canSee } from '../identity/caller';
import { decodeCursor, JobStore } from '../jobs/job-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The instant as the service writes it (Date#toISOString, years 0000–9999): PostgreSQL reads every such value. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const badCursor = () => new HttpProblem(400, 'bad-parameter', 'cursor is not one this service issued; use nextCursor from the previous page');

/** The (created_at, id) of a cursor this service issued; anything else is refused before it reaches the database. */
function parseCursor(raw: unknown): [string, string] {
  const cursor = typeof raw === 'string' ? decodeCursor(raw) : undefined;
  if (!cursor) throw badCursor();
  const [at, id] = cursor;
  if (!ISO_INSTANT.test(at) || new Date(at).toISOString() !== at || !UUID.test(id)) throw badCursor();
  return cursor;
}

/**
 * The database failed the query. Its message (host, port, SQL) stays in the log: the caller only
 * learns that the job log is unreachable. A value the database refuses (SQLSTATE class 22, data
 * exception) is the caller's, a 400.
 */
function failed(res: Response, error: unknown, refused: () => HttpProblem): HttpProblem {
  const message = error instanceof Error ? error.message : String(error);
  res.locals.logFields = { ...res.locals.logFields, databaseError: message };
  if (/^22/.test(String((error as { code?: unknown }).code ?? ''))) return refused();
  return new HttpProblem(503, 'job-log-unavailable', 'the job log database is unreachable; predictions still work', {}, { 'Retry-After': '5' });
}

/** A listing's page size, cursor and whose jobs: the caller's own, or everyone's for an admin's all=true. */
function pageOf(req: Request, res: Response): { limit: number; cursor?: [string, string]; whose?: string } {
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpProblem(400, 'bad-parameter', 'limit must be a whole number from 1 to 100');
  const cursor = req.query.cursor === undefined ? undefined : parseCursor(req.query.cursor);
  const caller = res.locals.caller as Caller;
  if (req.query.all !== undefined && req.query.all !== 'true' && req.query.all !== 'false') throw new HttpProblem(400, 'bad-parameter', 'all must be true or false');
  const all = req.query.all === 'true';
  if (all && !caller.admin) throw new HttpProblem(403, 'not-admin', `${caller.id} is not an admin: all=true lists everyone's jobs (ADMIN_EMAILS, ADMIN_GROUP); leave it out to list your own`);
  return { limit, cursor, whose: all ? undefined : caller.id };
}

export function jobsRouter(store: JobStore): Router {
  const router = Router();
  router.get('/v1/jobs', async (req, res) => {
    const { limit, cursor, whose } = pageOf(req, res);
    const batch = parseBatchId(req.query.batch);
    const page = await store.list(limit, cursor, whose, batch).catch((e) => Promise.reject(failed(res, e, badCursor)));
    if (batch === undefined) return void res.json(page);
    const totals = await store.batchTotals(batch, whose).catch((e) => Promise.reject(failed(res, e, badCursor)));
    res.json({ ...page, batch: totals });
  });
  router.get('/v1/history', async (req, res) => {
    const { limit, cursor, whose } = pageOf(req, res);
    res.json(await store.history(limit, cursor, whose).catch((e) => Promise.reject(failed(res, e, badCursor))));
  });
  router.get('/v1/jobs/:id', async (req, res) => {
    const notFound = new HttpProblem(404, 'unknown-job', `no job with id "${req.params.id}"`);
    if (!UUID.test(req.params.id)) throw notFound;
    const job = await store.get(req.params.id).catch((e) => Promise.reject(failed(res, e, () => notFound)));
    // Another caller's job answers as no job at all: its id says nothing about who ran what.
    if (!job || !canSee(res.locals.caller as Caller, job)) throw notFound;
    res.json(job);
  });
  return router;
}
