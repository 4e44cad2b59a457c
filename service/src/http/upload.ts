/** Reads the CSV upload: multipart field `file` (multer) or a raw text/csv body, up to the size limit. */
import type { RequestHandler } from 'express';
import multer from 'multer';
import { cutOffTrickle } from './body-rate';
import { decodedBody, isSupportedCoding } from './decompress';
import { HttpProblem } from './problem';
import { readShared } from './shared-body';

/** Raw bodies taken: text, and workbooks (whose kind is told by their content, not by this). */
const CSV_TYPES = [
  'text/csv',
  'application/csv',
  'text/plain',
  'text/tab-separated-values',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/octet-stream',
];

export interface Upload {
  bytes: Uint8Array;
  /** The uploaded file's name without extension, for `<upload>-predictions.csv`. */
  baseName: string;
  /** The uploaded file name's extension, lower case, without the dot ('' when none). */
  extension: string;
}

function baseName(name: string | undefined): string {
  const stem = (name ?? '').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return stem || 'upload';
}

function extensionOf(name: string | undefined): string {
  return /\.([^.\\/]*)$/.exec(name ?? '')?.[1].toLowerCase() ?? '';
}

/** busboy's message, as a sentence a client can act on. */
function multipartFault(message: string): string {
  if (/boundary not found/i.test(message)) return 'its Content-Type has no boundary parameter';
  if (/unexpected end/i.test(message)) return 'it ends before its closing boundary';
  if (/malformed part header/i.test(message)) return 'a part header is malformed or longer than 16 KiB';
  return message;
}

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(413, 'too-large', `the upload is larger than ${limit} bytes (${(limit / 1048576).toFixed(0)} MiB); split the file`);
}

/** Multer storage that keeps the file in shared memory (see shared-body.ts). */
function sharedStorage(limit: number): multer.StorageEngine {
  return {
    _handleFile(req, file, done) {
      readShared(file.stream, limit, Number(req.headers['content-length'] ?? 0)).then(
        (bytes) => done(null, { buffer: bytes as Buffer, size: bytes.length }),
        (error: Error) => done(error),
      );
    },
    _removeFile: (_req, _file, done) => done(null),
  };
}

/** Runs `handler` with the request's upload in `res.locals.upload`. */
export function readUpload(limit: number): RequestHandler {
  const multipart = multer({
    storage: sharedStorage(limit),
    limits: { fileSize: limit, files: 1, fields: 10, parts: 12 },
    // Japanese file names arrive as UTF-8 in the multipart header.
    defParamCharset: 'utf8',
  } as multer.Options).single('file');

  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    // Refuse early: the upload is not read when its declared size is already too large.
    // The rest of a body refused here is read only briefly (unread-body.ts).
    if (declared > limit + 64 * 1024) return next(tooLarge(limit));
    const onError = (error: unknown) => {
      const e = error as { code?: string; type?: string; field?: string };
      if (e.code === 'LIMIT_FILE_SIZE') return next(tooLarge(limit));
      if (e.code === 'COMPRESSION_RATIO') return next(new HttpProblem(413, 'compression-ratio', (error as Error).message));
      if (e.code === 'BODY_ABORTED' || e.code?.startsWith('Z_'))
        return next(new HttpProblem(400, 'bad-upload', `the upload could not be read: ${(error as Error).message}`));
      if (e.code === 'LIMIT_UNEXPECTED_FILE') return next(new HttpProblem(400, 'bad-upload', `send the CSV in the multipart field "file" (got "${e.field}")`));
      if (e.code?.startsWith('LIMIT_')) return next(new HttpProblem(400, 'bad-upload', `the upload could not be read: ${(error as Error).message}`));
      return next(error);
    };
    /** The multipart parser (busboy) refuses a broken form with a plain Error: the client's fault, not ours. */
    const onMultipartError = (error: unknown) => {
      if (error instanceof Error && error.constructor === Error && !(error as { code?: string }).code) {
        return next(new HttpProblem(400, 'bad-upload', `the multipart form could not be read (${multipartFault(error.message)}); send the CSV in the form field "file", as a browser or curl -F does`));
      }
      onError(error);
    };
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next(new HttpProblem(400, 'empty-upload', 'the request has no body: send the CSV as multipart field "file" or as a text/csv body'));
    cutOffTrickle(req);
    if (req.is('multipart/form-data')) {
      return multipart(req, res, (error?: unknown) => {
        if (error) return onMultipartError(error);
        if (!req.file) return next(new HttpProblem(400, 'bad-upload', 'the multipart form has no field "file" with the CSV'));
        res.locals.upload = { bytes: req.file.buffer, baseName: baseName(req.file.originalname), extension: extensionOf(req.file.originalname) } satisfies Upload;
        next();
      });
    }
    if (!req.is(CSV_TYPES)) {
      return next(
        new HttpProblem(415, 'unsupported-media-type', `send multipart/form-data with the CSV in field "file", or a text/csv body (got ${req.get('content-type') ?? 'no Content-Type'})`),
      );
    }
    const coding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (!isSupportedCoding(coding)) {
      return next(new HttpProblem(415, 'unsupported-media-type', `Content-Encoding ${coding} is not supported; send the CSV as is, or gzip, deflate or br`));
    }
    // A compressed body's size says nothing of the text's: the limit applies to the text.
    readShared(decodedBody(req, coding), limit, coding === 'identity' ? declared : undefined, res.locals.admission).then((bytes) => {
      const name = typeof req.query.filename === 'string' ? req.query.filename : undefined;
      res.locals.upload = { bytes, baseName: baseName(name), extension: extensionOf(name) } satisfies Upload;
      next();
    }, onError);
  };
}
