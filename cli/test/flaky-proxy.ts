/**
 * A small real HTTP proxy in front of the service that misbehaves on cue, one request at a time:
 * answer 503 with a Retry-After, drop the connection before answering (as a restarted instance
 * does), cut the answer halfway, or end it halfway as if it were whole (chunked, as workerd
 * passes on an answer cut behind it), or refuse it as API Gateway does. Every other request
 * passes through untouched.
 */
import { createServer, request, Server, IncomingMessage, ServerResponse } from 'node:http';

/** `refuse`: answered here with that status and a JSON body, as API Gateway refuses a request (`{code, message}`). */
export type Fault = 'pass' | { status503: number } | { refuse: number; message: string } | 'drop' | 'cut' | 'end-short';

/** The fault for the n-th request (from 0), by its place or by a rule that reads the request. */
export type Faults = Fault[] | ((req: IncomingMessage, n: number) => Fault);

export interface SeenRequest {
  at: number;
  fault: Fault;
  url: string;
}

export class FlakyProxy {
  private server: Server | undefined;
  readonly seen: SeenRequest[] = [];
  port = 0;

  /** `faults[i]` is done to the i-th request; requests after the list pass. */
  constructor(
    private readonly target: URL,
    private readonly faults: Faults,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server!.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const fault = (typeof this.faults === 'function' ? this.faults(req, this.seen.length) : this.faults[this.seen.length]) ?? 'pass';
    this.seen.push({ at: performance.now(), fault, url: req.url ?? '' });
    if (fault === 'drop') return void req.socket.destroy();
    if (typeof fault === 'object' && 'refuse' in fault) {
      req.resume();
      res.writeHead(fault.refuse, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ code: fault.refuse, message: fault.message }));
    }
    if (typeof fault === 'object') {
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Retry-After': String(fault.status503) });
      return void res.end(JSON.stringify({ type: '/problems/overloaded', title: 'Service unavailable', status: 503, detail: 'overloaded (by the test proxy)' }));
    }
    const upstream = request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      // A cut answer keeps its promise of a length (or of chunks to come) and then stops; one ended short promises neither.
      const { 'content-length': _length, 'transfer-encoding': _framing, ...unframed } = answer.headers;
      res.writeHead(answer.statusCode!, fault === 'end-short' ? unframed : answer.headers);
      if (fault !== 'cut' && fault !== 'end-short') return void answer.pipe(res);
      answer.once('data', (chunk: Buffer) => {
        const half = chunk.subarray(0, Math.max(1, chunk.length >> 1));
        if (fault === 'cut') res.write(half, () => res.socket?.destroy());
        else res.end(half);
        answer.destroy();
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  }
}
