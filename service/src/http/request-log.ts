/** One structured log line per request, with Cloud Logging's httpRequest and trace fields. */
import type { RequestHandler } from 'express';
import type { Logger } from '../logging';
import { traceField } from '../logging';

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
      if (status >= 500) logger.error(line, message);
      else if (status >= 400) logger.warn(line, message);
      else logger.info(line, message);
    });
    next();
  };
}
