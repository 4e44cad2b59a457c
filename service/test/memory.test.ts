/**
 * Memory over time (issue 15), checked without timing or RSS: what the service admits before it
 * reads a body, what it holds while a client does not read its answer, and what the inference
 * threads keep of an upload once its job is over. Real service, real onnxruntime threads.
 */
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InferencePool } from '../src/inference/pool';
import { ModelRegistry } from '../src/models/registry';
import { MODELS_DIR } from '../src/paths';
import { csv, FEATURES, serveTestApp, ServedTestApp, TOKEN } from './helpers';

// As the image runs (process-settings.ts): every thread then has gc(), and so does this test.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1 << 20;

/** A valid upload of about `bytes`. */
function upload(bytes: number): Buffer {
  const row = '39.1,18.7,181,3750\r\n';
  return Buffer.from(csv([FEATURES]) + row.repeat(Math.ceil(bytes / row.length)));
}

interface RawRequest {
  socket: Socket;
  /** The start of what the server sent back (its head), as it arrives. */
  received: () => string;
  /** The last bytes it sent so far. */
  tail: () => string;
  closed: Promise<void>;
}

/** Every client socket a test opened, closed after it whether it passed or not (the server's close waits for them). */
const opened: Socket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
});

/** A client on a plain socket: sends the request's head (and `body`, if given) and reads the answer only if asked to. */
function rawPost(port: number, length: number, body?: Buffer, read = true): RawRequest {
  const socket = connect(port, '127.0.0.1');
  opened.push(socket);
  let text = '';
  let tail = '';
  socket.on('data', (d: Buffer) => {
    if (text.length < 4096) text += d.toString('latin1');
    tail = (tail + d.subarray(-16).toString('latin1')).slice(-16);
  });
  socket.on('error', () => undefined);
  if (!read) socket.pause();
  socket.write(`POST /v1/predict HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: text/csv\r\nContent-Length: ${length}\r\n\r\n`);
  if (body) socket.write(body);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, received: () => text, tail: () => tail, closed };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const predict = (url: string, body: Buffer) =>
  fetch(`${url}/v1/predict`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: new Uint8Array(body) });

describe('the inference threads', () => {
  let pool: InferencePool;
  let model: string;
  beforeAll(async () => {
    const registry = await ModelRegistry.load(MODELS_DIR);
    model = registry.defaultName;
    pool = new InferencePool(registry, { threads: 2, maxQueued: 10, maxPendingBytes: 64 * MiB, cpus: 2 });
    await pool.warmUp();
  });
  afterAll(() => pool.close());

  /** Memory held by ArrayBuffers and SharedArrayBuffers made here: a shared upload is freed only once no thread holds it. */
  const arrayBuffers = () => {
    gc();
    return process.memoryUsage().arrayBuffers;
  };

  /** Two large jobs, each read and written by both threads; nothing of them is kept here. */
  async function runLargeJobs(): Promise<void> {
    for (let k = 0; k < 2; k++) {
      const text = upload(8 * MiB);
      const bytes = new Uint8Array(new SharedArrayBuffer(text.length));
      bytes.set(text);
      const outcome = await pool.predict({ model, bytes });
      expect(outcome.ok).toBe(true);
      if (outcome.ok && 'stream' in outcome.body) for await (const batch of outcome.body.stream) expect(batch.byteLength).toBeGreaterThan(0);
    }
  }

  /**
   * arrayBuffers() once it has stopped falling. Jest runs several test files in one process, so
   * buffers an earlier file left may still be being freed; counted in `before` and freed during the
   * test, they would let a buffer this test leaves behind pass unseen.
   */
  async function settledArrayBuffers(): Promise<number> {
    let last = arrayBuffers();
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = arrayBuffers();
      if (last - now < 64 * 1024) return now;
      last = now;
    }
    return last;
  }

  it('let go of a large job’s upload once it is over, and collect it even while idle', async () => {
    const before = await settledArrayBuffers();
    await runLargeJobs();
    // Each thread used to keep its last task's upload (8 MiB) for as long as it stayed idle.
    await until('the uploads are freed', () => arrayBuffers() - before < 2 * MiB, 5000);
    // And stopping the threads frees nothing more: they held nothing.
    const idle = arrayBuffers();
    await pool.close();
    expect(idle - arrayBuffers()).toBeLessThan(2 * MiB);
  });
});

/**
 * In a thread of its own, as a workbook job runs: heap sizes after garbage that outlived young
 * collections (as a run of a sheet's rows does) was let go, before and after collectEachStep.
 */
const STEP_PROBE = `
require('tsx/cjs');
const { collectEachStep } = require(${JSON.stringify(join(__dirname, '..', 'src', 'memory.ts'))});
const { getHeapStatistics } = require('node:v8');
const { parentPort } = require('node:worker_threads');
const heap = () => getHeapStatistics().used_heap_size;
const buffers = () => process.memoryUsage().arrayBuffers;
/** About \`mb\` MB made by \`make\`, moved to the old generation (two young collections survived), then dropped. */
function oldGarbage(make, mb) {
  let kept = make(mb);
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  kept = undefined;
}
const objects = (mb) => Array.from({ length: mb * 16384 }, (_, i) => ({ row: i, text: 'cell ' + i }));
// Buffers: their bytes are outside the heap, held by small objects in it.
const bytes = (mb) => Array.from({ length: mb * 4 }, () => Buffer.alloc(256 * 1024, 1));
gc();
collectEachStep();
const sizes = {};
for (const [kind, size, make] of [['', heap, objects], ['Buffers', buffers, bytes]]) {
  const live = size();
  for (const [label, mb] of [['small', 1], ['large', 8]]) {
    oldGarbage(make, mb);
    sizes[label + kind + 'Before'] = size() - live;
    collectEachStep();
    sizes[label + kind + 'After'] = size() - live;
  }
}
parentPort.postMessage(sizes);
`;

/** The probe's sizes, from a thread of its own. */
async function stepProbeSizes(): Promise<Record<string, number>> {
  const worker = new Worker(STEP_PROBE, { eval: true });
  try {
    return await new Promise<Record<string, number>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe('a long job in a thread of its own', () => {
  let sizes: Record<string, number>;
  beforeAll(async () => {
    sizes = await stepProbeSizes();
  });

  it('is collected once its heap has grown a step (4 MB) past what was live, and not before', async () => {
    // The probe made what it means to: old garbage of about 1 MB, then about 9 MB.
    expect(sizes.smallBefore).toBeGreaterThan(0.5 * MiB);
    expect(sizes.largeBefore).toBeGreaterThan(5 * MiB);
    // Below the step nothing is collected; past it the heap goes back to what was live.
    expect(sizes.smallAfter).toBeGreaterThan(0.9 * sizes.smallBefore);
    expect(sizes.largeAfter).toBeLessThan(MiB);
  });

  it('counts the buffers the heap holds in the step: their bytes are outside it, freed only with their holders', async () => {
    expect(sizes.smallBuffersBefore).toBeGreaterThan(0.9 * MiB);
    expect(sizes.largeBuffersBefore).toBeGreaterThan(7.5 * MiB);
    expect(sizes.smallBuffersAfter).toBeGreaterThan(0.9 * MiB);
    expect(sizes.largeBuffersAfter).toBeLessThan(MiB);
  });
});

describe('admission', () => {
  let t: ServedTestApp;
  beforeAll(async () => {
    t = await serveTestApp({ maxPendingBytes: 24 * MiB, threads: 1 });
  });
  afterAll(() => t.close());

  it('counts a body being read in the budget, and refuses the next upload from its Content-Length before reading its body', async () => {
    const first = upload(16 * MiB);
    // The first upload has only begun to arrive: its declared size is held already.
    const reading = rawPost(t.port, first.length, first.subarray(0, MiB));
    await until('the first body is admitted', () => t.pool.heldBytes === t.pool.holdOf(first.length));

    // The second sends its head only: it is answered without a byte of its body.
    const second = rawPost(t.port, first.length);
    await until('the second upload is answered', () => /\r\n\r\n/.test(second.received()), 5000);
    expect(second.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(second.received()).toMatch(/\r\nretry-after: 2\r\n/i);
    expect(second.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(second.received()).toMatch(/"status":503/);
    await second.closed;

    // The first finishes and is answered in full; then there is room again.
    reading.socket.write(first.subarray(MiB));
    await until('the first upload is answered', () => reading.tail().endsWith('\r\n0\r\n\r\n'));
    expect(reading.received()).toMatch(/^HTTP\/1\.1 200 /);
    reading.socket.destroy();
    await until('the budget is given back', () => t.pool.heldBytes === 0);
    const again = await predict(t.url, first);
    await again.arrayBuffer();
    expect(again.status).toBe(200);
  });

  it('counts a body without a length as it arrives, and refuses it once it does not fit', async () => {
    await until('nothing is held', () => t.pool.heldBytes === 0);
    const first = upload(16 * MiB);
    const reading = rawPost(t.port, first.length, first.subarray(0, MiB));
    await until('the first body is admitted', () => t.pool.heldBytes === t.pool.holdOf(first.length));
    // Chunked: nothing declared, so it is admitted and counted as it comes.
    const socket = connect(t.port, '127.0.0.1');
    opened.push(socket);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(`POST /v1/predict HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const piece = upload(MiB).subarray(0, MiB);
    for (let k = 0; k < 12 && !answer; k++) {
      socket.write(`${piece.length.toString(16)}\r\n`);
      socket.write(piece);
      socket.write('\r\n');
      await new Promise((r) => setTimeout(r, 20));
    }
    await until('the chunked upload is refused', () => /\r\n\r\n/.test(answer), 5000);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    // Refused once the first's 16 MiB and its own passed 24 MiB, and given back.
    await until('only the first is held', () => t.pool.heldBytes === t.pool.holdOf(first.length));
    socket.destroy();
    reading.socket.destroy();
    await until('the budget is given back', () => t.pool.heldBytes === 0);
  });
});

describe('a client that does not read its answer', () => {
  let t: ServedTestApp;
  beforeAll(async () => {
    t = await serveTestApp({ maxPendingBytes: 24 * MiB, threads: 1, answerStallMs: 500 });
  });
  afterAll(() => t.close());

  it('is cut off once it takes nothing for a while, and the uploads after it are taken', async () => {
    const body = upload(16 * MiB);
    // Sends the whole upload, then never reads: its answer (about 20 MiB) outgrows the sockets' buffers.
    const stalled = rawPost(t.port, body.length, body, false);
    await until('the stalled upload is admitted', () => t.pool.heldBytes === t.pool.holdOf(body.length));
    // Its 16 MiB leave no room for another 16 MiB until it is cut off (it would be after 300 s).
    // Generous: on a loaded machine reading, predicting and answering 16 MiB take seconds.
    await until(
      'another upload is answered',
      async () => {
        const res = await predict(t.url, body).catch(() => undefined);
        await res?.arrayBuffer().catch(() => undefined);
        if (res?.status !== 200) await new Promise((r) => setTimeout(r, 200));
        return res?.status === 200;
      },
      60_000,
    );
    stalled.socket.resume();
    await stalled.closed;
    expect(stalled.tail().endsWith('\r\n0\r\n\r\n')).toBe(false);
    expect(t.logLines.some((line) => line.severity === 'WARNING' && /took none of its answer for 0\.5 s/.test(JSON.stringify(line)))).toBe(true);
    await until('the budget is given back', () => t.pool.heldBytes === 0);
  }, 120_000);
});


describe('answers being written (issue 18: a large file’s pieces in flight at once)', () => {
  let t: ServedTestApp;
  beforeAll(async () => {
    t = await serveTestApp({ maxPendingBytes: 6 * MiB, threads: 1 });
  });
  afterAll(() => t.close());

  /** Rows as narrow as they come: each answer row (a label and three probabilities) is about three times its upload row. */
  function narrow(bytes: number): Buffer {
    const row = '1,1,1,1\r\n';
    return Buffer.from(csv([FEATURES]) + row.repeat(Math.ceil(bytes / row.length)));
  }

  it('hold the budget until the client has taken them: a further upload is refused (503) meanwhile, and taken after', async () => {
    // A small job's answer is made whole (about 5.5 MiB here, more than the sockets' buffers take) and waits for its client.
    const body = narrow(1.9 * MiB);
    const done = t.pool.tasksCompleted;
    const unread = rawPost(t.port, body.length, body, false);
    await until('the job has run', () => t.pool.tasksCompleted > done);
    // It is held at its own size, larger than what the upload was admitted with.
    await until('only its answer is left', () => t.pool.heldBytes > t.pool.holdOf(body.length));

    // 1 MiB (2 MiB with its answer's room) fits beside the upload's 3.8 MiB, not beside the answer's 5.5.
    const next = await predict(t.url, upload(MiB));
    expect(next.status).toBe(503);
    expect(next.headers.get('retry-after')).toBe('2');
    await next.arrayBuffer();

    // Once the client takes its answer (whole, a 200), the budget is given back.
    let answer = '';
    unread.socket.on('data', (d: Buffer) => (answer.length < 64 ? (answer += d.toString('latin1')) : undefined));
    unread.socket.resume();
    await until('the answer is taken', () => /^HTTP\/1\.1 200 /.test(answer) && t.pool.heldBytes === 0);
    const again = await predict(t.url, upload(MiB));
    await again.arrayBuffer();
    expect(again.status).toBe(200);
  });

  it('count a streamed answer’s batches: an upload holds room for them beside its bytes', async () => {
    await until('nothing is held', () => t.pool.heldBytes === 0);
    // 3 MiB is streamed; with the room for its answer it fills the 6 MiB budget, so 1 MiB more does not fit.
    const body = upload(3 * MiB);
    const unread = rawPost(t.port, body.length, body, false);
    await until('the upload is admitted', () => t.pool.heldBytes === t.pool.holdOf(body.length));
    expect(t.pool.holdOf(body.length)).toBeGreaterThan(5 * MiB);
    const next = await predict(t.url, upload(MiB));
    expect(next.status).toBe(503);
    await next.arrayBuffer();
    unread.socket.destroy();
    await until('the budget is given back', () => t.pool.heldBytes === 0);
  });

  it('writes narrow rows’ answer in batches of about 1.25 MiB of answer, not of upload', async () => {
    const text = narrow(4 * MiB);
    const bytes = new Uint8Array(new SharedArrayBuffer(text.length));
    bytes.set(text);
    const outcome = await t.pool.predict({ model: t.registry.defaultName, bytes });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok || !('stream' in outcome.body)) throw new Error('expected a streamed answer');
    let total = 0;
    let largest = 0;
    for await (const batch of outcome.body.stream) {
      total += batch.byteLength;
      largest = Math.max(largest, batch.byteLength);
    }
    // The answer is several times the upload; each batch stays near 1.25 MiB of answer.
    expect(total).toBeGreaterThan(2 * text.length);
    expect(largest).toBeLessThan(1.5 * MiB);
  });
});
