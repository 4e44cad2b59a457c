/**
 * The Node HTTP server under the app: its timeouts, its answers to requests Node refuses before
 * the app sees them, and the drain on shutdown.
 */
import { createServer, IncomingMessage, RequestListener, Server, ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logging';
import { problemBody, ProblemType } from './problem';

export interface HttpTimeouts {
  /** From the first byte of a request (or of the connection) to the end of its headers. */
  headersTimeoutMs: number;
  /** From the first byte of a request to the end of its body. */
  requestTimeoutMs: number;
}

/**
 * Longer than Google's front end keeps an idle connection to a backend (fixed at 600 s: "backend
 * HTTP keepalive timeout", Cloud Load Balancing docs), so the front end, not us, closes an idle
 * connection: otherwise a request it sends as we close gets a reset (a 502 for the user).
 */
const KEEP_ALIVE_TIMEOUT_MS = 620_000;
/** How often Node checks headersTimeout and requestTimeout: the slack on both. */
const TIMEOUT_CHECK_MS = 1000;
/** After SIGTERM, how long a connection that is idle may still bring a request (answered with Connection: close). */
const DRAIN_IDLE_GRACE_MS = 500;

export interface HttpServer {
  server: Server;
  /** Stops taking connections; every answer from now on closes its connection; resolves when all have. */
  drain(): Promise<void>;
}

export function createHttpServer(app: RequestListener, logger: Logger, timeouts: HttpTimeouts): HttpServer {
  let draining = false;
  let closed = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    (req: IncomingMessage, res: ServerResponse) => {
      // Before the app runs: a route that answers at once would otherwise have promised keep-alive.
      if (draining) res.shouldKeepAlive = false;
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        // An answer sent with keep-alive before the drain leaves its connection idle once done.
        if (closed) setImmediate(() => server.closeIdleConnections());
      });
      app(req, res);
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, logger));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const drain = () =>
    new Promise<void>((resolve) => {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      // A request already on its way over an idle connection is answered, not reset.
      setTimeout(() => {
        closed = true;
        server.close(() => resolve());
        // Not only closeIdleConnections(): a connection that never sent a request is not idle to
        // Node, and would hold the close until its headers timeout.
        const answering = new Set([...inFlight].map((res) => res.socket));
        for (const socket of sockets) if (!answering.has(socket)) socket.destroy();
      }, DRAIN_IDLE_GRACE_MS);
    });
  return { server, drain };
}

const CLIENT_ERRORS: Record<string, [number, ProblemType, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'header-too-large', 'the request headers are larger than 16 KiB'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'bad-request', 'the chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request-timeout', 'the request did not arrive in time; send its headers at once and its body without pauses'],
};

/** Sockets already answered: the parser reports every later chunk of a broken request again. */
const answered = new WeakSet<Socket>();

/**
 * Node's own answers to a request it cannot parse or that took too long (400, 408, 431) are bare
 * status lines; these are problem+json like every other answer.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, logger: Logger): void {
  if (answered.has(socket)) return;
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  answered.add(socket);
  const [status, slug, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'bad-request', `the request is not valid HTTP/1.1 (${error.code ?? error.message})`];
  logger.warn({ httpRequest: { status, remoteIp: socket.remoteAddress }, code: error.code }, `${status} before routing: ${error.code ?? error.message}`);
  // Only if no answer has begun on this connection: otherwise a status line would corrupt it.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (inFlight?.headersSent) return void socket.destroy();
  const body = JSON.stringify(problemBody(status, slug, detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // Closed a second later, not at once: what the client still sends meanwhile is thrown away
  // instead of resetting the connection before it has read the answer (see unread-body.ts).
  setTimeout(() => socket.destroy(), 1000).unref();
}
