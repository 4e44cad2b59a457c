/** Writes a problem+json answer, and sets the request log's level for its type. */
import type { Response } from 'express';
import { ProblemBody, problemLogLevel } from './problem';
import { answerThenDiscard, bodyLeftUnread } from './unread-body';

/**
 * Sends the problem. An upload the client is still sending is read and thrown away for a bounded
 * time after the answer (unread-body.ts), so the client reads the answer instead of a reset.
 */
export function sendProblem(res: Response, body: ProblemBody, headers: Record<string, string> = {}): void {
  res.locals.logLevel ??= problemLogLevel(body.type);
  const json = JSON.stringify(body);
  if (bodyLeftUnread(res.req)) return answerThenDiscard(res.req, res, body.status, { ...headers, 'Content-Type': 'application/problem+json; charset=utf-8' }, json);
  res.status(body.status).set(headers).type('application/problem+json').send(json);
}
