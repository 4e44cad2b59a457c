/**
 * RFC 9457 problem details: the one error shape of every response the service sends, and the
 * catalogue of every problem type it can send (its `type`, statuses and log level).
 */
import type { LogLevel } from './request-log';

export interface RowError {
  /** 1-based data row (the header is not counted); null for a problem with the header itself. */
  row: number | null;
  column: string | null;
  message: string;
  /** In a workbook, the cell at fault (e.g. D6). */
  cell?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: RowError[];
  totalErrors?: number;
  [extra: string]: unknown;
}

interface ProblemSpec {
  /** The statuses this type is sent with. */
  status: readonly number[];
  about: string;
  /**
   * The request log's level for an answer of this type, where the status alone would mislead:
   * overload is expected under load and must not read as a failure of the service.
   * @default 'error' for 5xx, 'warn' for 4xx
   */
  level?: LogLevel;
}

/** Every problem type the service sends, declared once; `type` is `/problems/<key>`. */
export const PROBLEMS = {
  'bad-request': { status: [400, 413, 415], about: 'the HTTP request itself is malformed (Node or body-parser refused it)' },
  'bad-parameter': { status: [400], about: 'a query parameter has a value the route does not take' },
  'bad-upload': { status: [400], about: 'the upload could not be read: multipart form or compressed body broken, cut short, or in the wrong field' },
  'empty-upload': { status: [400], about: 'no body, or no header row' },
  'no-rows': { status: [400], about: 'a header but no data rows' },
  'bad-encoding': { status: [400, 415], about: 'the text is not valid in the forced or detected encoding' },
  unauthorized: { status: [401], about: 'missing or wrong bearer token' },
  'access-denied': { status: [401, 403], about: 'no Cloudflare Access assertion (401), or one that does not verify: expired, another audience or issuer, not signed by the team (403)' },
  'not-admin': { status: [403], about: 'all=true (everyone’s jobs) by a caller who is not an admin' },
  'not-found': { status: [404], about: 'no such route' },
  'unknown-model': { status: [404], about: 'no model with that name' },
  'unknown-job': { status: [404], about: 'no job with that id' },
  'result-not-kept': { status: [404], about: 'the job\'s answer was not kept (not asked with ?keep=true, or keeping it failed: the detail says which)' },
  'result-expired': { status: [404], about: 'the job\'s kept answer (or a piece of the batch\'s) is past its retention' },
  'unknown-batch': { status: [404], about: 'no batch with that id among the caller\'s jobs' },
  'batch-incomplete': { status: [404], about: 'a piece of the batch is not kept (not yet, never sent, refused or not asked to be kept) or no piece said how many there are' },
  'batch-not-joinable': { status: [409], about: 'the batch\'s kept pieces are not one file: workbooks, different types or encodings, or more pieces than declared' },
  'method-not-allowed': { status: [405], about: 'the path exists, the method does not' },
  'request-timeout': { status: [408], about: 'the request headers or body did not arrive in time' },
  'length-required': { status: [411], about: 'an upload through the page proxy without Content-Length' },
  'too-large': { status: [413], about: "the upload (after decompression) is larger than the limit, or a workbook's parts inflate past theirs" },
  'compression-ratio': { status: [413], about: 'a compressed body expands far more than any CSV does (a decompression bomb)' },
  'header-too-large': { status: [431], about: 'the request headers are larger than the server takes' },
  'not-csv': { status: [415], about: 'a binary file instead of CSV text' },
  'unsupported-workbook': { status: [415], about: 'a workbook that is not read: .xls, password-protected, with macros (.xlsm), or damaged' },
  'unknown-sheet': { status: [400, 422], about: 'no sheet by the name given in ?sheet=, or a workbook without sheets' },
  'no-model-columns': { status: [422], about: "the chosen sheet's header (found or ?header_row=) names none of the model's columns" },
  'unsupported-media-type': { status: [415], about: 'a Content-Type or Content-Encoding the service does not read' },
  'invalid-rows': { status: [422], about: 'schema or value errors, listed by row and column' },
  unwritable: { status: [422], about: 'the answer cannot be written in the requested encoding' },
  internal: { status: [500], about: 'a fault of the service; logged with its stack' },
  'bad-gateway': { status: [502], about: 'the page proxy could not reach the service' },
  'access-keys-unavailable': { status: [503], about: 'the Access team keys (JWKS) could not be fetched to verify an assertion' },
  'access-not-configured': { status: [503], about: 'the page proxy has neither Access settings nor ACCESS_OPEN: it forwards nothing' },
  'job-log-unavailable': { status: [503], about: 'the job log database is unreachable (predictions still work)' },
  overloaded: { status: [503], about: 'too many jobs or bytes waiting; retry after Retry-After', level: 'warn' },
} as const satisfies Record<string, ProblemSpec>;

export type ProblemType = keyof typeof PROBLEMS;

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  408: 'Request timeout',
  411: 'Length required',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  431: 'Request header fields too large',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** An error that becomes a problem+json response; `slug` names the kind of problem in `type`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: ProblemType,
    readonly detail: string,
    readonly extra: Partial<ProblemBody> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(): ProblemBody {
    return problemBody(this.status, this.slug, this.detail, this.extra);
  }
}

export function problemType(slug: ProblemType): string {
  return `/problems/${slug}`;
}

export function problemBody(status: number, slug: ProblemType, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody {
  return { type: problemType(slug), title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

/** The request log's level for a problem of this type, if its catalogue entry names one. */
export function problemLogLevel(type: string): LogLevel | undefined {
  const spec: ProblemSpec | undefined = PROBLEMS[type.replace(/^\/problems\//, '') as ProblemType];
  return spec?.level;
}
