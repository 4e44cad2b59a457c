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
