/**
 * Verifies a Cloudflare Access assertion (the `Cf-Access-Jwt-Assertion` header): signed by a key
 * of the team's JWKS, for this application's audience tag, issued by `https://<team domain>`, not
 * expired. Web APIs and jose only, so the Pages Function (workerd) and the service share it.
 * Access's rules: https://developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

export const ASSERTION_HEADER = 'cf-access-jwt-assertion';

export interface AccessSettings {
  /** <team>.cloudflareaccess.com: the issuer is https://<teamDomain>. */
  teamDomain: string;
  /** The Access application's audience (AUD) tag. */
  audience: string;
  /** Where the keys are; defaults to Access's https://<teamDomain>/cdn-cgi/access/certs. */
  jwksUrl?: string;
}

/** Who an assertion names: a person's email, or an Access service token's client id. */
export interface AccessIdentity {
  kind: 'person' | 'service-token';
  name: string;
  /** Group names, when Access is set to put them in the token (a `groups` claim, or `custom.groups`). */
  groups: string[];
}

/** Why an assertion was refused: 401 when there is none, 403 when it does not verify, 503 when the keys cannot be had. */
export class AccessRefusal extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    message: string,
  ) {
    super(message);
  }
}

export type AccessVerifier = (assertion: string | null | undefined) => Promise<AccessIdentity>;

export function accessIssuer(teamDomain: string): string {
  return `https://${teamDomain.replace(/^https:\/\//, '').replace(/\/+$/, '')}`;
}

export function createAccessVerifier(settings: AccessSettings): AccessVerifier {
  const issuer = accessIssuer(settings.teamDomain);
  // jose caches the keys (10 minutes) and fetches again when a token names a key id it does not
  // hold, at most once a second: Access publishes a new key before it signs with it.
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl ?? `${issuer}/cdn-cgi/access/certs`), { cooldownDuration: 1_000, timeoutDuration: 5_000 });
  return async (assertion) => {
    if (!assertion) throw new AccessRefusal(401, 'sign in through Cloudflare Access: the request carries no Cf-Access-Jwt-Assertion');
    let payload: JWTPayload;
    try {
      // Access signs with RS256 only; naming it keeps `none` and HMAC confusions out.
      ({ payload } = await jwtVerify(assertion, keys, { issuer, audience: settings.audience, algorithms: ['RS256'], requiredClaims: ['exp', 'iat'] }));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        throw new AccessRefusal(503, 'the Access team keys could not be fetched; try again in a minute');
      }
      throw new AccessRefusal(403, `the Access assertion is not valid (${reason(error)}); sign in again`);
    }
    const custom = (payload.custom ?? {}) as { groups?: unknown };
    const groups = [payload.groups, custom.groups].flatMap((g) => (Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : []));
    if (typeof payload.email === 'string' && payload.email !== '') return { kind: 'person', name: payload.email.toLowerCase(), groups };
    if (typeof payload.common_name === 'string' && payload.common_name !== '') return { kind: 'service-token', name: payload.common_name, groups };
    throw new AccessRefusal(403, 'the Access assertion names no email and no service token');
  };
}

/** A short reason that names the failed check, never the token. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `${error.claim} does not match`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by a key the team does not publish';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return (error as errors.JOSEError).code;
}
