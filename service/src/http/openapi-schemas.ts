/** JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the bodies the service answers with. */
import type { BodySchema } from './contract';
import { PROBLEMS } from './problem';

/** Every problem type the service sends (the catalogue in problem.ts), with its statuses and meaning. */
const PROBLEM_TYPES = Object.entries(PROBLEMS).map(([key, spec]) => ({ const: `/problems/${key}`, description: `${spec.status.join(', ')}: ${spec.about}` }));

const nullable = (type: string) => ({ type: [type, 'null'] });

export const SCHEMAS: Record<BodySchema | 'Problem' | 'RowError' | 'BatchTotals', Record<string, unknown>> = {
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
