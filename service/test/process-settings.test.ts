/** The service's process is started the same way in the image and in the bench. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { readShared } from '../src/http/shared-body';
import { PROJECT_ROOT } from '../src/paths';
import { NODE_FLAGS, PROCESS_ENV, SERVICE_ENTRY, THREAD_SEMI_SPACE_MB } from '../src/process-settings';

/**
 * The most new space a thread of a process started with NODE_FLAGS takes while most of what it
 * allocates lives a little while (as a sheet's run of rows does), in MiB; `limited`: after
 * limitThreadsYoungGeneration, as the server calls it.
 */
function threadNewSpaceMb(limited: boolean): number {
  const probe = `
    const { Worker } = require('node:worker_threads');
    ${limited ? `require(${JSON.stringify(join(PROJECT_ROOT, 'service/src/process-settings.ts'))}).limitThreadsYoungGeneration();` : ''}
    const thread = \`
      const v8 = require('node:v8');
      let kept = [], most = 0;
      for (let i = 0; i < 2e6; i++) {
        kept.push('cell ' + i);
        if (kept.length > 5000) kept = [];
        if (i % 1000 === 0) most = Math.max(most, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
      }
      require('node:worker_threads').parentPort.postMessage(most);\`;
    new Worker(thread, { eval: true }).once('message', (most) => { console.log(most); process.exit(0); });`;
  const out = execFileSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', '-e', probe], { env: { ...process.env, ...PROCESS_ENV, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 30_000 });
  const bytes = Number(out.trim());
  if (!(bytes > 0)) throw new Error(`the probe measured nothing: ${out}`);
  return bytes / (1 << 20);
}

describe('process settings', () => {
  const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('are the image runtime stage’s environment and node flags', () => {
    for (const [name, value] of Object.entries(PROCESS_ENV)) expect(runtime).toMatch(new RegExp(`\\b${name}=${value}\\b`));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)![1]) as string[];
    expect(cmd).toEqual(['node', ...NODE_FLAGS, SERVICE_ENTRY]);
  });
});

describe('the threads’ young generation', () => {
  it('is capped at two semi-spaces once limited, which the command line’s 1 MB semi-space is not', () => {
    // Two semi-spaces (V8 may commit a page past them).
    expect(threadNewSpaceMb(true)).toBeLessThan(2 * THREAD_SEMI_SPACE_MB + 1);
    // Why the threads are set apart, on the Node the image runs (24: 33 MB here). Should a later
    // one cap a 1 MB semi-space itself, this fails, and the limit can go.
    if (Number(process.versions.node.split('.')[0]) === 24) expect(threadNewSpaceMb(false)).toBeGreaterThan(4 * THREAD_SEMI_SPACE_MB);
  });
});

describe('readShared', () => {
  it('collects a body, growing past a wrong size hint, into shared memory once it is large', async () => {
    const body = new PassThrough();
    const read = readShared(body, 4 << 20, 3);
    body.write('a,b\n');
    body.end('1,2\n');
    const bytes = await read;
    expect(bytes.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(bytes).toString()).toBe('a,b\n1,2\n');
    const large = new PassThrough();
    const readLarge = readShared(large, 4 << 20, 3);
    large.write('a,b\n');
    large.end(Buffer.alloc(2 << 20, 0x31));
    const largeBytes = await readLarge;
    expect(largeBytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(largeBytes.length).toBe(4 + (2 << 20));
    expect(Buffer.from(largeBytes.subarray(0, 5)).toString()).toBe('a,b\n1');
  });

  it('refuses a body past the limit, and one the client cut off', async () => {
    const big = new PassThrough();
    const tooBig = readShared(big, 4);
    big.end('12345');
    await expect(tooBig).rejects.toMatchObject({ code: 'LIMIT_FILE_SIZE' });
    const cut = new PassThrough();
    const aborted = readShared(cut, 100);
    cut.write('a,b\n');
    cut.destroy();
    await expect(aborted).rejects.toMatchObject({ code: 'BODY_ABORTED' });
  });
});
