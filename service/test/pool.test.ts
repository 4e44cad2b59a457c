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
});
