/**
 * writePaced's promise to its callers (the pool's batches, a workbook's pieces): once it resolves,
 * the socket has taken the bytes, so their buffer may be written into again. A buffer reused too
 * early sends the later bytes in place of the earlier, or nothing (a buffer moved to a thread).
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { writePaced } from '../src/routes/write-answer';

async function served(pieces: number[]): Promise<{ got: Buffer; expected: Buffer }> {
  const expected: Buffer[] = [];
  const app = express();
  app.get('/', async (_req, res) => {
    res.status(200).set('Content-Type', 'application/octet-stream');
    // One buffer, written into again for every piece, as the pool and the workbook thread do.
    const buffer = Buffer.alloc(Math.max(...pieces));
    for (const [k, size] of pieces.entries()) {
      buffer.fill(65 + (k % 26), 0, size);
      expected.push(Buffer.from(buffer.subarray(0, size)));
      if (!(await writePaced(res, buffer.subarray(0, size), 5_000))) return;
    }
    res.end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { got: Buffer.from(await res.arrayBuffer()), expected: Buffer.concat(expected) };
  } finally {
    server.close();
  }
}

describe('writePaced', () => {
  it('has sent the bytes when it resolves, whatever their size (under and over the socket’s high-water mark, many slices)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 200_000, max: 700_000 })), { minLength: 1, maxLength: 8 }), async (pieces) => {
        const { got, expected } = await served(pieces);
        expect(got.equals(expected)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
