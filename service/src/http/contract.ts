/**
 * The HTTP contract (v1), declared once. The service mounts exactly these routes, and the
 * API Gateway's OpenAPI document is generated from this list (infra/), so the two cannot drift.
 */

export type Method = 'get' | 'post';

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
}

const CSV_IN = ['multipart/form-data', 'text/csv'];
const JSON_OUT = ['application/json'];
const CSV_OUT = ['text/csv', 'application/problem+json'];
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
  { operationId: 'healthz', method: 'get', path: '/healthz', auth: false, summary: 'Liveness', produces: JSON_OUT, responses: { 200: 'alive' } },
  {
    operationId: 'readyz',
    method: 'get',
    path: '/readyz',
    auth: false,
    summary: 'Readiness: models loaded; the database state is reported',
    produces: JSON_OUT,
    responses: { 200: 'ready', 503: 'not ready, with the reason' },
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
  { operationId: 'listModels', method: 'get', path: '/v1/models', auth: true, summary: 'Model manifests', produces: JSON_OUT, responses: { 200: 'the models', 401: 'unauthorized' } },
  {
    operationId: 'getModel',
    method: 'get',
    path: '/v1/models/{name}',
    auth: true,
    summary: 'One model manifest',
    produces: JSON_OUT,
    responses: { 200: 'the manifest', 401: 'unauthorized', 404: 'unknown model' },
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
  },
  {
    operationId: 'listJobs',
    method: 'get',
    path: '/v1/jobs',
    auth: true,
    summary: 'Prediction job log, newest first (cursor pagination)',
    produces: JSON_OUT,
    responses: { 200: 'a page of the caller’s jobs (everyone’s with ?all=true, for admins)', 400: 'bad limit or cursor', 401: 'unauthorized', 403: 'all=true by a caller who is not an admin', 503: 'job log unavailable' },
  },
  {
    operationId: 'getJob',
    method: 'get',
    path: '/v1/jobs/{id}',
    auth: true,
    summary: 'One prediction job',
    produces: JSON_OUT,
    responses: { 200: 'the job', 401: 'unauthorized', 404: 'no job with this id that the caller may see', 503: 'job log unavailable' },
  },
];

/** Express's path syntax for a contract path: /v1/models/{name} → /v1/models/:name. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
