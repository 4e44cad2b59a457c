/**
 * The page's bundle of the CLI's large-file code (frontend/bundle/pieces.ts as esbuild builds it
 * for the browser: Buffer a Uint8Array view, UTF-8 checked by a fatal TextDecoder, a Blob as the
 * source) against the CLI's own modules in Node: the same pieces and the same encoding for
 * generated files of every awkward shape; and its UTF-16 copy and answer writer against the
 * service's own (service/src/csv/utf16.ts).
 */
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { fileKind } from '../../cli/file-encoding';
import { ByteSource, FilePiece, splitFile } from '../../cli/split-file';
import { fromUtf16, Utf16 } from '../../service/src/csv/utf16';
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

const encodeUtf16 = (text: string, order: Utf16): Buffer => {
  const le = Buffer.from(text, 'utf16le');
  return order === 'utf-16be' ? le.swap16() : le;
};
// Any code points (astral ones are surrogate pairs a slice can split), tabs, line breaks, quotes.
const TEXT = fc.string({ unit: fc.oneof(fc.constantFrom('\t', '\r\n', '"', '観', 'ｱ', '😀', '\uFEFF'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 60 });
const ORDER = fc.constantFrom<Utf16>('utf-16le', 'utf-16be');

it('copies UTF-16 text into UTF-8 as the service reads it, whatever the slices, and refuses what is not UTF-16 as the service does', async () => {
  await fc.assert(
    fc.asyncProperty(TEXT, ORDER, fc.integer({ min: 1, max: 9 }), fc.option(fc.constantFrom('odd byte', 'lone surrogate'), { nil: undefined }), async (text, order, sliceBytes, damage) => {
      let bytes = Buffer.concat([encodeUtf16('\uFEFF', order), encodeUtf16(text, order)]);
      if (damage === 'odd byte') bytes = Buffer.concat([bytes, Buffer.from([0x41])]);
      if (damage === 'lone surrogate') bytes = Buffer.concat([bytes, encodeUtf16('\uD800', order).subarray(0, 2), encodeUtf16('a', order)]);
      let service: Buffer | Error;
      try {
        service = Buffer.from(fromUtf16(bytes, order));
      } catch (error) {
        service = error as Error;
      }
      const page = await bundle.utf8Blob(new Blob([new Uint8Array(bytes)]), order, sliceBytes).then(
        async (blob) => Buffer.from(await blob.arrayBuffer()),
        (error: Error) => error,
      );
      if (service instanceof Error) {
        expect(page).toBeInstanceOf(bundle.NotUtf16);
        expect((page as Error).message).toContain(`not valid ${order.toUpperCase()} text`);
      } else {
        expect(page).toEqual(service);
      }
      expect(service instanceof Error).toBe(damage !== undefined || /[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')));
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? 1616) },
  );
});

it('writes UTF-8 answers back into UTF-16 with the bytes of Node’s own UTF-16 encoder for the whole text, characters split between pieces included', async () => {
  await fc.assert(
    fc.property(fc.array(TEXT, { maxLength: 5 }), ORDER, fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 8 }), (texts, order, cuts) => {
      const utf8 = Buffer.from(texts.join('\n'));
      // The answer's bytes in pieces cut anywhere, inside a character too.
      const pieces: Buffer[] = [];
      let at = 0;
      for (const n of cuts) pieces.push(utf8.subarray(at, (at = Math.min(utf8.length, at + n))));
      pieces.push(utf8.subarray(at));
      const page = new bundle.Utf16Writer(order);
      const written = Buffer.concat(pieces.map((piece, i) => page.write(piece, i === pieces.length - 1)));
      // The reference: the whole text, BOM first, by Buffer's encoder (byte-swapped for big-endian).
      const whole = Buffer.from('\ufeff' + new TextDecoder().decode(utf8), 'utf16le');
      expect(written).toEqual(order === 'utf-16be' ? whole.swap16() : whole);
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? 1617) },
  );
});
