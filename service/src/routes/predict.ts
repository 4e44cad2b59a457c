/** POST /v1/models/{name}/predict and POST /v1/predict: CSV in, CSV with predictions out. */
import { randomUUID } from 'node:crypto';
import { Router, Request, Response, NextFunction } from 'express';
import { parseEncodingName } from '../csv/decode';
import { HttpProblem, ProblemBody, ProblemType } from '../http/problem';
import { readUpload, Upload } from '../http/upload';
import type { InferencePool } from '../inference/pool';
import type { JobLog } from '../jobs/job-log';
import type { JobRecord } from '../jobs/job-store';
import type { Caller } from '../identity/caller';
import type { LoadedModel, ModelRegistry } from '../models/registry';

/** Longer than any model name a manifest may carry. */
const MAX_UNKNOWN_NAME = 64;

/** An unknown model name as the job log keeps it: control characters replaced, at most 64 characters and an ellipsis. */
export function boundedName(name: string): string {
  const chars = Array.from(name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd'));
  return chars.length > MAX_UNKNOWN_NAME ? `${chars.slice(0, MAX_UNKNOWN_NAME).join('')}…` : chars.join('');
}

export interface PredictDeps {
  registry: ModelRegistry;
  pool: InferencePool;
  jobLog: JobLog;
  maxUploadBytes: number;
}

function contentDisposition(baseName: string): string {
  const file = `${baseName}-predictions.csv`;
  const ascii = file.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

export function predictRouter(deps: PredictDeps): Router {
  const router = Router();

  // Everything that can be refused without the body is refused before it is read.
  const prepare = (req: Request, res: Response, next: NextFunction) => {
    const name = (req.params as { name?: string }).name ?? deps.registry.defaultName;
    const model = deps.registry.get(name);
    res.locals.started = Date.now();
    if (!model) {
      // Any text the caller put in the URL: kept short and printable, in the caller's own record only.
      const shown = boundedName(name);
      res.locals.job = { modelName: shown, modelVersion: null };
      return next(new HttpProblem(404, 'unknown-model', `no model named "${shown}"; GET /v1/models lists them`));
    }
    res.locals.model = model;
    res.locals.job = { modelName: model.manifest.name, modelVersion: model.manifest.version };
    Object.assign(res.locals.logFields, { model: model.manifest.name, modelVersion: model.manifest.version });
    try {
      res.locals.encoding = parseEncodingName(req.query.encoding, 'encoding');
      res.locals.outputEncoding = parseEncodingName(req.query.output_encoding, 'output_encoding');
    } catch (error) {
      return next(error);
    }
    next();
  };

  const run = async (_req: Request, res: Response, next: NextFunction) => {
    const model = res.locals.model as LoadedModel;
    const upload = res.locals.upload as Upload;
    res.locals.bytesIn = upload.bytes.length;
    try {
      const outcome = await deps.pool.predict({ model: model.manifest.name, bytes: upload.bytes, encoding: res.locals.encoding, outputEncoding: res.locals.outputEncoding });
      if (!outcome.ok) return next(new WorkerProblem(outcome.problem));
      res.locals.rows = outcome.rows;
      res.locals.logFields.rows = outcome.rows;
      const headers: Record<string, string | undefined> = {
        'Content-Type': `text/csv; charset=${outcome.outputEncoding === 'utf-8' ? 'utf-8' : 'shift_jis'}`,
        'Content-Disposition': contentDisposition(upload.baseName),
        'X-Model-Name': model.manifest.name,
        'X-Model-Version': model.manifest.version,
        'X-Row-Count': String(outcome.rows),
        'X-Class-Counts': outcome.classCounts ? JSON.stringify(outcome.classCounts) : undefined,
        'Content-Length': 'bytes' in outcome.body ? String(outcome.body.bytes.byteLength) : undefined,
      };
      res.status(200).set(Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)));
      const { body } = outcome;
      if ('bytes' in body) {
        res.locals.bytesOut = body.bytes.byteLength;
        res.write(body.bytes);
      } else {
        res.locals.bytesOut = 0;
        // Written as it comes, at the pace the client reads: the answer is never held whole.
        for await (const piece of body.stream) {
          res.locals.bytesOut += piece.byteLength;
          if (!res.write(piece)) await drained(res);
          if (gone(res)) break;
        }
      }
      res.end();
    } catch (error) {
      next(error);
    }
  };

  const record = (req: Request, res: Response, next: NextFunction) => {
    res.locals.jobId = randomUUID();
    res.on('finish', () => {
      const status = res.statusCode;
      const job: JobRecord = {
        id: res.locals.jobId,
        ...(res.locals.job as Pick<JobRecord, 'modelName' | 'modelVersion'>),
        status: status < 400 ? 'succeeded' : status < 500 && status !== 429 ? 'rejected' : 'failed',
        httpStatus: status,
        rows: res.locals.rows ?? null,
        bytesIn: res.locals.bytesIn ?? Number(req.headers['content-length'] ?? 0),
        bytesOut: res.locals.bytesOut ?? null,
        durationMs: Date.now() - (res.locals.started ?? Date.now()),
        errorSummary: (res.locals.problemDetail as string | undefined)?.slice(0, 500) ?? null,
        tokenFingerprint: res.locals.tokenFingerprint ?? null,
        caller: (res.locals.caller as Caller | undefined)?.id ?? null,
        createdAt: new Date().toISOString(),
      };
      deps.jobLog.record(job);
    });
    // Filled in as the job goes; the request log line reads it when the response finishes.
    res.locals.logFields = { jobId: res.locals.jobId };
    res.set('X-Job-Id', res.locals.jobId);
    next();
  };

  const upload = readUpload(deps.maxUploadBytes);
  router.post('/v1/models/:name/predict', record, prepare, upload, run);
  router.post('/v1/predict', record, prepare, upload, run);
  return router;
}

/** The client has hung up (the connection may have closed while the answer was being written). */
function gone(res: Response): boolean {
  return res.destroyed || !res.socket || res.socket.destroyed;
}

/** Resolves when the socket takes more, or is gone. */
function drained(res: Response): Promise<void> {
  if (gone(res)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A problem the worker computed (it crossed the thread as plain data), passed on like any other. */
class WorkerProblem extends HttpProblem {
  constructor(private readonly body: ProblemBody) {
    super(body.status, body.type.replace(/^\/problems\//, '') as ProblemType, body.detail);
  }
  override toBody(): ProblemBody {
    return this.body;
  }
}
