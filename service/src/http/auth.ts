/** Bearer-token check, run before the body is read so a wrong token never costs the upload. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { problemBody } from './problem';
import { sendProblem } from './send-problem';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** A short, non-reversible name for a token, kept in the job log instead of the token. */
export function tokenFingerprint(token: string): string {
  return digest(token).toString('hex').slice(0, 12);
}

/** A token the service accepts, and the name the job log keeps for its caller. */
export interface ApiToken {
  name: string;
  token: string;
}

/** A plain token (no name given) is named by its fingerprint. */
export const namedToken = (t: string | ApiToken): ApiToken => (typeof t === 'string' ? { name: tokenFingerprint(t), token: t } : t);

export function bearerAuth(apiTokens: readonly (string | ApiToken)[]): RequestHandler {
  const named = apiTokens.map(namedToken);
  const accepted = named.map((t) => digest(t.token));
  // Worked out once: a caller's fingerprint is its token's.
  const fingerprints = named.map((t) => tokenFingerprint(t.token));
  return (req, res, next) => {
    // Behind API Gateway the caller's header arrives renamed; the gateway's own JWT takes its place.
    const header = req.get('x-forwarded-authorization') ?? req.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    // Comparing digests keeps the comparison constant-time whatever the token's length.
    const presented = token ? digest(token) : undefined;
    let match = -1;
    accepted.forEach((candidate, k) => {
      if (presented && timingSafeEqual(candidate, presented)) match = k;
    });
    if (match >= 0) {
      res.locals.tokenFingerprint = fingerprints[match];
      res.locals.tokenName = named[match].name;
      return next();
    }
    const detail = token ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>';
    sendProblem(res, problemBody(401, 'unauthorized', detail), { 'WWW-Authenticate': 'Bearer realm="inference"' });
  };
}
