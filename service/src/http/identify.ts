/**
 * Works out the caller after the bearer check (auth.ts), before the body is read. With Access
 * configured, a request that carries an assertion (the page's, through the Pages Function) is the
 * person it names, verified here again; without one, the caller is the token's name (scripts, the
 * CLI). Without Access configured, every caller is its token.
 */
import type { RequestHandler } from 'express';
import { AccessRefusal, ASSERTION_HEADER, AccessVerifier } from '../identity/access-assertion';
import { accessCallerId, AdminRule, Caller, isAdmin, tokenCallerId } from '../identity/caller';
import { problemBody } from './problem';
import { sendProblem } from './send-problem';

export interface IdentifyOptions {
  verify?: AccessVerifier;
  admins: AdminRule;
}

export function identify(opts: IdentifyOptions): RequestHandler {
  return (req, res, next) => {
    const assertion = req.get(ASSERTION_HEADER);
    if (!opts.verify || assertion === undefined) {
      res.locals.caller = { id: tokenCallerId(res.locals.tokenName), admin: false } satisfies Caller;
      return next();
    }
    opts.verify(assertion).then(
      (identity) => {
        res.locals.caller = { id: accessCallerId(identity), admin: isAdmin(identity, opts.admins) } satisfies Caller;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof AccessRefusal)) return next(error);
        res.locals.problemDetail = error.message;
        sendProblem(res, problemBody(error.status, error.status === 503 ? 'access-keys-unavailable' : 'access-denied', error.message), error.status === 503 ? { 'Retry-After': '5' } : {});
      },
    );
  };
}
