/**
 * A stand-in for API Gateway in front of the service: its api_key security definition
 * (infra/openapi.ts) lets through only requests with the right x-api-key, and refuses the others
 * as Google's gateway does, 401 without a key and 403 with a wrong one, with a JSON {code, message}.
 */
import { API_KEY_HEADER } from '../../infra/openapi';
import { FlakyProxy } from './flaky-proxy';

export const MISSING_KEY = "UNAUTHENTICATED: Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
export const WRONG_KEY = 'PERMISSION_DENIED: API key not valid. Please pass a valid API key.';

export function apiGatewayStandIn(service: URL, apiKey: string): FlakyProxy {
  return new FlakyProxy(service, (req) => {
    const key = req.headers[API_KEY_HEADER];
    if (key === undefined) return { refuse: 401, message: MISSING_KEY };
    return key === apiKey ? 'pass' : { refuse: 403, message: WRONG_KEY };
  });
}
