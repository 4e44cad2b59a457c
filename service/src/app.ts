/**
 * Builds the Express app from its collaborators; it does not listen. Tests drive it in-process
 * with real collaborators in other settings; server.ts wires the production ones.
 */
import express, { ErrorRequestHandler } from 'express';
import { ApiToken, bearerAuth } from './http/auth';
import { identify } from './http/identify';
import { AccessSettings, createAccessVerifier } from './identity/access-assertion';
import type { AdminRule } from './identity/caller';
import { expressPath, ROUTES } from './http/contract';
import { HttpProblem, problemBody } from './http/problem';
import { sendProblem } from './http/send-problem';
import { requestLog } from './http/request-log';
import type { InferencePool } from './inference/pool';
import type { JobLog } from './jobs/job-log';
import type { JobStore } from './jobs/job-store';
import type { Logger } from './logging';
import type { ModelRegistry } from './models/registry';
import { callerRouter } from './routes/caller';
import { healthRouter } from './routes/health';
import { jobsRouter } from './routes/jobs';
import { modelsRouter } from './routes/models';
import { predictRouter } from './routes/predict';
import { referenceRouter } from './routes/reference';
import { resultsRouter } from './routes/results';
import type { KeepSettings } from './results/keep-request';
import { WorkbookSlots } from './workbook/workbook-slots';

export interface AppDeps {
  apiTokens: readonly (string | ApiToken)[];
  /**
   * Cloudflare Access: assertions on requests are verified and name the caller.
   * @default undefined: every caller is its token's name
   */
  access?: AccessSettings;
  /** @default no admins */
  admins?: AdminRule;
  maxUploadBytes: number;
  registry: ModelRegistry;
  pool: InferencePool;
  /** @default one workbook at a time */
  workbookSlots?: WorkbookSlots;
  jobLog: JobLog;
  jobStore: JobStore;
  logger: Logger;
  gcpProject?: string;
  /** Where kept answers go; without it `?keep=true` answers are sent but not kept, and say so. */
  results?: KeepSettings;
  /** False until every inference thread has loaded its sessions. */
  modelsReady: () => boolean;
  /** @default routes/write-answer.ts's ANSWER_STALL_MS */
  answerStallMs?: number;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', true);
  app.use(requestLog(deps.logger, deps.gcpProject));
  app.use(healthRouter({ modelsReady: deps.modelsReady, jobLog: deps.jobLog }));
  app.use(referenceRouter());
  app.use('/v1', bearerAuth(deps.apiTokens));
  app.use('/v1', identify({ verify: deps.access && createAccessVerifier(deps.access), admins: deps.admins ?? { emails: [] } }));
  app.use(callerRouter());
  app.use(modelsRouter(deps.registry));
  app.use(jobsRouter(deps.jobStore));
  if (deps.results) app.use(resultsRouter(deps.results.store, deps.jobStore));
  app.use(predictRouter({ registry: deps.registry, pool: deps.pool, workbookSlots: deps.workbookSlots ?? new WorkbookSlots(1), jobLog: deps.jobLog, maxUploadBytes: deps.maxUploadBytes, answerStallMs: deps.answerStallMs, results: deps.results }));

  for (const path of new Set(ROUTES.map((r) => r.path))) {
    const allow = ROUTES.filter((r) => r.path === path).map((r) => r.method.toUpperCase());
    app.all(expressPath(path), (req) => {
      throw new HttpProblem(405, 'method-not-allowed', `${req.method} is not allowed on ${req.path}; use ${allow.join(' or ')}`, {}, { Allow: allow.join(', ') });
    });
  }
  app.use((req) => {
    throw new HttpProblem(404, 'not-found', `no route ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (error instanceof HttpProblem) {
      res.locals.problemDetail = error.detail;
      return sendProblem(res, error.toBody(), error.headers);
    }
    // Body-parser's own errors for a broken request body are the client's, not ours.
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      res.locals.problemDetail = (error as Error).message;
      return sendProblem(res, problemBody(status, 'bad-request', (error as Error).message));
    }
    (res.locals.logger ?? deps.logger).error({ err: error }, 'unhandled error');
    res.locals.problemDetail = 'internal error';
    // Mid-answer there is no status left to send: cutting the connection tells the client it is incomplete.
    if (res.headersSent) return void res.destroy();
    sendProblem(res, problemBody(500, 'internal', 'the service failed on this request; it has been logged'));
  };
  app.use(onError);
  return app;
}
