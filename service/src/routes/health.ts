/**
 * GET /healthz (liveness) and GET /readyz (readiness).
 *
 * A database outage does not make the service unready: predictions go on and their job rows
 * queue until the database returns, so /readyz stays 200 and reports `"database": "unreachable"`
 * with the queue length. Only models that are not loaded make it 503. `?strict=true` also
 * fails on the database, for monitors that want that. A 503 from here is logged as a warning: a
 * startup probe hears it on every cold start.
 */
import { Router } from 'express';
import type { LogLevel } from '../http/request-log';
import type { JobLog } from '../jobs/job-log';

export interface Readiness {
  modelsReady: () => boolean;
  jobLog: JobLog;
}

export function healthRouter(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const models = readiness.modelsReady();
    // Probes time out after about a second: a database that does not answer by then is reported as
    // down. While the models load, the database is not opened (the service starts it once ready).
    const databaseOk = models && (await Promise.race([readiness.jobLog.check(), new Promise<false>((r) => setTimeout(r, 800, false).unref())]));
    const jobLog = readiness.jobLog.status();
    const strict = req.query.strict === 'true';
    const ready = models && (databaseOk || !strict);
    const reasons = [
      ...(models ? [] : ['models are still loading']),
      ...(databaseOk ? [] : [`database ${jobLog.database}; ${jobLog.queued} job record(s) queued`]),
    ];
    // The driver's message names hosts and ports: the log has it, an unauthenticated caller does not.
    if (!databaseOk && jobLog.lastError) res.locals.logFields = { ...res.locals.logFields, databaseError: jobLog.lastError };
    // Not ready is what a startup probe expects to hear for a while: a warning, not an error, in the request log.
    if (!ready) res.locals.logLevel = 'warn' satisfies LogLevel;
    res.status(ready ? 200 : 503).json({
      status: ready ? (databaseOk ? 'ready' : 'degraded') : 'not ready',
      models: models ? 'loaded' : 'loading',
      database: jobLog.database,
      queuedJobRecords: jobLog.queued,
      ...(reasons.length ? { reasons } : {}),
    });
  });
  return router;
}
