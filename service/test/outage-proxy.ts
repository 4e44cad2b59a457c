/**
 * A TCP proxy that can take a server away in the two ways networks do:
 * - `reset`: every connection, open or new, is cut with a TCP reset (a restarted or failed-over
 *   database, a refused port);
 * - `blackhole`: connections are accepted and then nothing passes either way, and no reset ever
 *   comes (packets dropped by a firewall, a dead NAT entry, a partition).
 * `restore` lets new connections through again. A connection that was blackholed stays silent
 * for good, as one whose path died does: only a client that gives up on it recovers.
 */
import { createServer, Server, Socket } from 'node:net';

export type OutageMode = 'up' | 'reset' | 'blackhole';

export class OutageProxy {
  private server: Server | undefined;
  private mode: OutageMode = 'up';
  private readonly live = new Set<{ client: Socket; upstream: Socket }>();
  private readonly silent = new Set<Socket>();
  port = 0;
  /** Connections accepted in each mode, to show what a client tried. */
  readonly accepted: Record<OutageMode, number> = { up: 0, reset: 0, blackhole: 0 };

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string): OutageProxy {
    const u = new URL(url);
    return new OutageProxy(u.hostname, Number(u.port || 5432));
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const u = new URL(url);
    u.host = `127.0.0.1:${this.port}`;
    return u.toString();
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  get state(): OutageMode {
    return this.mode;
  }

  reset(): void {
    this.mode = 'reset';
    for (const { client, upstream } of this.live) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.live.clear();
  }

  blackhole(): void {
    this.mode = 'blackhole';
    for (const pair of this.live) {
      this.silence(pair.client);
      pair.upstream.destroy();
    }
    this.live.clear();
  }

  restore(): void {
    this.mode = 'up';
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.live) client.destroy(), upstream.destroy();
    for (const s of this.silent) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private accept(client: Socket): void {
    this.accepted[this.mode]++;
    client.on('error', () => undefined);
    if (this.mode === 'reset') return void client.resetAndDestroy();
    if (this.mode === 'blackhole') return this.silence(client);
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    this.live.add(pair);
    // Piped by hand, not with pipe(): a pair cut off mid-stream must pass nothing more.
    client.on('data', (chunk) => this.live.has(pair) && upstream.write(chunk));
    upstream.on('data', (chunk) => this.live.has(pair) && client.write(chunk));
    const end = () => {
      if (!this.live.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    upstream.connect(this.targetPort, this.targetHost);
  }

  /** Reads and discards whatever the client sends, and never answers nor closes. */
  private silence(client: Socket): void {
    client.removeAllListeners('data');
    client.on('data', () => undefined);
    client.on('close', () => this.silent.delete(client));
    this.silent.add(client);
  }
}
