/**
 * Keeps an answer as it is sent: every piece the client gets is also handed to storage. The user's
 * answer comes first. A keep that fails — storage refuses, or falls behind and stays stalled — is
 * given up and said so (job log, response trailer, log line); the prediction is still delivered.
 * Memory is bounded per answer: storage may lag by `maxBehindBytes`, after which the answer waits
 * for it at most `stallMs` once before the keep is given up.
 */
import type { Writable } from 'node:stream';
import type { KeptMeta, ResultStore } from './result-store';

export interface KeepLimits {
  /** How far storage may lag behind the client before the answer waits for it. */
  maxBehindBytes: number;
  /** How long the answer waits for a lagging storage, and for it to confirm the end, before the keep is given up. */
  stallMs: number;
}

export const KEEP_LIMITS: KeepLimits = { maxBehindBytes: 4 * 1024 * 1024, stallMs: 10_000 };

export type KeepOutcome = { kept: true; location: string; expiresAt: string } | { kept: false; reason: string };

export interface Keeper {
  write(piece: Uint8Array): Promise<void>;
  finish(): Promise<KeepOutcome>;
  abandon(reason: string): KeepOutcome;
}

/** What a keep that cannot start answers: the answer goes out all the same. */
export function notKeeping(reason: string): Keeper {
  return { write: async () => undefined, finish: async () => ({ kept: false, reason }), abandon: () => ({ kept: false, reason }) };
}

export class AnswerKeeper implements Keeper {
  private readonly sink: Writable;
  private failure: string | undefined;

  constructor(
    private readonly store: ResultStore,
    private readonly jobId: string,
    private readonly meta: KeptMeta,
    private readonly limits: KeepLimits = KEEP_LIMITS,
  ) {
    this.sink = store.create(jobId, meta);
    this.sink.on('error', (error: Error) => this.fail(`storage refused it: ${error.message}`));
  }

  /** Takes the next piece of the answer; waits only while storage is more than `maxBehindBytes` behind. */
  async write(piece: Uint8Array): Promise<void> {
    if (this.failure) return;
    // A copy: the answer's buffers are written into again once the client has taken them (pool.ts).
    this.sink.write(Buffer.from(piece));
    if (this.sink.writableLength <= this.limits.maxBehindBytes) return;
    if (!(await settles(this.sink, 'drain', this.limits.stallMs))) this.fail(`storage fell ${this.limits.maxBehindBytes} bytes behind and took nothing more for ${this.limits.stallMs} ms`);
  }

  /** The whole answer was sent: completes the keep, or says why it was not kept. */
  async finish(): Promise<KeepOutcome> {
    if (!this.failure) {
      this.sink.end();
      if (!(await settles(this.sink, 'finish', this.limits.stallMs))) this.fail(`storage did not confirm the answer within ${this.limits.stallMs} ms`);
    }
    if (this.failure) return { kept: false, reason: this.failure };
    return { kept: true, location: this.store.locationOf(this.jobId), expiresAt: this.meta.expiresAt };
  }

  /** The answer was not sent whole (the client left): nothing is kept. */
  abandon(reason: string): KeepOutcome {
    this.fail(reason);
    return { kept: false, reason };
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    if (!this.sink.destroyed) this.sink.destroy();
  }
}

/** Resolves true once `stream` emits `event`, false when it errors, closes first or `ms` pass. */
function settles(stream: Writable, event: 'drain' | 'finish', ms: number): Promise<boolean> {
  if (stream.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      clearTimeout(timer);
      stream.off(event, onEvent);
      stream.off('error', onFail);
      stream.off('close', onClose);
      resolve(ok);
    };
    const onEvent = done(true);
    const onFail = done(false);
    // A stream may close right after it finished: 'finish' comes first, so close means it did not.
    const onClose = done(false);
    const timer = setTimeout(done(false), ms);
    stream.once(event, onEvent);
    stream.once('error', onFail);
    stream.once('close', onClose);
  });
}
