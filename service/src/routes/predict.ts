/** POST /v1/models/{name}/predict and POST /v1/predict: CSV in, CSV with predictions out. */
import { randomUUID } from 'node:crypto';
import { Router, Request, Response, NextFunction } from 'express';
import { parseDelimiter, parseEncodingName } from '../csv/decode';
import { parseBatchId, parsePieceCount, parseRowOffset } from '../http/piece-params';
import { HttpProblem, ProblemBody, ProblemType } from '../http/problem';
import { readUpload, Upload } from '../http/upload';
import type { Admission, InferencePool, PoolOutcome } from '../inference/pool';
import type { JobLog } from '../jobs/job-log';
import type { JobRecord } from '../jobs/job-store';
import type { Caller } from '../identity/caller';
import type { LoadedModel, ModelRegistry } from '../models/registry';
import type { Keeper, KeepOutcome } from '../results/answer-keeper';
import { keepParameter, keptHeader, KeepSettings, sendKeptHeader, sendKeptTrailer, startKeeping } from '../results/keep-request';
import { uploadKind } from '../workbook/container';
import { predictWorkbook, XLSX_TYPE } from '../workbook/predict-workbook';
import type { WorkbookSlots } from '../workbook/workbook-slots';
import { parseHeaderRow, parseSheetName } from '../workbook/sheet-table';
import { ANSWER_STALL_MS, endPaced, gone, writePaced } from './write-answer';

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
  workbookSlots: WorkbookSlots;
  jobLog: JobLog;
  maxUploadBytes: number;
  /** Where answers asked to be kept go; without it `?keep=true` answers say they were not kept. */
  results?: KeepSettings;
  /**
   * How long a client may take no part of its answer before it is cut off (it holds its upload's memory).
   * @default ANSWER_STALL_MS (30 s)
   */
  answerStallMs?: number;
}

/** JSON for a header: characters past ASCII escaped (\\uXXXX), which JSON.parse reads back; a header cannot carry them raw (a class label in Japanese). */
export function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function contentDisposition(baseName: string, extension: string): string {
  const file = `${baseName}-predictions.${extension}`;
  const ascii = file.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

const TAB = 0x09;

/** Whether a workbook is to be answered as CSV: `?format=csv`, or an Accept header that asks for CSV (and not a workbook). */
function parseFormat(value: unknown, accept: string | undefined): boolean {
  if (value === 'csv') return true;
  if (value === 'xlsx') return false;
  if (value !== undefined && value !== '' && value !== 'auto') throw new HttpProblem(400, 'bad-parameter', `format must be one of auto, csv, xlsx (got ${JSON.stringify(value)})`);
  return accept !== undefined && accept.includes('text/csv') && !accept.includes(XLSX_TYPE);
}

/** The answer's file type: a .tsv or .txt upload keeps its own; otherwise .tsv for tabs, .csv else. */
function answerExtension(uploaded: string, delimiter: number): string {
  if (uploaded === 'txt' || uploaded === 'tsv') return uploaded;
  return delimiter === TAB ? 'tsv' : 'csv';
}

export function predictRouter(deps: PredictDeps): Router {
  const router = Router();
  const stallMs = deps.answerStallMs ?? ANSWER_STALL_MS;

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
      res.locals.keep = keepParameter(req.query.keep);
      res.locals.delimiter = parseDelimiter(req.query.delimiter);
      res.locals.sheet = parseSheetName(req.query.sheet);
      res.locals.headerRow = parseHeaderRow(req.query.header_row);
      res.locals.answerCsv = parseFormat(req.query.format, req.get('accept'));
      res.locals.rowOffset = parseRowOffset(req.query.row_offset);
    } catch (error) {
      return next(error);
    }
    next();
  };

  /**
   * Holds the upload's declared size of the pending budget before its body is read, or answers
   * 503 at once: bodies waiting to be refused reached 2.9 GiB when they were read first (issue 15).
   * A body without a length is counted as it arrives (shared-body.ts). An upload declared larger
   * than the limit is left to readUpload's 413.
   */
  const admit = (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > deps.maxUploadBytes + 64 * 1024) return next();
    let admission: Admission;
    try {
      admission = deps.pool.admit(declared);
    } catch (error) {
      // The body is not read: the answer ends the connection.
      res.set('Connection', 'close');
      return next(error);
    }
    res.locals.admission = admission;
    // Whatever way the request ends: once its answer is written, or the client has gone.
    res.once('close', () => admission.release());
    next();
  };

  /**
   * Hands the upload to the pool, which frees it once the job is over: nothing of the request may
   * keep it alive past that. Not an async function: one keeps what it passed across its awaits
   * (measured: an argument of an awaited call stayed referenced until the function returned).
   */
  const startJob = (req: Request, res: Response): Promise<PoolOutcome> => {
    const { bytes, baseName, extension } = res.locals.upload as Upload;
    res.locals.upload = { baseName, extension };
    req.file = undefined;
    res.locals.bytesIn = bytes.length;
    const model = res.locals.model as LoadedModel;
    const job = { model: model.manifest.name, bytes, encoding: res.locals.encoding, outputEncoding: res.locals.outputEncoding, delimiter: res.locals.delimiter };
    return deps.pool.predict(job, res.locals.admission as Admission);
  };

  /** An answer written at once, or as it comes at the pace the client reads (never held whole); with a keeper, kept before it is sent (known whole) or as it goes. */
  const sendBody = async (res: Response, body: { bytes: Uint8Array } | { stream: AsyncIterable<Uint8Array> }, keeper?: Keeper) => {
    if ('bytes' in body) {
      // Its share of the budget is given back once the client has taken it ('close', above).
      res.locals.bytesOut = body.bytes.byteLength;
      if (!keeper) {
        endPaced(res, stallMs, body.bytes);
        return;
      }
      // Kept first (a file write of a few ms), so it goes with its length, by which every client
      // tells a cut answer, and with the keep's outcome as a header.
      await keeper.write(body.bytes);
      res.locals.kept = await keeper.finish();
      res.locals.logFields.kept = keptHeader(res.locals.kept as KeepOutcome);
      if (gone(res)) return;
      sendKeptHeader(res, res.locals.kept as KeepOutcome, body.bytes.byteLength);
      return void endPaced(res, stallMs, body.bytes);
    } else {
      res.locals.bytesOut = 0;
      for await (const piece of body.stream) {
        res.locals.bytesOut += piece.byteLength;
        await keeper?.write(piece);
        if (!(await writePaced(res, piece, stallMs))) break;
      }
    }
    if (keeper) {
      res.locals.kept = gone(res) ? keeper.abandon('the client left before the whole answer was sent') : await keeper.finish();
      res.locals.logFields.kept = keptHeader(res.locals.kept as KeepOutcome);
      if (!gone(res)) sendKeptTrailer(res, res.locals.kept as KeepOutcome);
    }
    if (!gone(res)) endPaced(res, stallMs);
  };

  /** A job's answer, whatever its format: its headers, then its body, kept as it goes when asked (its name and type come back with it). */
  const sendAnswer = async (res: Response, model: LoadedModel, answer: { contentType: string; disposition: string; rows: number; classCounts?: Record<string, number> | null; body: { bytes: Uint8Array } | { stream: AsyncIterable<Uint8Array> } }) => {
    const headers: Record<string, string | undefined> = {
      'Content-Type': answer.contentType,
      'Content-Disposition': answer.disposition,
      'X-Model-Name': model.manifest.name,
      'X-Model-Version': model.manifest.version,
      'X-Row-Count': String(answer.rows),
      'X-Class-Counts': answer.classCounts ? headerJson(answer.classCounts) : undefined,
      'Content-Length': 'bytes' in answer.body ? String(answer.body.bytes.byteLength) : undefined,
    };
    let keeper: Keeper | undefined;
    try {
      res.status(200).set(Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)));
      keeper = res.locals.keep ? startKeeping(res, deps.results) : undefined;
      await sendBody(res, answer.body, keeper);
    } finally {
      if (keeper && !res.locals.kept) res.locals.kept = keeper.abandon('the answer failed before it was complete');
      // A stream stopped before its end (or never begun) ends its job: a workbook's thread, and its turn.
      if ('stream' in answer.body) await answer.body.stream[Symbol.asyncIterator]().return?.();
    }
  };

  const run = async (req: Request, res: Response, next: NextFunction) => {
    const model = res.locals.model as LoadedModel;
    if (uploadKind((res.locals.upload as Upload).bytes) === 'workbook') return runWorkbook(res, next);
    try {
      const outcome = await startJob(req, res);
      const { baseName, extension } = res.locals.upload as Upload;
      if (!outcome.ok) {
        const problem = numberedInFile(outcome.problem, res.locals.rowOffset);
        res.locals.errorCount = problem.totalErrors ?? null;
        return next(new WorkerProblem(problem));
      }
      res.locals.rows = outcome.rows;
      res.locals.logFields.rows = outcome.rows;
      res.locals.answerDelimiter = outcome.delimiter;
      await sendAnswer(res, model, {
        contentType: `${outcome.delimiter === TAB ? 'text/tab-separated-values' : 'text/csv'}; charset=${outcome.outputEncoding}`,
        disposition: contentDisposition(baseName, answerExtension(extension, outcome.delimiter)),
        ...outcome,
      });
    } catch (error) {
      next(error);
    }
  };

  /** An Excel workbook: answered as the workbook with the predictions added, or as CSV when asked. */
  const runWorkbook = async (res: Response, next: NextFunction) => {
    const model = res.locals.model as LoadedModel;
    const upload = res.locals.upload as Upload;
    res.locals.bytesIn = upload.bytes.length;
    try {
      const job = { bytes: upload.bytes, model, sheet: res.locals.sheet, headerRow: res.locals.headerRow, csv: res.locals.answerCsv === true };
      const outcome = await predictWorkbook(job, { slots: deps.workbookSlots });
      if (!outcome.ok) {
        // Sheet rows are numbered as the workbook shows them; a row offset is for pieces of a CSV.
        res.locals.errorCount = outcome.problem.totalErrors ?? null;
        return next(new WorkerProblem(outcome.problem));
      }
      res.locals.rows = outcome.rows;
      res.locals.logFields.rows = outcome.rows;
      await sendAnswer(res, model, {
        contentType: outcome.format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8',
        disposition: contentDisposition(upload.baseName, outcome.format),
        ...outcome,
      });
    } catch (error) {
      next(error);
    }
  };

  const record = (req: Request, res: Response, next: NextFunction) => {
    res.locals.jobId = randomUUID();
    // Read first, so a request refused for its batch id is not recorded under it.
    let batch: string | undefined;
    try {
      batch = parseBatchId(req.query.batch);
      res.locals.batch = batch;
      res.locals.pieces = parsePieceCount(req.query.pieces, batch);
    } catch (error) {
      res.locals.job = { modelName: (req.params as { name?: string }).name ?? deps.registry.defaultName, modelVersion: null };
      res.locals.started = Date.now();
      res.locals.batchRefused = error;
    }
    res.on('finish', () => {
      const status = res.statusCode;
      const kept = res.locals.kept as KeepOutcome | undefined;
      const job: JobRecord = {
        id: res.locals.jobId,
        ...(res.locals.job as Pick<JobRecord, 'modelName' | 'modelVersion'>),
        status: status < 400 ? 'succeeded' : status < 500 && status !== 429 ? 'rejected' : 'failed',
        httpStatus: status,
        rows: res.locals.rows ?? null,
        bytesIn: res.locals.bytesIn ?? Number(req.headers['content-length'] ?? 0),
        bytesOut: res.locals.bytesOut ?? null,
        durationMs: Date.now() - (res.locals.started ?? Date.now()),
        errorSummary: ((res.locals.problemDetail as string | undefined) ?? (kept && !kept.kept ? `answer not kept: ${kept.reason}` : undefined))?.slice(0, 500) ?? null,
        tokenFingerprint: res.locals.tokenFingerprint ?? null,
        caller: (res.locals.caller as Caller | undefined)?.id ?? null,
        createdAt: new Date().toISOString(),
        batch: batch ?? null,
        errorCount: res.locals.errorCount ?? null,
        ...(kept?.kept ? { result: { location: kept.location, expiresAt: kept.expiresAt } } : {}),
        ...(batch !== undefined ? { piece: pieceRecord(res) } : {}),
      };
      deps.jobLog.record(job);
    });
    // Filled in as the job goes; the request log line reads it when the response finishes.
    res.locals.logFields = { jobId: res.locals.jobId };
    res.set('X-Job-Id', res.locals.jobId);
    next(res.locals.batchRefused);
  };

  const upload = readUpload(deps.maxUploadBytes);
  router.post('/v1/models/:name/predict', record, prepare, admit, upload, run);
  router.post('/v1/predict', record, prepare, admit, upload, run);
  return router;
}

/** Where a piece of a batch sits in its file, for the history (jobs/job-store.ts). */
function pieceRecord(res: Response): NonNullable<JobRecord['piece']> {
  const upload = res.locals.upload as Pick<Upload, 'baseName' | 'extension'> | undefined;
  return {
    rowOffset: (res.locals.rowOffset as number | undefined) ?? 0,
    pieces: (res.locals.pieces as number | undefined) ?? null,
    fileName: upload ? `${upload.baseName}${upload.extension ? `.${upload.extension}` : ''}` : null,
  };
}

/** A piece's row errors renumbered as rows of the whole file it was cut from (?row_offset=). */
function numberedInFile(problem: ProblemBody, rowOffset: number): ProblemBody {
  if (!rowOffset || !problem.errors) return problem;
  return { ...problem, errors: problem.errors.map((e) => (e.row === null ? e : { ...e, row: e.row + rowOffset })) };
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
