/**
 * The page's bundle of the CLI's large-file code (frontend/bundle/pieces.ts as esbuild builds it
 * for the browser: Buffer a Uint8Array view, UTF-8 checked by a fatal TextDecoder, a Blob as the
 * source) against the CLI's own modules in Node: the same pieces and the same encoding for
 * generated files of every awkward shape.
 */
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { fileKind } from '../../cli/file-encoding';
import { ByteSource, FilePiece, splitFile } from '../../cli/split-file';
import { tempDir } from '../../service/test/helpers';
import { bundlePieces } from '../dev/vendor';

type Bundle = typeof import('../bundle/pieces');
let bundle: Bundle;

beforeAll(() => {
  const out = join(tempDir('pieces-bundle-'), 'pieces.cjs');
  bundlePieces(out, 'cjs');
  // The bundle must not lean on Node: no Buffer in scope when it runs.
  const saved = globalThis.Buffer;
  try {
    (globalThis as { Buffer?: unknown }).Buffer = undefined;
    bundle = require(out) as Bundle;
  } finally {
    globalThis.Buffer = saved;
  }
});

const bufferSource = (bytes: Buffer): ByteSource => ({ size: bytes.length, read: async (at, n) => bytes.subarray(at, at + n) });

async function all(pieces: AsyncIterable<FilePiece>) {
  const out = [];
  for await (const p of pieces) out.push({ ...p, body: Buffer.from(p.body).toString('latin1') });
  return out;
}

const CELL = fc.oneof(
  fc.constantFrom('', 'plain', '観察', 'ｱｲｳ', '"q, c"', '"two\r\nlines"', '"a\nb\rc"', '"say ""hi"""', '5" tall', '"', '""', '"\r\n"', '\uFEFF'),
  fc.string({ maxLength: 6 }),
);
const FILE = fc.record({
  rows: fc.array(fc.array(CELL, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 40 }),
  eol: fc.constantFrom('\r\n', '\n', '\r'),
  encoding: fc.constantFrom('utf-8', 'bom', 'shift_jis'),
  pieceBytes: fc.integer({ min: 1, max: 400 }),
  firstPieceBytes: fc.integer({ min: 1, max: 400 }),
});

it('cuts and classifies files as the CLI does, with Buffer gone and a Blob as the source', async () => {
  await fc.assert(
    fc.asyncProperty(FILE, async (f) => {
      const text = ['h1,h2', ...f.rows.map((r) => r.join(','))].join(f.eol) + f.eol;
      const bytes = f.encoding === 'shift_jis' ? iconv.encode(text, 'Shift_JIS') : Buffer.concat([Buffer.from(f.encoding === 'bom' ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text)]);
      const page = await all(bundle.splitFile(bundle.blobSource(new Blob([new Uint8Array(bytes)])), f.pieceBytes, f.firstPieceBytes));
      const cli = await all(splitFile(bufferSource(bytes), f.pieceBytes, f.firstPieceBytes));
      expect(page).toEqual(cli);
      expect(await bundle.fileKind(bundle.blobSource(new Blob([new Uint8Array(bytes)])), bundle.isUtf8)).toEqual(await fileKind(bufferSource(bytes), isUtf8));
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? 1818) },
  );
});
