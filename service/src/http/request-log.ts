/** One structured log line per request, with Cloud Logging's httpRequest and trace fields. */
import type { RequestHandler } from 'express';
import type { Logger } from '../logging';
import { traceField } from '../logging';

/** The levels a request's line is logged at: Cloud Logging's ERROR, WARNING and INFO. */
export type LogLevel = 'error' | 'warn' | 'info';

export function requestLog(logger: Logger, project?: string): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const trace = traceField(req.headers as Record<string, string>, project);
    res.locals.logger = logger.child(trace);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const line = {
        ...trace,
        httpRequest: {
          requestMethod: req.method,
          requestUrl: req.originalUrl,
          status,
          requestSize: req.headers['content-length'],
          responseSize: res.getHeader('content-length'),
          userAgent: req.get('user-agent'),
          remoteIp: req.ip,
          protocol: `HTTP/${req.httpVersion}`,
          latency: `${seconds.toFixed(6)}s`,
        },
        ...(res.locals.logFields as Record<string, unknown> | undefined),
      };
      const message = `${req.method} ${req.baseUrl}${req.path} ${status}`;
      // A route may say that an answer is expected (a probe's 503 while the models load), not an error.
      const level = (res.locals.logLevel as LogLevel | undefined) ?? (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');
      logger[level](line, message);
    });
    next();
  };
}
