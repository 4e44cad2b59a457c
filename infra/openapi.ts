/**
 * The API Gateway's OpenAPI 2.0 document, generated from the service's own route list
 * (service/src/http/contract.ts), so the gateway cannot expose a route the service lacks or
 * miss one it has.
 */
import { createHash } from 'node:crypto';
import { ROUTES } from '../service/src/http/contract';

export interface GatewayBackend {
  /** The Cloud Run service URL (a Terraform token at synth time). */
  address: string;
  deadlineSeconds: number;
  title: string;
}

export const API_KEY_HEADER = 'x-api-key';

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, type: 'string' }));
}

export function openApiDocument(backend: GatewayBackend): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.consumes ? { consumes: route.consumes } : {}),
      produces: route.produces,
      parameters: [
        ...pathParameters(route.path),
        ...(route.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, type: q.type, description: q.description, ...(q.enum ? { enum: q.enum } : {}) })),
      ],
      // Health routes stay open so uptime checks need no key; everything else needs the API key.
      security: route.auth ? [{ api_key: [] }] : [],
      responses: Object.fromEntries(Object.entries(route.responses).map(([status, description]) => [status, { description }])),
    };
  }
  return {
    swagger: '2.0',
    info: { title: backend.title, version: '1.0.0', description: 'CSV in, ONNX predictions out. Generated from service/src/http/contract.ts.' },
    schemes: ['https'],
    'x-google-backend': {
      address: backend.address,
      // The gateway signs its calls with an ID token for this audience; Cloud Run checks it.
      jwt_audience: backend.address,
      deadline: backend.deadlineSeconds,
      path_translation: 'APPEND_PATH_TO_ADDRESS',
    },
    securityDefinitions: { api_key: { type: 'apiKey', name: API_KEY_HEADER, in: 'header' } },
    paths,
  };
}

/**
 * A short hash of the document as it would be with a fixed backend, for the api config id: a
 * change of routes or settings makes a new config, created before the old one is destroyed.
 */
export function documentHash(deadlineSeconds: number, title: string): string {
  const doc = JSON.stringify(openApiDocument({ address: 'https://backend.invalid', deadlineSeconds, title }));
  return createHash('sha256').update(doc).digest('hex').slice(0, 10);
}
