/**
 * The inference worker pool. onnxruntime's run and the CSV work are CPU-bound and would block
 * the event loop, so they run in worker threads: a small job whole, a large one as pieces read by
 * every thread and then batches written by them (predict-csv.ts). The queue in front is bounded.
 */
import Piscina from 'piscina';
import { HttpProblem } from '../http/problem';
import type { ModelRegistry } from '../models/registry';
import type { Delimiter } from '../csv/cells';
import { TextEncoding, UploadText, uploadText } from '../csv/decode';
import { fromUtf16, Utf16, utf16Of, Utf16Writer } from '../csv/utf16';
import { CHUNK_BYTES, ChunkPlan, MAX_RECORD_BYTES, planBuffers } from './chunk-plan';
import type { JobOptions, PieceRead, PredictOutcome, PredictTask, Problem, WriteTask } from './predict-csv';
import { joinReads, splitUpload } from './split-upload';
import { freeAllUnused, freeRecentBuffers } from '../memory';
import { outputColumns } from '../csv/write-output';
import type { Manifest } from '../models/manifest';
import { threadFile } from '../thread-file';
import { THREAD_SEMI_SPACE_MB } from '../process-settings';
import type { Collected, JobOutcomes, WarmedUp, WorkerData, WorkerResult, WorkerTask } from './worker-protocol';

/**
 * From this size on, an upload is read in pieces by every thread and its answer streamed out in
 * batches; below it, one thread does the whole job at once (less hand-over, same answer).
 */
const STREAM_MIN_BYTES = 2 * 1024 * 1024;
/** Upload bytes whose answer one write task produces (batchesOf). */
const WRITE_BATCH_BYTES = 1024 * 1024;
/**
 * Answer bytes one write task produces at most (batchesOf): the answer is held this much at a
 * time per thread, in a buffer with a quarter to spare (writeBatch), so the answer room a streamed
 * job is admitted with (answerRoom) is such a buffer per thread and one for the socket.
 */
const MAX_ANSWER_BATCH_BYTES = 1.25 * 1024 * 1024;
const BATCH_BUFFER_BYTES = Math.ceil(MAX_ANSWER_BATCH_BYTES * 1.25);

export interface InferencePoolOptions {
  threads: number;
  /** Jobs that may wait for a free thread; past it callers get 503 with Retry-After. */
  maxQueued: number;
  /** Upload bytes held by waiting and running jobs; past it callers get 503 (memory stays bounded). */
  maxPendingBytes: number;
  cpus: number;
  /** Bytes read and validated at a time (tests make it small). */
  chunkBytes?: number;
}

export type PoolOutcome =
  | {
      ok: true;
      rows: number;
      inputEncoding: TextEncoding | Utf16;
      outputEncoding: TextEncoding | Utf16;
      delimiter: Delimiter;
      classCounts?: Record<string, number>;
      /**
       * The answer, in order: written at once (with its length), or streamed. A stream must be read
       * to its end (or returned early): that frees the job's place.
       */
      body: { bytes: Uint8Array } | { stream: AsyncIterable<Uint8Array> };
    }
  | Problem;

/**
 * Bytes one request holds of the pool's pending budget, its upload and room for its answer, from
 * before its body is read until its answer is written (or it fails): bodies being read count as
 * much as jobs waiting or running, and answers waiting for a slow client as much as either.
 */
export interface Admission {
  /** Holds an upload of `bytes` in all (a body that grew past its declared size); throws 503 if it does not fit. */
  atLeast(bytes: number): void;
  /** Holds an answer of `bytes`, made whole, while it is written: never refused (it exists), but counted against later requests. */
  answer(bytes: number): void;
  /** Gives the bytes back; later calls do nothing. */
  release(): void;
}

/**
 * A thread's heap holds its modules (about 10 MB), then one chunk at a time: its text and the
 * parser's objects for it, a few times the chunk's bytes. What a job keeps of its rows lives
 * outside the heap, in typed arrays (chunk-plan.ts).
 */
function heapLimitMb(chunkBytes: number): number {
  return 12 + Math.ceil(((chunkBytes + MAX_RECORD_BYTES) * 6) / (1 << 20));
}

/** The upload in memory every thread can read, so pieces are not copied to each. */
function sharedCopy(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}

/**
 * The buffer behind `bytes`, to move to a thread, when nothing else can be using it: it is all
 * `bytes` (so not a slice of Node's shared pool of small buffers) and not shared memory.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}

/**
 * Output bytes the predictions add to each row, about: the label (or a number) and each
 * probability column (7 significant digits, about 10 characters), with their delimiters.
 */
function addedPerRow(manifest: Manifest, { predictions }: ChunkPlan): number {
  const label = predictions.values ? 14 : Math.max(0, ...predictions.labels.map((l) => Buffer.byteLength(l)));
  return 1 + label + (outputColumns(manifest).length - 1) * 11;
}

/**
 * Consecutive chunks grouped so each group covers about WRITE_BATCH_BYTES of the upload, or of the
 * answer if that comes first: its rows' text and what the predictions add to them. By upload bytes
 * alone, narrow rows (`1,1,1,1`) made batches of about 2.9 MiB of answer from 1 MiB of upload,
 * outside what the budget counts for an answer. (Sized by answer bytes alone, at 1.25 MiB, the
 * bench's rows took about a tenth more CPU a request: not looked into further.)
 */
function batchesOf(chunks: ChunkPlan[], manifest: Manifest): ChunkPlan[][] {
  const batches: ChunkPlan[][] = [];
  let upload = Infinity;
  let answer = Infinity;
  for (const chunk of chunks) {
    if (upload >= WRITE_BATCH_BYTES || answer >= MAX_ANSWER_BATCH_BYTES) {
      batches.push([]);
      upload = answer = 0;
    }
    batches[batches.length - 1].push(chunk);
    upload += chunk.end - chunk.start;
    answer += chunk.end - chunk.start + (chunk.spans.length / 2) * addedPerRow(manifest, chunk);
  }
  return batches;
}

/** Whether a job's upload is shared memory, which a thread may hold as garbage long after the job (see worker.ts). */
const isShared = (bytes: Uint8Array) => bytes.buffer instanceof SharedArrayBuffer;

const isQueueFull = (error: unknown) => error instanceof Error && /queue is at limit/i.test(error.message);

function overloaded(): HttpProblem {
  return new HttpProblem(503, 'overloaded', 'too many prediction jobs are waiting; retry shortly', {}, { 'Retry-After': '2' });
}

/** Quiet time after which the threads collect the uploads of finished jobs (see jobEnded). */
const IDLE_COLLECT_MS = 1000;
/**
 * Uploads of finished jobs the threads may hold as garbage before they collect without waiting
 * for the pool to be idle. Under load V8 runs a full collection in each thread about once per
 * 32 MiB job anyway (`--trace-gc`); for the 100k-row file (12.5 MiB) this is one every third job.
 * 64 MiB left 8 clients of 32 MiB uploads at 399-449 MB peak on a loaded machine; 32 MiB: 352 MB.
 */
const MAX_UNCOLLECTED_BYTES = 32 << 20;

/** Tasks a thread holds at once (piscina's concurrentTasksPerWorker). */
const TASKS_PER_THREAD = 2;
/**
 * Small jobs handed to a thread in one message at most. Under 200 clients, one message per job
 * cost the main thread about a tenth of its time, mostly waking the thread (Atomics.notify).
 * A job waits for the others of its group: a few milliseconds against a queue of 150 or more.
 */
const MAX_GROUP = 8;
/**
 * Upload bytes a group holds at most: larger jobs take long enough that the hand-over does not
 * count, and a thread should not hold the answers of several of them at once.
 */
const MAX_GROUP_BYTES = 256 * 1024;

interface WaitingJob {
  job: PredictTask;
  resolve: (outcome: PredictOutcome) => void;
  reject: (error: unknown) => void;
}

export class InferencePool {
  private readonly pool: Piscina<WorkerTask, WorkerResult>;
  private pendingBytes = 0;
  /** Tasks handed to piscina and small jobs waiting for one, not yet settled. */
  private active = 0;
  private onIdle: (() => void) | undefined;
  /** Small jobs not yet handed to a thread, in the order they came. */
  private readonly waiting: WaitingJob[] = [];
  private groupsInFlight = 0;
  /** Every thread's start-up, once ready() has begun it. */
  private allWarm: Promise<void> | undefined;
  /** Upload bytes of jobs with a shared upload that have ended since the threads last collected. */
  private uncollectedBytes = 0;
  /** Bytes of admissions released since the main thread last collected: answers written, their buffers garbage. */
  private unfreedBytes = 0;
  private idleCollection: NodeJS.Timeout | undefined;
  private collecting: Promise<void> | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly opts: InferencePoolOptions,
  ) {
    const workerData: WorkerData = {
      models: registry.list(),
      // Threads share the CPUs: each session gets its share, never fewer than one.
      intraOpNumThreads: Math.max(1, Math.floor(opts.cpus / opts.threads)),
    };
    this.pool = new Piscina({
      filename: threadFile(__dirname, 'worker'),
      minThreads: opts.threads,
      maxThreads: opts.threads,
      maxQueue: opts.maxQueued,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // While one task waits (on onnxruntime's run or on posting its answer) a second keeps the thread busy.
      concurrentTasksPerWorker: TASKS_PER_THREAD,
      // Jobs start in the order they came. By default piscina puts a task it took from the queue
      // but could not place at the back: under load some jobs waited seconds while most waited
      // 150 ms (200 clients: p95 3× the median; in order, about 1.3×).
      stricterFIFO: true,
      workerData,
      // A job holds about one chunk of text at a time, so a thread's heap needs little room, and
      // a small young generation frees the parser's garbage sooner. In the service the threads' flag
      // sets it (process-settings.ts limitThreadsYoungGeneration); this gives a pool made without it the same.
      resourceLimits: { maxYoungGenerationSizeMb: 2 * THREAD_SEMI_SPACE_MB, maxOldGenerationSizeMb: heapLimitMb(opts.chunkBytes ?? CHUNK_BYTES) },
    });
  }

  /**
   * Resolves once a thread has loaded its sessions: the service can answer from then on. The
   * other threads go on starting beside it and take work once they have. (Measured, this is no
   * faster to ready than waiting for all of them, within this machine's noise: see bench/README.)
   */
  async ready(): Promise<void> {
    this.allWarm ??= this.warmUp();
    // Awaited by close(); a failure here is the same failure the first thread reports.
    this.allWarm.catch(() => undefined);
    await this.pool.run('warm-up');
  }

  /**
   * Resolves once every thread has loaded its sessions, so no request pays for it.
   * A thread takes two tasks at a time, so warm-ups repeat until each thread has answered one.
   */
  async warmUp(): Promise<void> {
    const warmed = new Set<number>();
    while (warmed.size < this.opts.threads) {
      const answers = await Promise.all(Array.from({ length: this.opts.threads }, () => this.pool.run('warm-up') as Promise<WarmedUp>));
      for (const a of answers) warmed.add(a.warmedUp);
      if (warmed.size < this.opts.threads) await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Holds `bytes` of the pending budget, and room for its answer (answerRoom), for a request whose
   * body is about to be read, or refuses it with 503 (Retry-After) if they do not fit: before its
   * body is read, so a refused upload costs no memory. One request is always taken, however large,
   * so the limit never refuses a lone upload. The hold lasts until the answer is written.
   */
  admit(bytes: number): Admission {
    const budget = this.opts.maxPendingBytes;
    const room = (upload: number) => this.holdOf(upload);
    // A body of unknown size (chunked) needs room for at least its first byte.
    if (this.pendingBytes > 0 && this.pendingBytes + room(Math.max(1, bytes)) > budget) throw overloaded();
    let held = room(bytes);
    let released = false;
    this.pendingBytes += held;
    return {
      atLeast: (upload) => {
        const total = room(upload);
        if (released || total <= held) return;
        if (this.pendingBytes > held && this.pendingBytes + (total - held) > budget) throw overloaded();
        this.pendingBytes += total - held;
        held = total;
      },
      answer: (bytes) => {
        if (released || bytes <= held) return;
        this.pendingBytes += bytes - held;
        held = bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.pendingBytes -= held;
        this.unfreedBytes += held;
        this.collectWhenIdle();
      },
    };
  }

  /**
   * Memory an upload's answer takes while it is written, besides the upload (held until then): a
   * small job's answer is made whole, about the upload's size again (more for narrow rows, but the
   * upload itself is gone by then); a streamed one's is the batches in flight, one per thread and
   * one the socket is taking, each with room to spare (writeAll). Before answers were counted,
   * 128 clients of 1.9 MiB that read their answers 2 s late took the service to 422 MB (bench/README.md).
   */
  private answerRoom(upload: number): number {
    return upload < STREAM_MIN_BYTES ? upload : Math.min(upload, (this.opts.threads + 1) * BATCH_BUFFER_BYTES);
  }

  /** The budget an upload of `bytes` is admitted with: itself and room for its answer. */
  holdOf(bytes: number): number {
    return bytes + this.answerRoom(bytes);
  }

  /** Bytes held now by admitted requests: bodies being read, jobs waiting or running, answers being written (with their room). */
  get heldBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Runs one job as predictText does; a UTF-16 upload is read as UTF-8 and answered in UTF-16
   * again (unless another output encoding is asked for).
   */
  predict(job: PredictTask, admission?: Admission): Promise<PoolOutcome> {
    // A plain function: an async one would keep `job` (the upload) referenced while the job runs.
    const utf16 = utf16Of(job.bytes);
    return utf16 ? this.predictUtf16(job, utf16, admission) : this.predictText(job, admission);
  }

  private async predictUtf16(job: PredictTask, utf16: Utf16, admission?: Admission): Promise<PoolOutcome> {
    let bytes: Uint8Array;
    try {
      bytes = fromUtf16(job.bytes, utf16);
    } catch (error) {
      admission?.release();
      if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
      throw error;
    }
    const answerUtf16 = job.outputEncoding === undefined;
    const outcome = await this.predictText({ ...job, bytes, encoding: 'utf-8' }, admission);
    if (!outcome.ok) return outcome;
    const summary = { ...outcome, inputEncoding: utf16 };
    if (!answerUtf16) return summary;
    const writer = new Utf16Writer(utf16);
    const { body } = outcome;
    if ('bytes' in body) return { ...summary, outputEncoding: utf16, body: { bytes: writer.write(body.bytes, true) } };
    const { stream } = body;
    async function* encoded() {
      for await (const piece of stream) yield writer.write(piece);
    }
    return { ...summary, outputEncoding: utf16, body: { stream: encoded() } };
  }

  /**
   * Runs one job, within `admission` (else admitted here). A small upload's bytes move to the
   * thread: the caller must not read them after. A streamed answer releases the admission once the
   * stream has ended; an answer written at once leaves the caller's admission to the caller, to
   * release once the answer is written (an admission made here is released once it is produced).
   */
  private async predictText(job: PredictTask, admission?: Admission): Promise<PoolOutcome> {
    const size = job.bytes.byteLength;
    const shared = isShared(job.bytes);
    const held = admission ?? this.admit(size);
    /** The stream releases the admission (and ends the job) once written. */
    let streamed = false;
    /** The caller releases its admission once the answer is written. */
    let answerHeld = false;
    try {
      held.atLeast(size);
      job = { ...job, chunkBytes: this.opts.chunkBytes };
      if (size < STREAM_MIN_BYTES) {
        const outcome = await this.runSmall(job);
        if (!outcome.ok) return outcome;
        const { body, ...summary } = outcome;
        // The answer is held until the client has taken it: the caller releases its admission then.
        answerHeld = admission !== undefined;
        // Narrow rows' answers are several times their upload.
        held.answer(body.byteLength);
        return { ...summary, body: { bytes: body } };
      }
      const upload = { bytes: sharedCopy(job.bytes) };
      // The network chunks the upload arrived in are garbage now.
      freeRecentBuffers();
      const read = await this.readAll(upload.bytes, job);
      if (!read.ok) return read;
      const { chunks, prefix, bom, ...summary } = read;
      const stream = this.writeAll(batchesOf(chunks, this.registry.get(job.model)!.manifest), upload, { model: job.model, inputEncoding: read.inputEncoding, outputEncoding: read.outputEncoding, delimiter: read.delimiter }, prefix, bom, () => {
        held.release();
        this.jobEnded(size);
      });
      streamed = true;
      return { ...summary, body: { stream } };
    } finally {
      if (!streamed && !answerHeld) held.release();
      if (!streamed && (shared || size >= STREAM_MIN_BYTES)) this.jobEnded(size);
    }
  }

  /**
   * A large job is over: its memory is freed here. The threads' copies of its upload are garbage
   * that nothing prompts them to collect (worker.ts): they collect once such uploads pile up, or
   * once the pool has been idle for a moment. A collection after every job cost the 100k-row file
   * about 15 % (bench/README.md).
   */
  private jobEnded(uploadBytes: number): void {
    freeAllUnused();
    this.uncollectedBytes += uploadBytes;
    if (this.uncollectedBytes >= MAX_UNCOLLECTED_BYTES) void this.collectThreads();
  }

  /** Every thread runs a full collection; called again while one runs, it waits for that one. */
  private collectThreads(): Promise<void> {
    clearTimeout(this.idleCollection);
    this.uncollectedBytes = 0;
    this.collecting ??= (async () => {
      const collected = new Set<number>();
      // A thread takes two tasks at a time, so collections repeat until each thread has run one.
      for (let round = 0; collected.size < this.opts.threads && round < 5; round++) {
        const answers = await Promise.allSettled(Array.from({ length: this.opts.threads }, () => this.pool.run('collect') as Promise<Collected>));
        for (const a of answers) if (a.status === 'fulfilled') collected.add(a.value.collected);
      }
    })().finally(() => (this.collecting = undefined));
    return this.collecting;
  }

  /** Every thread reads a piece of the upload at once; their findings join into the whole upload's. */
  private async readAll(upload: Uint8Array, job: JobOptions): Promise<PieceRead> {
    let text: UploadText;
    try {
      const features = this.registry.get(job.model)?.manifest.features.map((f) => f.name);
      text = uploadText(upload, job.encoding, { delimiter: job.delimiter, features });
    } catch (error) {
      if (error instanceof HttpProblem) return { ok: false, problem: error.toBody() };
      throw error;
    }
    const cut = this.opts.threads > 1 ? splitUpload(upload, text.start, this.opts.threads, text.delimiter) : undefined;
    const ranges = cut?.ranges ?? [[0, upload.length]];
    const reads = ranges.map(([start, end], index) => {
      const piece = { index, start, end, headerEnd: cut?.headerEnd ?? 0, text };
      return this.run({ kind: 'read', ...job, upload, piece }) as Promise<PieceRead>;
    });
    return joinReads(await Promise.all(reads));
  }

  /**
   * Writes the answer batch by batch, handing each out in order. While the socket takes one batch,
   * every thread writes another: on a fast connection the threads, not the socket, are the slower
   * side. Buffers the socket is done with are written into again, so the answer's memory stays a
   * few batches (otherwise it waited for a full collection of the main thread's heap).
   */
  private async *writeAll(
    batches: ChunkPlan[][],
    upload: { bytes?: Uint8Array },
    write: Omit<WriteTask, 'chunks' | 'upload'>,
    prefix: string | undefined,
    bom: boolean,
    ended: () => void,
  ) {
    const writing: Promise<Uint8Array>[] = [];
    const spare: ArrayBuffer[] = [];
    let next = 0;
    const startNext = () => {
      if (next === batches.length) return;
      const k = next++;
      const into = spare.pop();
      const task: WriteTask = { ...write, upload: upload.bytes!, chunks: batches[k], prefix: k === 0 ? prefix : undefined, bom: k === 0 && bom, into };
      writing.push(this.runWhenQueued({ kind: 'write', ...task }, [...planBuffers(batches[k]), ...(into ? [into] : [])]));
    };
    try {
      while (writing.length < this.opts.threads && next < batches.length) startNext();
      while (writing.length > 0) {
        const batch = await writing[0];
        writing.shift();
        startNext();
        yield batch;
        // The consumer asks for more once the socket has taken the batch: its buffer can be reused.
        spare.push(batch.buffer as ArrayBuffer);
        freeRecentBuffers();
      }
    } finally {
      // Stopped early (the client went away): batches already handed out finish, unread.
      await Promise.allSettled(writing);
      // Nothing here refers to the upload any more, so the collection that follows frees it.
      upload.bytes = undefined;
      batches.length = 0;
      ended();
    }
  }

  /** A small job, queued to go to a thread with the jobs queued beside it. */
  private runSmall(job: PredictTask): Promise<PredictOutcome> {
    if (this.waiting.length >= this.opts.maxQueued) return Promise.reject(overloaded());
    this.active++;
    return new Promise<PredictOutcome>((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.handOverSmall();
    }).finally(() => this.settled());
  }

  /**
   * Gives waiting small jobs to the threads' free task places, shared out among them: one job at
   * a time while the queue is short, up to MAX_GROUP (and MAX_GROUP_BYTES) in one message when it
   * is long.
   */
  private handOverSmall(): void {
    const places = this.opts.threads * TASKS_PER_THREAD;
    while (this.waiting.length > 0 && this.groupsInFlight < places) {
      const share = Math.min(MAX_GROUP, Math.ceil(this.waiting.length / (places - this.groupsInFlight)));
      let size = 1;
      for (let bytes = this.waiting[0].job.bytes.byteLength; size < share; size++) {
        bytes += this.waiting[size].job.bytes.byteLength;
        if (bytes > MAX_GROUP_BYTES) break;
      }
      const group = this.waiting.splice(0, size);
      this.groupsInFlight++;
      const jobs = group.map((w) => w.job);
      // Each upload moves to the thread (its caller is done with it) instead of being copied.
      this.run({ kind: 'predict', jobs }, jobs.flatMap((j) => ownBuffer(j.bytes))).then(
        (outcomes) => (outcomes as JobOutcomes).forEach((o, k) => ('failed' in o ? group[k].reject(new Error(o.failed)) : group[k].resolve(o))),
        (error: unknown) => group.forEach((w) => w.reject(error)),
      ).finally(() => {
        this.groupsInFlight--;
        this.handOverSmall();
      });
    }
  }

  private settled(): void {
    if (--this.active > 0) return;
    this.onIdle?.();
    this.collectWhenIdle();
  }

  /**
   * Once nothing has run or been admitted for a moment, frees what the jobs since the last time
   * left: the threads' copies of shared uploads, and the main thread's answers. A small answer
   * written late (to a slow client) is an old object by then, which V8 frees only in a full
   * collection: after 128 clients of 1.9 MiB that read late, 265-292 MB stayed resident without this.
   */
  private collectWhenIdle(): void {
    clearTimeout(this.idleCollection);
    if (this.onIdle || this.active > 0 || this.pendingBytes > 0 || (this.uncollectedBytes === 0 && this.unfreedBytes === 0)) return;
    this.idleCollection = setTimeout(() => {
      if (this.active > 0 || this.pendingBytes > 0) return;
      if (this.unfreedBytes > 0) freeAllUnused();
      this.unfreedBytes = 0;
      if (this.uncollectedBytes > 0) void this.collectThreads();
    }, IDLE_COLLECT_MS).unref();
  }

  /** The tasks the threads have finished: fewer than the jobs when small jobs went in groups. */
  get tasksCompleted(): number {
    return this.pool.completed;
  }

  /** An answer being written must not fail for a full queue: it waits for room instead. */
  private async runWhenQueued(task: WorkerTask, transferList: ArrayBuffer[]): Promise<Uint8Array> {
    for (;;) {
      try {
        return (await this.run(task, transferList, false)) as Uint8Array;
      } catch (error) {
        if (!isQueueFull(error)) throw error;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  private async run(task: WorkerTask, transferList: ArrayBuffer[] = [], refuseWhenFull = true): Promise<WorkerResult> {
    this.active++;
    try {
      return await this.pool.run(task, { transferList });
    } catch (error) {
      if (refuseWhenFull && isQueueFull(error)) throw overloaded();
      throw error;
    } finally {
      this.settled();
    }
  }

  /**
   * Finishes every task already taken, queued ones too (their callers may have hung up, but a
   * thread terminated inside onnxruntime aborts the process), then stops the threads.
   */
  async close(): Promise<void> {
    // A thread still loading onnxruntime must not be terminated: that aborts the process.
    await this.allWarm?.catch(() => undefined);
    if (this.active > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    clearTimeout(this.idleCollection);
    await this.collecting;
    await this.pool.close();
  }
}
