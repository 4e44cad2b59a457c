/**
 * The Pages Function's work: forward an allowed /api/* request to `${API_URL}/v1/*` with the
 * credentials from the function's secrets, streaming both bodies, and answer what it refuses
 * (unknown route, wrong method, oversize upload, unreachable API) as problem+json itself.
 */
import { problemBody, ProblemType } from '../../service/src/http/problem';
import { matchApiRoute } from './allowlist';

export interface ProxyEnv {
  /** Base URL of the API: the gateway in the cloud, the service locally. */
  API_URL: string;
  /** Bearer token the service accepts. */
  API_TOKEN: string;
  /** API Gateway key; unset locally, where the service is called directly. */
  API_KEY?: string;
  /** Upload cap in bytes; defaults to Cloud Run's and API Gateway's 32 MiB. */
  MAX_UPLOAD_BYTES?: string;
}

const DEFAULT_MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
/**
 * Credentials and hop-by-hop headers a browser must not pass on to the API. `expect` too: the API's
 * "100 Continue" would reach the function as if it were the response.
 */
const DROPPED_REQUEST_HEADERS = ['authorization', 'x-forwarded-authorization', 'x-api-key', 'cookie', 'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'expect'];
const DROPPED_RESPONSE_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'set-cookie'];

function problem(status: number, slug: ProblemType, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(status, slug, detail)), { status, headers: { 'content-type': 'application/problem+json', ...headers } });
}

function upstreamHeaders(request: Request, env: ProxyEnv): Headers {
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!DROPPED_REQUEST_HEADERS.includes(name) && !name.startsWith('cf-')) headers.set(name, value);
  });
  headers.set('authorization', `Bearer ${env.API_TOKEN}`);
  if (env.API_KEY) headers.set('x-api-key', env.API_KEY);
  return headers;
}

export async function proxy(request: Request, env: ProxyEnv): Promise<Response> {
  const url = new URL(request.url);
  const route = matchApiRoute(url.pathname, request.method);
  if (!route.ok) {
    if (route.status === 404) return problem(404, 'not-found', `${url.pathname} is not an API route`);
    return problem(405, 'method-not-allowed', `${url.pathname} takes ${route.allow.join(', ')}`, { allow: route.allow.join(', ') });
  }

  // Only the query parameters the contract declares for the route go on to the service.
  const unknown = route.query ? [...url.searchParams.keys()].find((name) => !route.query!.has(name)) : undefined;
  if (unknown !== undefined) return problem(400, 'bad-parameter', `${url.pathname} takes no query parameter "${unknown}"; it takes ${[...route.query!].join(', ')}`);

  const limit = Number(env.MAX_UPLOAD_BYTES ?? DEFAULT_MAX_UPLOAD_BYTES);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const length = request.headers.get('content-length');
  // A body without a length could only be capped by cutting it, and workerd ends a cut upload as if
  // it were complete: the API would predict a truncated file. Browsers always send the length.
  if (hasBody && length === null) return problem(411, 'length-required', 'send the upload with a Content-Length header');
  if (hasBody && Number(length) > limit) {
    return problem(413, 'too-large', `the upload is larger than ${Math.round(limit / 1048576)} MiB; split the file and upload the parts`);
  }

  const target = `${env.API_URL.replace(/\/+$/, '')}${route.upstreamPath}${url.search}`;
  let upstream: Response;
  try {
    upstream = await fetch(target, { method: request.method, headers: upstreamHeaders(request, env), body: hasBody ? request.body : undefined, redirect: 'manual' });
  } catch {
    return problem(502, 'bad-gateway', 'the prediction service could not be reached; try again in a minute');
  }
  const headers = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) headers.delete(name);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
}
