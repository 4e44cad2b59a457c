/**
 * The job log's queue: records encoded into buffers (record-codec.ts) and bounded by bytes
 * (record-queue.ts), held against plain objects in an array on generated records and operations.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config';
import type { JobRecord } from '../src/jobs/job-store';
import { decode, encode, encodedSize } from '../src/jobs/record-codec';
import { Batch, RecordQueue } from '../src/jobs/record-queue';

/** A small seeded generator (mulberry32), so a failure can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

type Rng = ReturnType<typeof rng>;

const ALPHABET = ['a', 'Z', '0', ' ', '"', '\n', '\r', '\t', ',', 'é', '日本', '🐧', '\ud800', '\udfff', '\u0000', "'"];
const NUMBERS = [0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 53 + 2, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity];

function text(r: Rng, maxChars: number): string {
  let s = '';
  const n = r.pick([0, 1, 5, 254, 255, 256, r.int(maxChars + 1)]);
  while (s.length < n) s += r.pick(ALPHABET);
  return s;
}

const nullable = <T>(r: Rng, value: () => T): T | null => (r.next() < 0.3 ? null : value());
const num = (r: Rng) => (r.next() < 0.5 ? r.pick(NUMBERS) : (r.next() - 0.5) * 10 ** r.int(20));

function record(r: Rng, maxChars = 2000): JobRecord {
  return {
    id: randomUUID(),
    modelName: text(r, maxChars),
    modelVersion: nullable(r, () => text(r, 40)),
    status: r.pick(['succeeded', 'rejected', 'failed'] as const),
    httpStatus: r.pick([200, 401, 404, 413, 422, 500, 503, 0, 65535]),
    rows: nullable(r, () => num(r)),
    bytesIn: num(r),
    bytesOut: nullable(r, () => num(r)),
    durationMs: num(r),
    errorSummary: nullable(r, () => text(r, maxChars)),
    tokenFingerprint: nullable(r, () => text(r, 20)),
    caller: nullable(r, () => text(r, 320)),
    createdAt: new Date(r.int(4102444800000)).toISOString(),
    batch: nullable(r, () => text(r, 64)),
    errorCount: nullable(r, () => num(r)),
    ...(r.next() < 0.5 ? {} : { result: { location: text(r, maxChars), expiresAt: new Date(r.int(4102444800000)).toISOString() } }),
    ...(r.next() < 0.5 ? {} : { piece: { rowOffset: num(r), pieces: nullable(r, () => num(r)), fileName: nullable(r, () => text(r, 300)) } }),
  };
}

/** What the record is once through UTF-8 (a lone surrogate becomes U+FFFD, as it does on its way to PostgreSQL). */
const throughUtf8 = (j: JobRecord): JobRecord => {
  const out = Object.fromEntries(Object.entries(j).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v).toString() : v])) as unknown as JobRecord;
  if (j.result) out.result = { ...j.result, location: Buffer.from(j.result.location).toString() };
  if (j.piece) out.piece = { ...j.piece, fileName: j.piece.fileName === null ? null : Buffer.from(j.piece.fileName).toString() };
  return out;
};

describe('record codec', () => {
  it('gives back every generated record as it went in, in the bytes it said it would take', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      const job = record(r);
      const size = encodedSize(job);
      const buf = Buffer.alloc(size + 7, 0xaa);
      const end = encode(job, buf, 3);
      expect({ seed, end }).toEqual({ seed, end: 3 + size });
      expect(buf.subarray(end).every((b) => b === 0xaa)).toBe(true);
      expect({ seed, ...decode(buf, 3) }).toEqual({ seed, job: throughUtf8(job), next: end });
    }
  });
});

describe('record queue', () => {
  it('is first in, first out, like an array, and never holds more bytes than its bound (generated operations)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const r = rng(seed);
      const maxBytes = r.pick([64 * 1024, 200_000, 1024 * 1024]);
      const queue = new RecordQueue(maxBytes);
      const reference: JobRecord[] = [];
      let peeked: { batch: Batch; size: number } | undefined;
      for (let op = 0; op < 400; op++) {
        const roll = r.next();
        if (roll < 0.6) {
          // Now and then a record larger than a chunk (a long model name from the URL).
          const job = record(r, r.next() < 0.02 ? 100_000 : 300);
          const before = queue.bytes;
          if (queue.push(job)) reference.push(throughUtf8(job));
          else expect(before + Math.max(64 * 1024, encodedSize(job))).toBeGreaterThan(maxBytes);
        } else if (roll < 0.85 || !peeked) {
          const n = r.int(50);
          const batch = queue.peek(n);
          expect(batch.jobs).toEqual(reference.slice(0, n));
          peeked = { batch, size: batch.jobs.length };
        } else {
          // Records pushed between a peek and its removal stay.
          queue.remove(peeked.batch);
          reference.splice(0, peeked.size);
          peeked = undefined;
        }
        expect(queue.length).toBe(reference.length);
        expect(queue.bytes).toBeLessThanOrEqual(maxBytes);
      }
      queue.remove(queue.peek(Number.MAX_SAFE_INTEGER));
      expect(queue.length).toBe(0);
      // An empty queue lets its memory go.
      expect(queue.bytes).toBe(0);
    }
  });

  it('holds 5 minutes of one instance\'s load (1,150 records a second) in its default bytes', () => {
    const { jobLogQueueBytes } = loadConfig({ API_TOKEN: 'a-long-enough-token-123' });
    const queue = new RecordQueue(jobLogQueueBytes);
    const typical: JobRecord = {
      id: randomUUID(),
      modelName: 'penguin-species',
      modelVersion: '1.0.0',
      status: 'succeeded',
      httpStatus: 200,
      rows: 1,
      bytesIn: 96,
      bytesOut: 180,
      durationMs: 3,
      errorSummary: null,
      tokenFingerprint: '0123456789ab',
      caller: 'yamada.taro@example.co.jp',
      createdAt: new Date().toISOString(),
      batch: null,
      errorCount: null,
    };
    const records = 5 * 60 * 1150;
    let refused = 0;
    for (let i = 0; i < records; i++) if (!queue.push(typical)) refused++;
    expect(refused).toBe(0);
    expect(queue.length).toBe(records);
    expect(queue.bytes).toBeLessThanOrEqual(jobLogQueueBytes);
  });
});
