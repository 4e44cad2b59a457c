/**
 * The HTTP contract (v1), declared once. The service mounts exactly these routes, and the
 * API Gateway's OpenAPI document is generated from this list (infra/), so the two cannot drift.
 */

export type Method = 'get' | 'post';

/** A query parameter a route reads; the OpenAPI documents list it, the route validates it. */
export interface QueryParam {
  name: string;
  type: 'string' | 'integer' | 'boolean';
  description: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

/** Names of the JSON bodies routes answer with (their schemas are in openapi-schemas.ts). */
export type BodySchema = 'Health' | 'Ready' | 'ModelList' | 'Model' | 'JobPage' | 'Job' | 'OpenApi';

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
  query?: readonly QueryParam[];
  /** The 200 answer's JSON body, for routes that answer JSON. */
  body?: BodySchema;
  /**
   * Part of the API's description of itself (/openapi.json, /docs): open without a token, and
   * reachable through the gateway and the page's proxy like the /v1 routes.
   */
  reference?: boolean;
}

const CSV_IN = ['multipart/form-data', 'text/csv'];
const JSON_OUT = ['application/json'];
const CSV_OUT = ['text/csv', 'application/problem+json'];

const ENCODINGS = ['auto', 'utf-8', 'shift_jis'] as const;
/** What piece-params.ts accepts: a batch id; the largest row offset (far past any spreadsheet, so a larger one is a mistake). */
export const BATCH_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
export const MAX_ROW_OFFSET = 2 ** 31 - 1;
const BATCH_PARAM: QueryParam = { name: 'batch', type: 'string', pattern: BATCH_ID_PATTERN, description: 'ties the pieces of one large file together in the job log (any id the client chooses, e.g. a UUID)' };
const PREDICT_QUERY: readonly QueryParam[] = [
  { name: 'encoding', type: 'string', enum: ENCODINGS, description: "the upload's text encoding; auto detects UTF-8 (BOM or not) or Shift_JIS" },
  { name: 'output_encoding', type: 'string', enum: ENCODINGS, description: "the answer's encoding; UTF-8 unless shift_jis is asked for" },
  { name: 'filename', type: 'string', description: 'the upload\'s file name for a text/csv body: the answer is named <name>-predictions.csv' },
  {
    name: 'row_offset',
    type: 'integer',
    minimum: 0,
    maximum: MAX_ROW_OFFSET,
    description: "for a piece of a larger file: the data rows before it in the whole file (blank lines included), so errors name the whole file's rows",
  },
  BATCH_PARAM,
];
const PREDICT_RESPONSES = {
  200: 'the uploaded CSV with prediction columns appended',
  400: 'empty or unreadable upload, or a bad query parameter',
  401: 'missing or wrong bearer token',
  404: 'unknown model',
  413: 'upload larger than the limit',
  415: 'not a CSV',
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
    summary: 'One model manifest',
    produces: JSON_OUT,
    responses: { 200: 'the manifest', 401: 'unauthorized', 404: 'unknown model' },
    body: 'Model',
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
    query: [
      { name: 'limit', type: 'integer', minimum: 1, maximum: 100, description: 'jobs per page (default 20)' },
      { name: 'cursor', type: 'string', description: 'nextCursor from the previous page' },
      { name: 'all', type: 'boolean', description: "everyone's jobs (admins only)" },
      BATCH_PARAM,
    ],
    body: 'JobPage',
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
];

/** Express's path syntax for a contract path: /v1/models/{name} → /v1/models/:name. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
