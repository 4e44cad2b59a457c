/**
 * The page's workbook worker inflates with frontend/bundle/zlib-shim.ts in place of node:zlib:
 * both of its ways (the browser's DecompressionStream, which Node 24 has too, and fflate) against
 * Node's own zlib on generated parts, whole and damaged.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { createInflateRaw } from '../bundle/zlib-shim';

async function inflated(stored: Uint8Array, native: boolean): Promise<Buffer> {
  const inflate = createInflateRaw({}, native);
  inflate.end(stored);
  const pieces: Uint8Array[] = [];
  for await (const piece of inflate) pieces.push(piece);
  return Buffer.concat(pieces);
}

// XML-like text (what a sheet part is: long, repetitive, some multi-byte) and raw bytes.
const PART = fc.oneof(
  fc.array(fc.tuple(fc.nat(300_000), fc.constantFrom('', '山田', 'é')), { maxLength: 3000 }).map((cells) => Buffer.from(cells.map(([n, s]) => `<c r="A${n}"><v>${n}${s}</v></c>`).join(''))),
  fc.uint8Array({ maxLength: 200_000 }).map((b) => Buffer.from(b)),
);

describe.each([true, false])('zlib shim (DecompressionStream: %s)', (native) => {
  it('inflates what node:zlib deflated, at every level', async () => {
    await fc.assert(
      fc.asyncProperty(PART, fc.integer({ min: 0, max: 9 }), async (part, level) => {
        expect((await inflated(deflateRawSync(part, { level }), native)).equals(part)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a damaged stream rather than answering short', async () => {
    const part = Buffer.from('<row r="1"><c><v>1</v></c></row>'.repeat(5000));
    const stored = deflateRawSync(part);
    const damaged = Buffer.from(stored);
    damaged[0] = 0xff; // a reserved block type
    await expect(inflated(damaged, native)).rejects.toThrow();
  });
});
