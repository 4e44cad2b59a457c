/**
 * The service's OpenAPI 3.1 document (GET /openapi.json), generated from the contract
 * (contract.ts), as the gateway's OpenAPI 2.0 document is (infra/openapi.ts): one list of routes,
 * their query parameters and their problem responses, two documents that cannot drift from it.
 */
import { QueryParameter, ROUTES, RouteSpec, XLSX_MEDIA_TYPE } from './contract';
import { SCHEMAS } from './openapi-schemas';

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function querySchema(q: QueryParameter): Record<string, unknown> {
  const { name: _name, description: _description, ...rest } = q;
  return rest;
}

function parameters(route: RouteSpec) {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const query = (route.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: querySchema(q) }));
  return [...path, ...query];
}

function requestBody(route: RouteSpec) {
  if (!route.consumes) return undefined;
  const content: Record<string, unknown> = {};
  for (const type of route.consumes) {
    content[type] =
      type === 'multipart/form-data'
        ? { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', description: 'the CSV, TSV or .xlsx workbook' } } } }
        : type === XLSX_MEDIA_TYPE
          ? // OpenAPI 3.1 describes a binary body by its media type alone (no schema).
            {}
          : { schema: { type: 'string', description: 'the text itself' } };
  }
  return { required: true, content };
}

function okContent(route: RouteSpec): Record<string, unknown> {
  const types = route.produces.filter((t) => t !== 'application/problem+json');
  // A workbook is described by its media type alone, as in requestBody.
  return Object.fromEntries(types.map((type) => [type, type === XLSX_MEDIA_TYPE ? {} : { schema: route.body && type === 'application/json' ? { $ref: `#/components/schemas/${route.body}` } : { type: 'string' } }]));
}

function responses(route: RouteSpec) {
  const out: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(route.responses)) {
    const code = Number(status);
    if (code < 300) out[status] = { description, content: okContent(route) };
    // /readyz answers its 503 in its own JSON; every other error is a problem.
    else if (route.operationId === 'readyz') out[status] = { description, content: okContent(route) };
    else out[status] = { description, content: PROBLEM, ...(code === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds to wait' } } } : {}) };
  }
  return out;
}

export function openApi31Document(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const body = requestBody(route);
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      parameters: parameters(route),
      ...(body ? { requestBody: body } : {}),
      responses: responses(route),
      security: route.auth ? [{ bearer: [] }] : [],
    };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Tabular inference API',
      version: '1.0.0',
      description:
        'CSV in, ONNX predictions out. Errors are RFC 9457 problem details (application/problem+json). ' +
        'A file over the 32 MiB request cap is sent as pieces at record boundaries, the header repeated, with row_offset and batch. ' +
        'Generated from service/src/http/contract.ts.',
    },
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <token>; behind the gateway, also x-api-key' } },
    },
  };
}
