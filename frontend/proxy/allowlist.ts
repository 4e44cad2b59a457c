/**
 * Which /api/* requests the proxy forwards: exactly the service contract's /v1 routes and methods
 * (/api/models → /v1/models) and its reference routes (/api/openapi.json → /openapi.json,
 * /api/docs), from service/src/http/contract.ts, so the page can reach nothing else behind the gateway.
 */
import { ROUTES } from '../../service/src/http/contract';

const API_PREFIX = '/api';

interface ApiRoute {
  method: string;
  pattern: RegExp;
  /** What goes before the path under /api upstream: /v1 for the API, nothing for the reference. */
  upstreamPrefix: string;
  /** The query parameters the contract declares for the route; undefined when it declares none (any pass). */
  query?: ReadonlySet<string>;
}

const API_ROUTES: ApiRoute[] = ROUTES.filter((r) => r.path.startsWith('/v1/') || r.reference).map((r) => {
  const upstreamPrefix = r.path.startsWith('/v1/') ? '/v1' : '';
  return {
    method: r.method.toUpperCase(),
    // Path parameters match one segment; the service validates their content.
    pattern: new RegExp(`^${r.path.slice(upstreamPrefix.length).replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
    upstreamPrefix,
    query: r.query ? new Set(r.query.map((q) => q.name)) : undefined,
  };
});

export type RouteMatch = { ok: true; upstreamPath: string; query?: ReadonlySet<string> } | { ok: false; status: 404 } | { ok: false; status: 405; allow: string[] };

export function matchApiRoute(pathname: string, method: string): RouteMatch {
  if (!pathname.startsWith(`${API_PREFIX}/`)) return { ok: false, status: 404 };
  const rest = pathname.slice(API_PREFIX.length);
  const routes = API_ROUTES.filter((r) => r.pattern.test(rest));
  if (routes.length === 0) return { ok: false, status: 404 };
  const route = routes.find((r) => r.method === method);
  if (!route) return { ok: false, status: 405, allow: routes.map((r) => r.method) };
  return { ok: true, upstreamPath: `${route.upstreamPrefix}${rest}`, query: route.query };
}
