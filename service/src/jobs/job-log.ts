/**
 * Writes job records without ever making a prediction wait for, or fail on, the database.
 * Every record is also logged as one "job recorded" line, so a gap can be filled from the logs
 * (service/tools/backfill-jobs.ts). Records queue in memory, encoded and bounded by bytes
 * (record-queue.ts), are written in batches, retried every second or so while the database is
 * away, and flushed on shutdown within a deadline; whatever is not written is counted at ERROR.
 */
import type { Logger } from '../logging';
import type { JobRecord, JobStore } from './job-store';
import { encodable } from './record-codec';
import { RecordQueue } from './record-queue';

export interface JobLogOptions {
  /** Memory the queued records may take; records past it are counted and logged, not kept. */
  queueBytes: number;
  batchSize?: number;
  /**
   * How long a record waits for others to share its insert. Under load one statement per few
   * records cost the database and the main thread about 0.1 ms per request; the records are
   * flushed on shutdown all the same.
   */
  batchDelayMs?: number;
  /** The first retry's delay; each failure doubles it up to `retryMaxMs`. */
  retryMinMs?: number;
  /**
   * The longest wait between two tries while the database is away: how late rows resume once
   * it is back (a failed try's own time counts towards it).
   */
  retryMaxMs: number;
  /** Runs before the first write (migrations); retried with the writes until it succeeds. */
  prepare?: () => Promise<unknown>;
}

export interface JobLogStatus {
  database: 'ok' | 'unreachable' | 'starting';
  queued: number;
  queuedBytes: number;
  /** The most memory the queue has held since the service started. */
  peakQueuedBytes: number;
  /** Records not kept since the service started (queue full, or recorded after shutdown). */
  dropped: number;
  lastError?: string;
}

/** Records let go while the queue was full, for the ERROR lines that say which to backfill. */
interface DropSpell {
  count: number;
  first: string;
  last: string;
  loggedCount: number;
  loggedAt: number;
}

const DROP_LOG_EVERY_MS = 10_000;

export class JobLog {
  private readonly queue: RecordQueue;
  private prepared = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private dropped = 0;
  private spell: DropSpell | undefined;
  private state: JobLogStatus['database'] = 'starting';
  private lastError: string | undefined;
  private outageStarted: number | undefined;
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly logger: Logger,
    private readonly opts: JobLogOptions,
  ) {
    this.queue = new RecordQueue(opts.queueBytes);
    this.delayMs = this.retryMinMs;
  }

  private get retryMinMs(): number {
    return Math.min(this.opts.retryMinMs ?? 100, this.opts.retryMaxMs);
  }

  /** Takes a record; returns at once. */
  record(job: JobRecord): void {
    // The backfill's source: the whole record on one line, whatever happens to it next.
    this.logger.info({ job }, 'job recorded');
    if (!encodable(job)) {
      this.dropped++;
      this.logger.error({ job }, 'job log: a record with an id that is not a uuid or a time that is not a date cannot be stored');
      return;
    }
    if (this.closed) {
      this.dropped++;
      this.logger.error({ lost: 1, job }, 'job log: a record arrived after shutdown and was not written; backfill it from its "job recorded" line');
      return;
    }
    if (!this.queue.push(job)) this.drop(job);
    if (!this.timer && !this.writing) this.schedule(this.opts.batchDelayMs ?? 0);
  }

  /** Tries the database now (migrations first, then queued records). */
  start(): Promise<void> {
    return this.drain();
  }

  status(): JobLogStatus {
    return {
      database: this.state,
      queued: this.queue.length,
      queuedBytes: this.queue.bytes,
      peakQueuedBytes: this.queue.peakBytes,
      dropped: this.dropped,
      lastError: this.lastError,
    };
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
      // A write that hangs (a database that stopped answering) must not hold the flush past its deadline.
      await within(this.drain(), deadline - Date.now());
      if (this.queue.length > 0) await within(new Promise(() => undefined), Math.min(this.delayMs, deadline - Date.now()));
    }
    return this.queue.length === 0;
  }

  /**
   * Flushes until `timeoutMs`, then stops taking records. What could not be written is logged at
   * ERROR with its exact count and time span: those records are to be backfilled from the logs.
   */
  async close(timeoutMs: number): Promise<void> {
    await this.flush(timeoutMs);
    this.giveUp();
  }

  /**
   * Stops taking records and logs at ERROR the exact count still unwritten, with their time span
   * (to be backfilled from the logs). Once only: also what a process that must exit now calls.
   */
  giveUp(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.endSpell();
    if (this.queue.length === 0) return;
    const { jobs } = this.queue.peek(Number.MAX_SAFE_INTEGER);
    this.logger.error(
      { lost: jobs.length, firstCreatedAt: jobs[0]?.createdAt, lastCreatedAt: jobs[jobs.length - 1]?.createdAt, database: this.state, err: this.lastError },
      `job log: ${jobs.length} record(s) could not be written before shutdown; backfill them from their "job recorded" log lines`,
    );
  }

  private drop(job: JobRecord): void {
    this.dropped++;
    const now = Date.now();
    if (!this.spell) {
      this.spell = { count: 0, first: job.createdAt, last: job.createdAt, loggedCount: 0, loggedAt: 0 };
    }
    const spell = this.spell;
    spell.count++;
    spell.last = job.createdAt;
    if (now - spell.loggedAt < DROP_LOG_EVERY_MS) return;
    this.logger.error(
      { notKept: spell.count - spell.loggedCount, notKeptSoFar: spell.count, queueBytes: this.opts.queueBytes, since: spell.first },
      'job log: the queue is full (JOB_LOG_QUEUE_BYTES); new records are not kept until the database is back: backfill them from their "job recorded" log lines',
    );
    spell.loggedCount = spell.count;
    spell.loggedAt = now;
  }

  /** Says, once the queue takes records again, how many it did not take and between which times. */
  private endSpell(): void {
    const spell = this.spell;
    if (!spell) return;
    this.spell = undefined;
    this.logger.error(
      { notKept: spell.count, firstCreatedAt: spell.first, lastCreatedAt: spell.last },
      `job log: ${spell.count} record(s) were not kept while the queue was full; backfill them from their "job recorded" log lines between these times`,
    );
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
    const started = Date.now();
    try {
      if (!this.prepared) {
        await this.opts.prepare?.();
        this.prepared = true;
      }
      while (this.queue.length > 0) {
        const batch = this.queue.peek(this.opts.batchSize ?? 500);
        await this.store.insertMany(batch.jobs).catch((error: unknown) => {
          if (!isDataError(error)) throw error;
          return this.insertOneByOne(batch.jobs);
        });
        this.queue.remove(batch);
      }
      this.recovered();
    } catch (error) {
      this.fail(error);
      if (this.closed) return;
      // Tries start `delayMs` apart: a try that took its time (a timeout) is followed at once.
      // Jitter spreads the retries of many instances that lost the database together.
      this.schedule(Math.max(0, this.delayMs * (0.75 + Math.random() * 0.5) - (Date.now() - started)));
      this.delayMs = Math.min(this.opts.retryMaxMs, this.delayMs * 2);
    }
  }

  /**
   * A batch the database refused for its data (a NUL in a model name taken from the URL, say)
   * would be refused at every retry and hold up every record behind it: its records are tried
   * one at a time, and one refused for its data is logged at ERROR, whole, and let go.
   */
  private async insertOneByOne(jobs: readonly JobRecord[]): Promise<void> {
    for (const job of jobs) {
      try {
        await this.store.insertMany([job]);
      } catch (error) {
        if (!isDataError(error)) throw error;
        this.dropped++;
        this.logger.error({ job, err: (error as Error).message }, 'job log: the database refused this record for its data; it is not written');
      }
    }
  }

  private recovered(): void {
    if (this.state !== 'ok') {
      const outageMs = this.outageStarted === undefined ? undefined : Date.now() - this.outageStarted;
      this.logger.info({ database: 'ok', outageMs, peakQueuedBytes: this.queue.peakBytes }, 'job log: database reachable');
    }
    this.endSpell();
    this.state = 'ok';
    this.outageStarted = undefined;
    this.lastError = undefined;
    this.delayMs = this.retryMinMs;
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.state !== 'unreachable') {
      this.outageStarted = Date.now();
      this.logger.warn({ err: message, queued: this.queue.length }, 'job log: database unreachable, records queued');
    }
    this.state = 'unreachable';
    this.lastError = message;
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the record, not the database, is at fault. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** Waits for `work`, or `ms` at most. The timer holds the process open: a flush must run to its end. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}
