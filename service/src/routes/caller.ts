/** GET /v1/me: who the service takes the caller to be, for the page's "signed in as". */
import { Router } from 'express';
import type { Caller } from '../identity/caller';

export function callerRouter(): Router {
  const router = Router();
  router.get('/v1/me', (_req, res) => {
    const caller = res.locals.caller as Caller;
    res.json({ caller: caller.id, admin: caller.admin });
  });
  return router;
}
