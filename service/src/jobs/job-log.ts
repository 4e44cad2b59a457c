/**
 * Writes job records without ever making a prediction wait for, or fail on, the database.
 * Records queue in memory (bounded), are written in batches, retried with capped exponential
 * backoff while the database is away, and flushed on shutdown.
 */
import type { Logger } from '../logging';
import type { JobRecord, JobStore } from './job-store';

export interface JobLogOptions {
  /** Records held while the database is away; the oldest go first past it. */
  queueLimit: number;
  batchSize?: number;
  /**
   * How long a record waits for others to share its insert. Under load one statement per few
   * records cost the database and the main thread about 0.1 ms per request; the records are
   * flushed on shutdown all the same.
   */
  batchDelayMs?: number;
  retryMinMs?: number;
  retryMaxMs: number;
  /** Runs before the first write (migrations); retried with the writes until it succeeds. */
  prepare?: () => Promise<unknown>;
}

export interface JobLogStatus {
  database: 'ok' | 'unreachable' | 'starting';
  queued: number;
  dropped: number;
  lastError?: string;
}

export class JobLog {
  private readonly queue: JobRecord[] = [];
  private prepared = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private dropped = 0;
  private state: JobLogStatus['database'] = 'starting';
  private lastError: string | undefined;
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly logger: Logger,
    private readonly opts: JobLogOptions,
  ) {
    this.delayMs = opts.retryMinMs ?? 200;
  }

  /** Takes a record; returns at once. */
  record(job: JobRecord): void {
    this.queue.push(job);
    if (this.queue.length > this.opts.queueLimit) {
      this.queue.shift();
      if (this.dropped++ % 1000 === 0) this.logger.error({ dropped: this.dropped }, 'job log queue is full: dropping the oldest records');
    }
    if (!this.timer && !this.writing) this.schedule(this.opts.batchDelayMs ?? 0);
  }

  /** Tries the database now (migrations first, then queued records). */
  start(): Promise<void> {
    return this.drain();
  }

  status(): JobLogStatus {
    return { database: this.state, queued: this.queue.length, dropped: this.dropped, lastError: this.lastError };
  }

  /** Checks the database answers; updates the status the readiness check reports. */
  async check(): Promise<boolean> {
    if (this.state === 'starting') {
      void this.drain();
      return false;
    }
    try {
      await this.store.ping();
    } catch (error) {
      this.fail(error);
      return false;
    }
    if (!this.prepared || this.queue.length > 0) await this.drain();
    else this.state = 'ok';
    return this.state === 'ok';
  }

  /** Writes everything queued, retrying until `timeoutMs` runs out; resolves true when nothing is left. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 && Date.now() < deadline) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.drain();
      if (this.queue.length > 0) await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
    return this.queue.length === 0;
  }

  async close(timeoutMs: number): Promise<void> {
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    clearTimeout(this.timer);
    if (!flushed) this.logger.error({ lost: this.queue.length }, 'job log: records could not be written before shutdown');
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delayMs);
    // A pending retry must not keep a finished process alive.
    this.timer.unref();
  }

  private drain(): Promise<void> {
    this.writing ??= this.writeAll().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    try {
      if (!this.prepared) {
        await this.opts.prepare?.();
        this.prepared = true;
      }
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, this.opts.batchSize ?? 500);
        await this.store.insertMany(batch);
        this.queue.splice(0, batch.length);
      }
      if (this.state !== 'ok') this.logger.info({ database: 'ok' }, 'job log: database reachable');
      this.state = 'ok';
      this.lastError = undefined;
      this.delayMs = this.opts.retryMinMs ?? 200;
    } catch (error) {
      this.fail(error);
      // Jitter spreads the retries of many instances that lost the database together.
      this.schedule(this.delayMs * (0.75 + Math.random() * 0.5));
      this.delayMs = Math.min(this.opts.retryMaxMs, this.delayMs * 2);
    }
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.state !== 'unreachable') this.logger.warn({ err: message, queued: this.queue.length }, 'job log: database unreachable, records queued');
    this.state = 'unreachable';
    this.lastError = message;
  }
}
