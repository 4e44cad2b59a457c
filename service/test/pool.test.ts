/**
 * The inference pool under a queue: jobs must start in the order they came, or under load a few
 * wait many times longer than the rest (the 200-client p95 in bench/README.md).
 */
import { InferencePool } from '../src/inference/pool';
import { ModelRegistry } from '../src/models/registry';
import { MODELS_DIR } from '../src/paths';
import { csv, FEATURES } from './helpers';

let pool: InferencePool;
let model: string;
beforeAll(async () => {
  const registry = await ModelRegistry.load(MODELS_DIR);
  model = registry.defaultName;
  pool = new InferencePool(registry, { threads: 1, maxQueued: 100, maxPendingBytes: 64 << 20, cpus: 1 });
  await pool.warmUp();
});
afterAll(() => pool.close());

describe('the inference pool', () => {
  it('starts queued jobs in the order they came', async () => {
    const body = csv([FEATURES, ...Array.from({ length: 2000 }, (_, i) => [39 + (i % 9), 18, 190, 3700])]);
    const finished: number[] = [];
    // Every job is queued at once; each gets its own copy, since a small upload moves to the thread.
    const jobs = Array.from({ length: 24 }, (_, k) => pool.predict({ model, bytes: new Uint8Array(Buffer.from(body)) }).then(() => finished.push(k)));
    await Promise.all(jobs);
    // A thread runs two jobs at a time, so neighbours may swap; none may be overtaken by more.
    finished.forEach((k, place) => expect(Math.abs(k - place)).toBeLessThanOrEqual(1));
  });

  it('hands queued small jobs to the thread several at a time, each with its own answer', async () => {
    const bodyFor = (k: number) => csv([FEATURES, ...Array.from({ length: 50 + k }, () => [39 + (k % 9), 18, 190, 3700])]);
    const before = pool.tasksCompleted;
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, k) => pool.predict({ model, bytes: new Uint8Array(Buffer.from(bodyFor(k))) })));
    // Two go alone (the thread's two free places), the rest in groups of up to 8.
    expect(pool.tasksCompleted - before).toBeLessThanOrEqual(2 + Math.ceil(38 / 8));
    outcomes.forEach((o, k) => expect(o).toMatchObject({ ok: true, rows: 50 + k }));
    // Jobs of 200 KiB go one at a time: together they would pass the group's byte limit.
    const large = csv([FEATURES, ...Array.from({ length: 12_000 }, () => [39, 18, 190, 3700])]);
    expect(large.length).toBeGreaterThan(150_000);
    const beforeLarge = pool.tasksCompleted;
    await Promise.all(Array.from({ length: 6 }, () => pool.predict({ model, bytes: new Uint8Array(Buffer.from(large)) })));
    expect(pool.tasksCompleted - beforeLarge).toBe(6);
  });

  it('fails only the job of a group that fails', async () => {
    const good = () => pool.predict({ model, bytes: new Uint8Array(Buffer.from(csv([FEATURES, [39, 18, 190, 3700]]))) });
    const outcomes = await Promise.allSettled([good(), good(), good(), pool.predict({ model: 'no-such-model', bytes: new Uint8Array(8) }), good()]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[3] as PromiseRejectedResult).reason.message).toMatch(/no session for model no-such-model/);
  });
});

describe('an answer of the prediction columns alone (a workbook’s write-back takes it)', () => {
  it('holds, row for row, the columns that end the full answer’s rows: one thread at once, and many chunks streamed by two', async () => {
    const registry = await ModelRegistry.load(MODELS_DIR);
    const streaming = new InferencePool(registry, { threads: 2, maxQueued: 10, maxPendingBytes: 256 << 20, cpus: 2, chunkBytes: 64 * 1024 });
    const text = async (outcome: Awaited<ReturnType<InferencePool['predict']>>) => {
      if (!outcome.ok) throw new Error(outcome.problem.detail);
      const pieces: Uint8Array[] = [];
      if ('bytes' in outcome.body) pieces.push(outcome.body.bytes);
      else for await (const piece of outcome.body.stream) pieces.push(Buffer.from(piece));
      return Buffer.concat(pieces).toString('utf8');
    };
    try {
      // A label that needs quoting ("Adelie, …" is not one) and a cell a spreadsheet would run in the rows' own columns.
      const rowOf = (i: number) => [30 + ((i * 7) % 300) / 10, 14 + (i % 80) / 10, 170 + (i % 60), 2700 + ((i * 37) % 3600), i % 5 === 0 ? '=1+1' : 'x'];
      for (const [rows, name] of [[300, 'penguin-species'], [150_000, 'penguin-species'], [150_000, 'penguin-sex']] as const) {
        const body = csv([[...FEATURES, 'note'], ...Array.from({ length: rows }, (_, i) => rowOf(i))]);
        const predict = (answer: 'rows' | 'predictions') => streaming.predict({ model: name, bytes: new Uint8Array(Buffer.from(body)), answer });
        const full = (await text(await predict('rows'))).trimEnd().split('\r\n');
        const alone = (await text(await predict('predictions'))).trimEnd().split('\r\n');
        const added = alone[0].split(',').length;
        expect(alone[0]).toBe(full[0].split(',').slice(-added).join(','));
        expect(alone).toHaveLength(rows + 1);
        // Labels and probabilities carry no commas or quotes, so the columns are the lines' last cells.
        expect(alone.slice(1)).toEqual(full.slice(1).map((line) => line.split(',').slice(-added).join(',')));
      }
    } finally {
      await streaming.close();
    }
  });
});

describe('a pool starting up', () => {
  it('is ready once one thread has its sessions, and closes only after the others have theirs', async () => {
    const registry = await ModelRegistry.load(MODELS_DIR);
    const starting = new InferencePool(registry, { threads: 3, maxQueued: 10, maxPendingBytes: 64 << 20, cpus: 3 });
    await starting.ready();
    const outcome = await starting.predict({ model: registry.defaultName, bytes: new Uint8Array(Buffer.from(csv([FEATURES, [39, 18, 190, 3700]]))) });
    expect(outcome).toMatchObject({ ok: true, rows: 1 });
    // Closed at once, it still lets every thread finish starting (a thread terminated while loading
    // onnxruntime aborts the process): each answers a warm-up, besides ready()'s and the job.
    await starting.close();
    expect(starting.tasksCompleted).toBeGreaterThanOrEqual(3 + 2);
  });
});
