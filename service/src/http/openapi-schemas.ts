/** JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the bodies the service answers with. */
import type { BodySchema } from './contract';
import { PROBLEMS } from './problem';

/** Every problem type the service sends (the catalogue in problem.ts), with its statuses and meaning. */
const PROBLEM_TYPES = Object.entries(PROBLEMS).map(([key, spec]) => ({ const: `/problems/${key}`, description: `${spec.status.join(', ')}: ${spec.about}` }));

const nullable = (type: string) => ({ type: [type, 'null'] });

export const SCHEMAS: Record<BodySchema | 'Problem' | 'RowError' | 'BatchTotals' | 'BatchEntry', Record<string, unknown>> = {
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Ready: {
    type: 'object',
    required: ['status', 'models', 'database', 'queuedJobRecords'],
    properties: {
      status: { enum: ['ready', 'degraded', 'not ready'] },
      models: { enum: ['loaded', 'loading'] },
      database: { type: 'string' },
      queuedJobRecords: { type: 'integer' },
      reasons: { type: 'array', items: { type: 'string' } },
    },
  },
  Model: {
    type: 'object',
    required: ['name', 'version', 'task', 'features'],
    properties: {
      name: { type: 'string' },
      version: { type: 'string' },
      task: { enum: ['classification', 'regression'] },
      features: { type: 'array', items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string' } } } },
      classes: { type: 'array', items: { type: 'string' } },
      default: { type: 'boolean' },
      outputColumns: { type: 'array', items: { type: 'string' } },
      emptyAllowed: { type: 'array', items: { type: 'string' } },
      sha256: { type: 'string' },
    },
  },
  ModelDetail: {
    allOf: [
      { $ref: '#/components/schemas/Model' },
      {
        type: 'object',
        required: ['formats', 'predictParameters'],
        properties: {
          formats: {
            type: 'array',
            description: 'what a predict upload may be, and the query parameters that apply to each',
            items: {
              type: 'object',
              required: ['format', 'extensions', 'mediaTypes', 'about', 'parameters'],
              properties: {
                format: { enum: ['csv', 'tsv', 'xlsx'] },
                extensions: { type: 'array', items: { type: 'string' } },
                mediaTypes: { type: 'array', items: { type: 'string' } },
                about: { type: 'string' },
                parameters: { type: 'array', items: { type: 'string' } },
              },
            },
          },
          predictParameters: {
            type: 'array',
            description: "predict's query parameters, as the contract declares them",
            items: {
              type: 'object',
              required: ['name', 'type', 'description'],
              properties: { name: { type: 'string' }, type: { enum: ['string', 'integer', 'boolean'] }, description: { type: 'string' }, enum: { type: 'array', items: { type: 'string' } }, minimum: { type: 'number' }, maximum: { type: 'number' }, pattern: { type: 'string' } },
            },
          },
        },
      },
    ],
  },
  ModelList: {
    type: 'object',
    required: ['models', 'default'],
    properties: { models: { type: 'array', items: { $ref: '#/components/schemas/Model' } }, default: { type: 'string' } },
  },
  Job: {
    type: 'object',
    required: ['id', 'modelName', 'status', 'httpStatus', 'bytesIn', 'durationMs', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      modelName: { type: 'string' },
      modelVersion: nullable('string'),
      status: { enum: ['succeeded', 'rejected', 'failed'] },
      httpStatus: { type: 'integer' },
      rows: nullable('integer'),
      bytesIn: { type: 'integer' },
      bytesOut: nullable('integer'),
      durationMs: { type: 'integer' },
      errorSummary: nullable('string'),
      tokenFingerprint: nullable('string'),
      createdAt: { type: 'string', format: 'date-time' },
      batch: nullable('string'),
      errorCount: nullable('integer'),
      result: {
        type: 'object',
        description: 'where the answer was kept and until when (GET /v1/jobs/{id}/result); absent when it was not kept',
        required: ['location', 'expiresAt'],
        properties: { location: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
      },
      piece: {
        type: 'object',
        description: 'for a piece of a batch: where it sits in its file',
        required: ['rowOffset', 'pieces', 'fileName'],
        properties: { rowOffset: { type: 'integer' }, pieces: nullable('integer'), fileName: nullable('string') },
      },
    },
  },
  BatchEntry: {
    type: 'object',
    description: "a batch's pieces as one file, each row offset counted once (a retried piece by its best attempt)",
    required: ['id', 'caller', 'fileName', 'modelName', 'modelVersion', 'firstAt', 'lastAt', 'pieces', 'scored', 'requests', 'rows', 'errors', 'status'],
    properties: {
      id: { type: 'string', description: 'the batch id (GET /v1/batches/{id}/result, GET /v1/jobs?batch=)' },
      caller: nullable('string'),
      fileName: { ...nullable('string'), description: 'the file as its first piece was sent' },
      modelName: { type: 'string' },
      modelVersion: nullable('string'),
      firstAt: { type: 'string', format: 'date-time', description: "its first piece's time: its place in the history" },
      lastAt: { type: 'string', format: 'date-time' },
      pieces: { type: 'integer', description: 'as the last piece declared (?pieces=), else the pieces seen so far' },
      scored: { type: 'integer', description: 'pieces scored' },
      requests: { type: 'integer', description: 'requests recorded, retries included' },
      rows: { type: 'integer', description: 'rows of the scored pieces' },
      errors: { type: 'integer', description: "the pieces' row errors, all of them" },
      status: { enum: ['complete', 'errors', 'incomplete'], description: 'complete: every declared piece scored; errors: rows refused; incomplete: cancelled, refused otherwise, or still being sent' },
      result: {
        type: 'object',
        description: 'present while every piece is kept and unexpired: GET /v1/batches/{id}/result serves the whole answer until expiresAt',
        required: ['expiresAt'],
        properties: { expiresAt: { type: 'string', format: 'date-time' } },
      },
    },
  },
  HistoryPage: {
    type: 'object',
    required: ['entries', 'nextCursor'],
    properties: {
      entries: {
        type: 'array',
        items: {
          oneOf: [
            { type: 'object', required: ['job'], properties: { job: { $ref: '#/components/schemas/Job' } }, additionalProperties: false },
            { type: 'object', required: ['batch'], properties: { batch: { $ref: '#/components/schemas/BatchEntry' } }, additionalProperties: false },
          ],
        },
      },
      nextCursor: nullable('string'),
    },
  },
  BatchTotals: {
    type: 'object',
    required: ['id', 'pieces', 'succeeded', 'rows', 'bytesIn', 'bytesOut', 'errors'],
    properties: {
      id: { type: 'string' },
      pieces: { type: 'integer', description: 'requests recorded under the batch (a retried piece counts each time it arrived)' },
      succeeded: { type: 'integer' },
      rows: { type: 'integer' },
      bytesIn: { type: 'integer' },
      bytesOut: { type: 'integer' },
      errors: { type: 'integer', description: "the sum of the pieces' totalErrors" },
      firstAt: { type: ['string', 'null'], format: 'date-time' },
      lastAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  JobPage: {
    type: 'object',
    required: ['jobs', 'nextCursor'],
    properties: {
      jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } },
      nextCursor: nullable('string'),
      batch: { $ref: '#/components/schemas/BatchTotals', description: 'with ?batch= only' },
    },
  },
  OpenApi: { type: 'object', required: ['openapi', 'info', 'paths'] },
  RowError: {
    type: 'object',
    required: ['row', 'column', 'message'],
    properties: {
      row: { type: ['integer', 'null'], description: "1-based data row (spreadsheet row − 1; with row_offset, the whole file's); null for the header" },
      column: nullable('string'),
      message: { type: 'string' },
      cell: { type: 'string', description: 'in a workbook, the cell at fault (e.g. D6)' },
    },
  },
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { oneOf: PROBLEM_TYPES, description: 'the kind of problem, from the catalogue' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string', description: 'what went wrong and what to do next' },
      errors: { type: 'array', maxItems: 100, items: { $ref: '#/components/schemas/RowError' } },
      totalErrors: { type: 'integer', description: 'all the errors found, listed or not' },
      sheets: {
        type: 'array',
        description: "a workbook's sheets, with an unknown ?sheet= or a sheet without the model's columns: pick one with ?sheet=",
        items: { type: 'object', required: ['name', 'hasModelColumns'], properties: { name: { type: 'string' }, hasModelColumns: { type: 'boolean' } } },
      },
    },
  },
};
