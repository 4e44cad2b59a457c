/** Structured JSON logs in the shape Cloud Logging reads: severity, message, httpRequest, trace. */
import pino, { Logger } from 'pino';

const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      messageKey: 'message',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
      // Credentials never reach a log line, whoever logs the request.
      redact: { paths: ['req.headers.authorization', 'req.headers["x-forwarded-authorization"]', 'token'], censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * The trace id of a request, from W3C `traceparent` or Google's `X-Cloud-Trace-Context`,
 * as the `logging.googleapis.com/trace` value that groups a request's lines.
 */
export function traceField(
  headers: { traceparent?: string; 'x-cloud-trace-context'?: string },
  project?: string,
): Record<string, string> {
  const fromW3c = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/i.exec(headers.traceparent ?? '')?.[1];
  const fromGoogle = /^([\da-f]{32})(?:\/|$)/i.exec(headers['x-cloud-trace-context'] ?? '')?.[1];
  const traceId = fromW3c ?? fromGoogle;
  if (!traceId) return {};
  return { 'logging.googleapis.com/trace': project ? `projects/${project}/traces/${traceId}` : traceId };
}
