/**
 * The API's description of itself: /openapi.json validates against the OpenAPI 3.1 schema (and the
 * gateway's document against 2.0's), names every route of the contract with its query parameters,
 * and /docs is served from here with its CSP. (That /docs renders without CSP violations is
 * checked in real Chromium: frontend/test/docs.browser.test.ts.)
 */
import request from 'supertest';
import { openApiDocument } from '../../infra/openapi';
import { ROUTES } from '../src/http/contract';
import { PROBLEMS } from '../src/http/problem';
import { DOCS_CSP } from '../src/routes/reference';
import { buildTestApp, TestApp } from './helpers';
import { validateOpenApi } from './openapi-validator';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

type Doc = { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; security: unknown[]; responses: Record<string, any> }>> };

describe('GET /openapi.json', () => {
  let doc: Doc;
  beforeAll(async () => {
    const res = await request(t.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    doc = res.body;
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const result = validateOpenApi(doc);
    expect(result).toEqual({ valid: true });
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('names every route of the contract, with its path and query parameters and its security', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of ROUTES) {
      const op = doc.paths[r.path][r.method];
      const names = op.parameters.map((p) => `${p.in}:${p.name}`);
      const expected = [...[...r.path.matchAll(/\{(\w+)\}/g)].map(([, n]) => `path:${n}`), ...(r.query ?? []).map((q) => `query:${q.name}`)];
      expect({ route: r.operationId, names }).toEqual({ route: r.operationId, names: expected });
      expect(op.security).toEqual(r.auth ? [{ bearer: [] }] : []);
      expect(Object.keys(op.responses).sort()).toEqual(Object.keys(r.responses).sort());
    }
    const predict = doc.paths['/v1/predict'].post;
    expect(predict.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['row_offset', 'batch', 'keep']));
    expect(predict.parameters.find((p) => p.name === 'keep')).toMatchObject({ in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } });
    expect(predict.parameters.find((p) => p.name === 'pieces')).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1 } });
    // The kept answers again: a job's, and a batch's as one file.
    const batch = doc.paths['/v1/batches/{batch}/result'].get;
    expect(batch.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:batch']);
    expect(Object.keys(batch.responses).sort()).toEqual(['200', '400', '401', '404', '409', '503']);
    expect(doc.paths['/v1/jobs/{id}/result'].get.responses['404']).toBeDefined();
    expect(predict.responses['422'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(predict.responses['503'].headers['Retry-After']).toBeDefined();
    const types = (doc as any).components.schemas.Problem.properties.type.oneOf.map((t: { const: string }) => t.const);
    expect(types).toEqual(Object.keys(PROBLEMS).map((k) => `/problems/${k}`));
  });

  it('fails validation when the document is broken (the validator can say no)', async () => {
    const broken = structuredClone(doc) as any;
    broken.paths['/v1/predict'].post.parameters[0].in = 'body-ish';
    expect(validateOpenApi(broken).valid).toBe(false);
  });

  it("the gateway's OpenAPI 2.0 document, from the same contract, validates against 2.0's schema and lists the query parameters", async () => {
    const gateway = openApiDocument({ address: 'https://svc.run.app', deadlineSeconds: 300, title: 't' }) as any;
    expect(validateOpenApi(gateway)).toEqual({ valid: true });
    expect(gateway.paths['/v1/jobs'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursor', 'all', 'batch']);
    for (const path of ['/openapi.json', '/docs', '/docs/{file}']) expect(gateway.paths[path].get.security).toEqual([]);
  });
});

describe('GET /docs', () => {
  it('serves the reference page and its files from this service, each with the CSP', async () => {
    const page = await request(t.app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(2);
    for (const src of sources) {
      expect(src).toMatch(/^docs\//);
      const asset = await request(t.app).get(`/${src}`);
      expect({ src, status: asset.status }).toEqual({ src, status: 200 });
      expect(asset.headers['content-security-policy']).toBe(DOCS_CSP);
    }
    expect(DOCS_CSP).not.toMatch(/unsafe|https?:|\*/);
  });

  it('serves nothing but its own files', async () => {
    for (const path of ['/docs/package.json', '/docs/..%2Fpackage.json', '/docs/index.html', '/docs/swagger-ui-bundle.js.map']) {
      const res = await request(t.app).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const slash = await request(t.app).get('/docs/');
    expect(slash.status).toBe(301);
    expect(slash.headers.location).toBe('../docs');
  });
});
