/**
 * The HTTP contract (v1), declared once. The service mounts exactly these routes, and the
 * API Gateway's OpenAPI document is generated from this list (infra/), so the two cannot drift.
 */

export type Method = 'get' | 'post';

/** Names of the JSON bodies routes answer with (their schemas are in openapi-schemas.ts). */
export type BodySchema = 'Health' | 'Ready' | 'ModelList' | 'Model' | 'ModelDetail' | 'JobPage' | 'Job' | 'HistoryPage' | 'OpenApi';

export interface RouteSpec {
  operationId: string;
  method: Method;
  /** OpenAPI path template, e.g. /v1/models/{name}. */
  path: string;
  auth: boolean;
  summary: string;
  /** Request body media types, for routes that take an upload. */
  consumes?: string[];
  produces: string[];
  /** Status codes the route answers with, besides the problem+json errors every route may send. */
  responses: Record<number, string>;
  /** The query parameters the route takes; when declared, the page proxy forwards no others. */
  query?: readonly QueryParameter[];
  /** The 200 answer's JSON body, for routes that answer JSON. */
  body?: BodySchema;
  /**
   * Part of the API's description of itself (/openapi.json, /docs): open without a token, and
   * reachable through the gateway and the page's proxy like the /v1 routes.
   */
  reference?: boolean;
}

/** A query parameter a route reads; the OpenAPI documents list it, the route validates it. */
export interface QueryParameter {
  name: string;
  /** A type both OpenAPI 2.0 (the gateway) and 3.1 (/openapi.json) know. */
  type: 'string' | 'integer' | 'boolean';
  description: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What a predict upload may be, as GET /v1/models/{name} lists it, with the predict query parameters that apply to each. */
export const UPLOAD_FORMATS = [
  {
    format: 'csv',
    extensions: ['.csv'],
    mediaTypes: ['text/csv'],
    about: 'comma, tab or semicolon between fields (detected from the header, or ?delimiter=); UTF-8 with or without BOM, Shift_JIS/CP932, UTF-16 with BOM; answered in the same delimiter and encoding',
    parameters: ['delimiter', 'encoding', 'output_encoding'],
  },
  {
    format: 'tsv',
    extensions: ['.tsv', '.txt'],
    mediaTypes: ['text/tab-separated-values', 'text/plain'],
    about: 'tab-separated text, such as Excel\'s "Unicode text" (UTF-16 with BOM); answered the same way',
    parameters: ['delimiter', 'encoding', 'output_encoding'],
  },
  {
    format: 'xlsx',
    extensions: ['.xlsx'],
    mediaTypes: [XLSX_MEDIA_TYPE],
    about: 'an Excel workbook, told by its content: the first sheet or ?sheet=, the header found in the first 20 rows or ?header_row=; answered as the workbook with the prediction columns appended, or CSV with ?format=csv. Not read: .xls, .xlsm (macros) and password-protected workbooks',
    parameters: ['sheet', 'header_row', 'format'],
  },
] as const;

/** What piece-params.ts accepts: a batch id; the largest row offset (far past any spreadsheet, so a larger one is a mistake). */
export const BATCH_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
export const MAX_ROW_OFFSET = 2 ** 31 - 1;
/** The most pieces a batch may declare (?pieces=): 16 MiB pieces of a 160 GB file. */
export const MAX_PIECES = 10_000;
/** The rows a worksheet can have (Excel's specifications and limits: 1,048,576 rows by 16,384 columns). */
export const MAX_SHEET_ROWS = 1_048_576;
const BATCH_PARAM: QueryParameter = { name: 'batch', type: 'string', pattern: BATCH_ID_PATTERN, description: 'ties the pieces of one large file together in the job log (any id the client chooses, e.g. a UUID)' };

/** The predict routes' query parameters. */
export const PREDICT_QUERY: readonly QueryParameter[] = [
  { name: 'encoding', type: 'string', description: 'the upload\'s text encoding; detected when left out', enum: ['auto', 'utf-8', 'shift_jis'] },
  { name: 'output_encoding', type: 'string', description: 'the answer\'s text encoding; by default UTF-8 (a UTF-16 upload is answered in UTF-16)', enum: ['auto', 'utf-8', 'shift_jis'] },
  { name: 'delimiter', type: 'string', description: 'the field delimiter; detected from the header when left out', enum: ['auto', 'comma', 'tab', 'semicolon'] },
  { name: 'sheet', type: 'string', description: 'a workbook\'s sheet to read, by name; the first sheet when left out' },
  { name: 'header_row', type: 'integer', minimum: 1, maximum: MAX_SHEET_ROWS, description: 'a workbook sheet\'s header row (from 1); found in the first 20 rows when left out' },
  { name: 'format', type: 'string', description: 'a workbook\'s answer: the workbook (auto, xlsx) or CSV (csv; also Accept: text/csv)', enum: ['auto', 'xlsx', 'csv'] },
  { name: 'filename', type: 'string', description: 'the upload\'s file name, for a raw body (the answer is named after it)' },
  {
    name: 'row_offset',
    type: 'integer',
    minimum: 0,
    maximum: MAX_ROW_OFFSET,
    description: "for a piece of a larger file: the data rows before it in the whole file (blank lines included), so errors name the whole file's rows",
  },
  BATCH_PARAM,
  { name: 'keep', type: 'string', description: 'true keeps the answer for GET /v1/jobs/{id}/result (its outcome in the job log, and in X-Result-Kept: a header on an answer sent with its Content-Length, else a trailer to a client sending TE: trailers); with batch, also for GET /v1/batches/{batch}/result', enum: ['true', 'false'] },
  {
    name: 'pieces',
    type: 'integer',
    minimum: 1,
    maximum: MAX_PIECES,
    description: 'with batch, on the last piece at least: how many pieces the whole file was sent in, so GET /v1/batches/{batch}/result can tell a complete batch',
  },
];

/** The languages a template workbook is written in (its sheet names and notes). */
export const TEMPLATE_LANGUAGES = ['en', 'ja'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/** GET /v1/models/{name}/template's query parameters. */
export const TEMPLATE_QUERY: readonly QueryParameter[] = [
  { name: 'format', type: 'string', description: 'a workbook whose first sheet holds the header, with a sheet explaining the columns (xlsx, the default), or the header alone as CSV (UTF-8 with BOM)', enum: ['xlsx', 'csv'] },
  { name: 'lang', type: 'string', description: "the language of the workbook's sheet names and notes (en, the default, or ja)", enum: [...TEMPLATE_LANGUAGES] },
];

/** The job log's paging (GET /v1/jobs, GET /v1/history). */
const PAGE_QUERY: readonly QueryParameter[] = [
  { name: 'limit', type: 'integer', minimum: 1, maximum: 100, description: 'entries per page (default 20)' },
  { name: 'cursor', type: 'string', description: 'nextCursor from the previous page' },
  { name: 'all', type: 'boolean', description: "everyone's jobs (admins only)" },
];

const CSV_IN = ['multipart/form-data', 'text/csv', 'text/tab-separated-values', 'text/plain', XLSX_MEDIA_TYPE];
const JSON_OUT = ['application/json'];
const CSV_OUT = ['text/csv', 'text/tab-separated-values', XLSX_MEDIA_TYPE, 'application/problem+json'];
const PREDICT_RESPONSES = {
  200: 'the upload (CSV, TSV or workbook) with prediction columns appended, in its own format',
  400: 'empty or unreadable upload, or a bad query parameter',
  401: 'missing or wrong bearer token',
  404: 'unknown model',
  413: 'upload larger than the limit, or a workbook whose contents are',
  415: 'not CSV text or an .xlsx workbook (.xls, macros and password-protected workbooks included)',
  422: 'schema or value errors, listed by row and column',
  503: 'overloaded; retry after the Retry-After header',
};

export const ROUTES: readonly RouteSpec[] = [
  { operationId: 'healthz', method: 'get', path: '/healthz', auth: false, summary: 'Liveness', produces: JSON_OUT, responses: { 200: 'alive' }, body: 'Health' },
  {
    operationId: 'readyz',
    method: 'get',
    path: '/readyz',
    auth: false,
    summary: 'Readiness: models loaded; the database state is reported',
    produces: JSON_OUT,
    responses: { 200: 'ready', 503: 'not ready, with the reason' },
    query: [{ name: 'strict', type: 'boolean', description: 'also fail (503) while the job log database is unreachable' }],
    body: 'Ready',
  },
  {
    operationId: 'whoAmI',
    method: 'get',
    path: '/v1/me',
    auth: true,
    summary: 'The caller as the job log names it (an email, or token:<name>), and whether it is an admin',
    produces: JSON_OUT,
    responses: { 200: 'the caller', 401: 'unauthorized', 403: 'Access assertion not valid' },
  },
  { operationId: 'listModels', method: 'get', path: '/v1/models', auth: true, summary: 'Model manifests', produces: JSON_OUT, responses: { 200: 'the models', 401: 'unauthorized' }, body: 'ModelList' },
  {
    operationId: 'getModel',
    method: 'get',
    path: '/v1/models/{name}',
    auth: true,
    summary: "One model manifest, with the upload formats predict takes and its query parameters",
    produces: JSON_OUT,
    responses: { 200: 'the manifest', 401: 'unauthorized', 404: 'unknown model' },
    body: 'ModelDetail',
  },
  {
    operationId: 'getTemplate',
    method: 'get',
    path: '/v1/models/{name}/template',
    auth: true,
    summary: "A file to fill in: the model's columns as the header of an .xlsx workbook, or of a CSV",
    produces: [XLSX_MEDIA_TYPE, 'text/csv', 'application/problem+json'],
    responses: { 200: 'the template, named <model>-template.xlsx or .csv', 400: 'a bad format or lang', 401: 'unauthorized', 404: 'unknown model' },
    query: TEMPLATE_QUERY,
  },
  {
    operationId: 'predictWithModel',
    method: 'post',
    path: '/v1/models/{name}/predict',
    auth: true,
    summary: 'CSV in, CSV with predictions out',
    consumes: CSV_IN,
    produces: CSV_OUT,
    responses: PREDICT_RESPONSES,
    query: PREDICT_QUERY,
  },
  {
    operationId: 'predict',
    method: 'post',
    path: '/v1/predict',
    auth: true,
    summary: 'CSV in, CSV with predictions out, with the default model',
    consumes: CSV_IN,
    produces: CSV_OUT,
    responses: PREDICT_RESPONSES,
    query: PREDICT_QUERY,
  },
  {
    operationId: 'listJobs',
    method: 'get',
    path: '/v1/jobs',
    auth: true,
    summary: "Prediction job log, newest first (cursor pagination); with batch, that batch's pieces and totals",
    produces: JSON_OUT,
    responses: { 200: 'a page of the caller’s jobs (everyone’s with ?all=true, for admins)', 400: 'bad limit, cursor or batch', 401: 'unauthorized', 403: 'all=true by a caller who is not an admin', 503: 'job log unavailable' },
    query: [...PAGE_QUERY, BATCH_PARAM],
    body: 'JobPage',
  },
  {
    operationId: 'listHistory',
    method: 'get',
    path: '/v1/history',
    auth: true,
    summary: "The job log as files, newest first (cursor pagination): a job outside a batch as it is, a batch's pieces as one entry at its first piece, with its totals, status and whether it downloads whole",
    produces: JSON_OUT,
    responses: { 200: 'a page of the caller’s history (everyone’s with ?all=true, for admins)', 400: 'bad limit or cursor', 401: 'unauthorized', 403: 'all=true by a caller who is not an admin', 503: 'job log unavailable' },
    query: PAGE_QUERY,
    body: 'HistoryPage',
  },
  {
    operationId: 'getJob',
    method: 'get',
    path: '/v1/jobs/{id}',
    auth: true,
    summary: 'One prediction job',
    produces: JSON_OUT,
    responses: { 200: 'the job', 401: 'unauthorized', 404: 'no job with this id that the caller may see', 503: 'job log unavailable' },
    body: 'Job',
  },
  {
    operationId: 'openApi',
    method: 'get',
    path: '/openapi.json',
    auth: false,
    summary: 'This API described in OpenAPI 3.1',
    produces: JSON_OUT,
    responses: { 200: 'the OpenAPI document' },
    body: 'OpenApi',
    reference: true,
  },
  { operationId: 'docs', method: 'get', path: '/docs', auth: false, summary: 'Interactive API reference (Swagger UI)', produces: ['text/html'], responses: { 200: 'the reference page' }, reference: true },
  {
    operationId: 'docsAsset',
    method: 'get',
    path: '/docs/{file}',
    auth: false,
    summary: "The reference page's scripts and styles, served by the service itself",
    produces: ['text/css', 'text/javascript', 'image/png'],
    responses: { 200: 'the file', 404: 'no such file' },
    reference: true,
  },
  {
    operationId: 'getJobResult',
    method: 'get',
    path: '/v1/jobs/{id}/result',
    auth: true,
    summary: 'A kept answer again (predict with ?keep=true), with its original name and type',
    produces: ['text/csv', 'application/octet-stream', 'application/problem+json'],
    responses: {
      200: 'the kept answer',
      401: 'unauthorized',
      404: 'unknown job (or another caller\'s), answer not kept, or expired (the detail says which)',
      503: 'job log unavailable',
    },
  },
  {
    operationId: 'getBatchResult',
    method: 'get',
    path: '/v1/batches/{batch}/result',
    auth: true,
    summary: "A batch's kept pieces (predict with ?batch=, ?row_offset=, ?keep=true and, on the last, ?pieces=) as one file: in row order, the header once, with the first piece's name and type",
    produces: ['text/csv', 'text/tab-separated-values', 'application/problem+json'],
    responses: {
      200: 'the whole answer',
      400: 'a batch id that is not one',
      401: 'unauthorized',
      404: "unknown batch (or another caller's), pieces not kept, expired, or the batch incomplete (the detail says which)",
      409: 'the kept pieces cannot be joined into one file (the detail says why)',
      503: 'job log unavailable',
    },
  },
];

/** Express's path syntax for a contract path: /v1/models/{name} → /v1/models/:name. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
