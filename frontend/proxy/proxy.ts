/**
 * The Pages Function's work: verify the caller's Cloudflare Access assertion, then forward an
 * allowed /api/* request to `${API_URL}/v1/*` with the credentials from the function's secrets
 * and the assertion, streaming both bodies, and answer what it refuses (no or bad assertion,
 * unknown route, wrong method, oversize upload, unreachable API) as problem+json itself.
 */
import { problemBody, ProblemType } from '../../service/src/http/problem';
import { AccessRefusal, AccessVerifier, ASSERTION_HEADER, createAccessVerifier } from '../../service/src/identity/access-assertion';
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
  /** The Access team domain (<team>.cloudflareaccess.com); the issuer is https://<it>. Written by the edge stack. */
  ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's audience tag. Written by the edge stack. */
  ACCESS_AUD?: string;
  /** Where the team's keys are, for local runs; defaults to https://<team domain>/cdn-cgi/access/certs. */
  ACCESS_JWKS_URL?: string;
  /**
   * "true" forwards without an assertion: only for a site without Access (edge.public, or a local
   * run). Without it and without the Access settings, the function refuses every request.
   */
  ACCESS_OPEN?: string;
}

const DEFAULT_MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
/**
 * Credentials and hop-by-hop headers a browser must not pass on to the API. `expect` too: the API's
 * "100 Continue" would reach the function as if it were the response.
 */
const DROPPED_REQUEST_HEADERS = ['authorization', 'x-forwarded-authorization', 'x-api-key', 'cookie', 'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'expect'];
/**
 * What a client could claim about where it is or which trace it belongs to: the function says
 * where the request came from itself (X-Forwarded-For from CF-Connecting-IP), and traces start here.
 */
const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded', 'x-real-ip', 'true-client-ip', 'via', 'x-cloud-trace-context', 'traceparent', 'tracestate', 'baggage', 'b3', 'grpc-trace-bin'];
const isForwarding = (name: string) => FORWARDING_HEADERS.includes(name) || name.startsWith('x-b3-') || name.startsWith('x-amzn-trace');
const DROPPED_RESPONSE_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'set-cookie'];

function problem(status: number, slug: ProblemType, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(status, slug, detail)), { status, headers: { 'content-type': 'application/problem+json', ...headers } });
}

function upstreamHeaders(request: Request, env: ProxyEnv, assertion: string | null): Headers {
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!DROPPED_REQUEST_HEADERS.includes(name) && !name.startsWith('cf-') && !isForwarding(name)) headers.set(name, value);
  });
  headers.set('authorization', `Bearer ${env.API_TOKEN}`);
  if (env.API_KEY) headers.set('x-api-key', env.API_KEY);
  // The service verifies it again (the gateway and Cloud Run know nothing of Access).
  if (assertion) headers.set(ASSERTION_HEADER, assertion);
  const client = request.headers.get('cf-connecting-ip');
  if (client) headers.set('x-forwarded-for', client);
  return headers;
}

/** One verifier per isolate and settings: its key cache lives as long as the isolate. */
let verifier: { key: string; verify: AccessVerifier } | undefined;

function accessVerifier(env: ProxyEnv): AccessVerifier | undefined {
  if (!env.ACCESS_TEAM_DOMAIN || !env.ACCESS_AUD) return undefined;
  const key = `${env.ACCESS_TEAM_DOMAIN}|${env.ACCESS_AUD}|${env.ACCESS_JWKS_URL ?? ''}`;
  if (verifier?.key !== key) verifier = { key, verify: createAccessVerifier({ teamDomain: env.ACCESS_TEAM_DOMAIN, audience: env.ACCESS_AUD, jwksUrl: env.ACCESS_JWKS_URL || undefined }) };
  return verifier.verify;
}

/** The verified assertion to forward, null on an open site, or the refusal to answer with. */
async function checkAccess(request: Request, env: ProxyEnv): Promise<string | null | Response> {
  const verify = accessVerifier(env);
  if (!verify) {
    if (env.ACCESS_OPEN === 'true') return null;
    return problem(503, 'access-not-configured', 'this site has no Cloudflare Access settings (ACCESS_TEAM_DOMAIN, ACCESS_AUD); the platform team deploys them with the edge stack');
  }
  const assertion = request.headers.get(ASSERTION_HEADER);
  try {
    await verify(assertion);
  } catch (error) {
    if (!(error instanceof AccessRefusal)) throw error;
    return problem(error.status, error.status === 503 ? 'access-keys-unavailable' : 'access-denied', error.message, error.status === 503 ? { 'retry-after': '5' } : {});
  }
  return assertion;
}

export async function proxy(request: Request, env: ProxyEnv): Promise<Response> {
  // Before anything else, so nothing about the API (not even its routes) is shown to a stranger.
  const access = await checkAccess(request, env);
  if (access instanceof Response) return access;
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
    upstream = await fetch(target, { method: request.method, headers: upstreamHeaders(request, env, access), body: hasBody ? request.body : undefined, redirect: 'manual' });
  } catch {
    return problem(502, 'bad-gateway', 'the prediction service could not be reached; try again in a minute');
  }
  const headers = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) headers.delete(name);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
}
