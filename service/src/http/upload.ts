/** Reads the CSV upload: multipart field `file` (multer) or a raw text/csv body, up to the size limit. */
import type { RequestHandler } from 'express';
import multer from 'multer';
import { pipeline, Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
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

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(413, 'too-large', `the upload is larger than ${limit} bytes (${(limit / 1048576).toFixed(0)} MiB); split the file`);
}

const DECOMPRESS: Record<string, () => NodeJS.ReadWriteStream> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

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
    if (declared > limit + 64 * 1024) {
      res.set('Connection', 'close');
      return next(tooLarge(limit));
    }
    const onError = (error: unknown) => {
      const e = error as { code?: string; type?: string; field?: string };
      if (e.code === 'LIMIT_FILE_SIZE') {
        // The rest of the body is not worth reading.
        res.set('Connection', 'close');
        return next(tooLarge(limit));
      }
      if (e.code === 'BODY_ABORTED' || e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR')
        return next(new HttpProblem(400, 'bad-upload', `the upload could not be read: ${(error as Error).message}`));
      if (e.code === 'LIMIT_UNEXPECTED_FILE') return next(new HttpProblem(400, 'bad-upload', `send the CSV in the multipart field "file" (got "${e.field}")`));
      if (e.code?.startsWith('LIMIT_')) return next(new HttpProblem(400, 'bad-upload', `the upload could not be read: ${(error as Error).message}`));
      return next(error);
    };
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next(new HttpProblem(400, 'empty-upload', 'the request has no body: send the CSV as multipart field "file" or as a text/csv body'));
    if (req.is('multipart/form-data')) {
      return multipart(req, res, (error?: unknown) => {
        if (error) return onError(error);
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
    if (coding !== 'identity' && !DECOMPRESS[coding]) {
      return next(new HttpProblem(415, 'unsupported-media-type', `Content-Encoding ${coding} is not supported; send the CSV as is, or gzip, deflate or br`));
    }
    // A compressed body's size says nothing of the text's: the limit applies to the text.
    const body = coding === 'identity' ? req : (pipeline(req, DECOMPRESS[coding](), () => {}) as unknown as Readable);
    readShared(body, limit, coding === 'identity' ? declared : undefined).then((bytes) => {
      const name = typeof req.query.filename === 'string' ? req.query.filename : undefined;
      res.locals.upload = { bytes, baseName: baseName(name), extension: extensionOf(name) } satisfies Upload;
      next();
    }, onError);
  };
}
