/**
 * A batch's kept pieces served as one file (GET /v1/batches/{batch}/result), through the real
 * service with the folder backend: a file sent in pieces with keep=true, fetched as one, equals
 * byte for byte the answer of the file sent whole (generated files in UTF-8, UTF-8 with BOM,
 * Shift_JIS and UTF-16 of both byte orders; quoted multi-line cells and headers, blank lines,
 * pieces sent out of order); an incomplete, expired, unkept or another caller's batch is a 404
 * with its reason, and pieces that are not one file a 409.
 */
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { FolderResultStore } from '../src/results/folder-store';
import { AccessIssuer } from './access-issuer';
import { FEATURES, serveTestApp, ServedTestApp, tempDir, TOKEN } from './helpers';

const auth = { Authorization: `Bearer ${TOKEN}` };
type Encoding = 'utf-8' | 'utf-8-bom' | 'shift_jis' | 'utf-16le' | 'utf-16be';

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const problem = (a: Answer) => JSON.parse(a.body.toString()) as { type: string; detail: string };

/** The file as records, so pieces can be cut between them exactly: each piece starts at a data row. */
interface TestFile {
  header: string;
  /** Each data row with the blank lines after it. */
  groups: string[][];
  eol: string;
  finalEol: boolean;
  encoding: Encoding;
}

function encode(text: string, encoding: Encoding): Buffer {
  if (encoding === 'shift_jis') return iconv.encode(text, 'Shift_JIS');
  if (encoding === 'utf-16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (encoding === 'utf-16be') return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  return Buffer.concat([Buffer.from(encoding === 'utf-8-bom' ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text)]);
}

/** The records of groups [from, to) after the header, as a file or piece would end them. */
function text(f: TestFile, from: number, to: number): string {
  const records = [f.header, ...f.groups.slice(from, to).flat()];
  return records.join(f.eol) + (to < f.groups.length || f.finalEol ? f.eol : '');
}

/** The pieces' bodies and row offsets (records before each, blank lines included), cut before the groups at `cuts`. */
function pieces(f: TestFile, cuts: number[]): { body: Buffer; rowOffset: number }[] {
  const bounds = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < f.groups.length).sort((a, b) => a - b), f.groups.length];
  return bounds.slice(1).map((to, i) => {
    const from = bounds[i];
    const rowOffset = f.groups.slice(0, from).flat().length;
    // The first piece is the file's own start, BOM included; every piece is encoded whole (UTF-16 ones get their BOM).
    return { body: encode(text(f, from, to), i === 0 || f.encoding.startsWith('utf-16') ? f.encoding : f.encoding === 'utf-8-bom' ? 'utf-8' : f.encoding), rowOffset };
  });
}

const isUtf16 = (e: Encoding) => e.startsWith('utf-16');
const NOTE = fc.constantFrom('', 'plain', '観察', 'ｱｲｳ half-width', '"quoted, with comma"', '"two\r\nlines"', '"three\nlines\nhere"', '"say ""hi"""', '5" tall', '"\r\n"');
const FILE = fc
  .record({
    encoding: fc.constantFrom<Encoding>('utf-8', 'utf-8-bom', 'shift_jis', 'utf-16le', 'utf-16be'),
    noteName: fc.constantFrom('note', '備考', '"memo\nline two"', '"a, b"'),
    rows: fc.array(fc.record({ note: NOTE, emoji: fc.boolean(), bill: fc.integer({ min: 300, max: 600 }), blankAfter: fc.boolean() }), { minLength: 1, maxLength: 24 }),
    eol: fc.constantFrom('\r\n', '\n'),
    finalEol: fc.boolean(),
  })
  .map(({ encoding, noteName, rows, eol, finalEol }): TestFile => {
    // Excel's "Unicode text" is tab-separated; Shift_JIS carries no emoji.
    const sep = isUtf16(encoding) ? '\t' : ',';
    const groups = rows.map((r) => {
      const note = r.emoji && encoding !== 'shift_jis' && !r.note.startsWith('"') ? `${r.note}🐧` : r.note;
      return [[note, (r.bill / 10).toFixed(1), 18.7, 181, 3750].join(sep), ...(r.blankAfter ? [''] : [])];
    });
    return { header: [noteName, ...FEATURES].join(sep), groups, eol, finalEol, encoding };
  });

const encodingQuery = (e: Encoding) => (e === 'shift_jis' ? '&encoding=shift_jis' : e.startsWith('utf-8') ? '&encoding=utf-8' : '');

describe('a batch kept in pieces, served as one file (folder backend)', () => {
  let t: ServedTestApp;
  let issuer: AccessIssuer;
  beforeAll(async () => {
    issuer = await AccessIssuer.start();
    t = await serveTestApp({
      threads: 2,
      access: issuer.settings,
      admins: { emails: ['boss@example.com'] },
      results: { store: new FolderResultStore(tempDir('results-batch-'), 30), retentionDays: 30 },
    });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  const as = async (email?: string): Promise<Record<string, string>> => (email ? { ...auth, 'Cf-Access-Jwt-Assertion': await issuer.assertion({ email }) } : auth);
  let batches = 0;
  const newBatch = () => `batch-${process.pid}-${++batches}`;

  async function sendPiece(body: Buffer, query: string, email?: string): Promise<Answer> {
    return call(`${t.url}/v1/predict?filename=survey${query}`, { method: 'POST', headers: { ...(await as(email)), 'Content-Type': 'text/csv' }, body: body as Uint8Array<ArrayBuffer> });
  }

  /** All pieces at once, in any order; `pieces=` on the last. */
  async function sendBatch(batch: string, parts: { body: Buffer; rowOffset: number }[], opts: { encoding?: Encoding; email?: string; keep?: boolean; declare?: boolean } = {}): Promise<Answer[]> {
    const answers = await Promise.all(
      parts.map((p, i) => {
        const last = i === parts.length - 1 && opts.declare !== false ? `&pieces=${parts.length}` : '';
        return sendPiece(p.body, `&batch=${batch}&row_offset=${p.rowOffset}${opts.keep === false ? '' : '&keep=true'}${last}${encodingQuery(opts.encoding ?? 'utf-8')}`, opts.email);
      }),
    );
    await t.jobLog.flush(2000);
    return answers;
  }

  const fetchBatch = async (batch: string, email?: string) => call(`${t.url}/v1/batches/${batch}/result`, { headers: await as(email) });

  it('gives byte for byte the answer of the file sent whole (UTF-8, BOM, Shift_JIS, UTF-16 LE and BE; pieces sent at once, in any order)', async () => {
    const seen = new Set<Encoding>();
    await fc.assert(
      fc.asyncProperty(FILE, fc.array(fc.integer({ min: 1, max: 23 }), { maxLength: 5 }), async (f, cuts) => {
        seen.add(f.encoding);
        const whole = await sendPiece(encode(text(f, 0, f.groups.length), f.encoding), encodingQuery(f.encoding));
        expect([whole.status, whole.body.toString().slice(0, 300)]).toEqual([200, expect.anything()]);
        const parts = pieces(f, cuts);
        const batch = newBatch();
        const answers = await sendBatch(batch, parts, { encoding: f.encoding });
        expect(answers.map((a) => a.status)).toEqual(parts.map(() => 200));
        const joined = await fetchBatch(batch);
        expect(joined.status).toBe(200);
        expect(joined.body.equals(whole.body)).toBe(true);
        expect(joined.headers.get('content-type')).toBe(whole.headers.get('content-type'));
        expect(joined.headers.get('content-disposition')).toBe(whole.headers.get('content-disposition'));
        expect(joined.headers.get('x-batch-pieces')).toBe(String(parts.length));
      }),
      { numRuns: 40, seed: 18 },
    );
    expect([...seen].sort()).toEqual(['shift_jis', 'utf-16be', 'utf-16le', 'utf-8', 'utf-8-bom']);
  }, 600_000);

  it('is incomplete (404, with the count) until every declared piece is kept, and whole once the missing one arrives', async () => {
    const f: TestFile = { header: ['note', ...FEATURES].join(','), groups: [0, 1, 2, 3, 4, 5].map((i) => [`row ${i},39.1,18.7,181,3750`]), eol: '\r\n', finalEol: true, encoding: 'utf-8' };
    const parts = pieces(f, [2, 4]);
    const batch = newBatch();
    await sendBatch(batch, [parts[0], parts[2]], { declare: false });
    let answer = await fetchBatch(batch);
    expect([answer.status, problem(answer).type]).toEqual([404, '/problems/batch-incomplete']);
    expect(problem(answer).detail).toContain('none said how many');
    await sendPiece(parts[2].body, `&batch=${batch}&row_offset=${parts[2].rowOffset}&keep=true&pieces=3&encoding=utf-8`);
    await t.jobLog.flush(2000);
    answer = await fetchBatch(batch);
    expect([answer.status, problem(answer).type, problem(answer).detail]).toEqual([404, '/problems/batch-incomplete', expect.stringContaining('has 2 of its 3 pieces kept')]);
    // The missing piece, sent without keep: still incomplete.
    await sendPiece(parts[1].body, `&batch=${batch}&row_offset=${parts[1].rowOffset}&encoding=utf-8`);
    await t.jobLog.flush(2000);
    expect((await fetchBatch(batch)).status).toBe(404);
    await sendPiece(parts[1].body, `&batch=${batch}&row_offset=${parts[1].rowOffset}&keep=true&encoding=utf-8`);
    await t.jobLog.flush(2000);
    answer = await fetchBatch(batch);
    const whole = await sendPiece(encode(text(f, 0, 6), 'utf-8'), '');
    expect(answer.status).toBe(200);
    expect(answer.body.equals(whole.body)).toBe(true);
  });

  it("answers 404 for another caller's batch and an unknown one, gives it to its caller and an admin, and says when nothing was kept", async () => {
    const f: TestFile = { header: ['note', ...FEATURES].join(','), groups: [0, 1, 2].map((i) => [`観察 ${i},39.1,18.7,181,3750`]), eol: '\n', finalEol: true, encoding: 'utf-8' };
    const batch = newBatch();
    await sendBatch(batch, pieces(f, [1, 2]), { email: 'alice@example.com' });
    const whole = await sendPiece(encode(text(f, 0, 3), 'utf-8'), '', 'alice@example.com');
    for (const who of ['alice@example.com', 'boss@example.com']) {
      const got = await fetchBatch(batch, who);
      expect([who, got.status, got.body.equals(whole.body)]).toEqual([who, 200, true]);
    }
    for (const who of ['bob@example.com', undefined]) {
      const got = await fetchBatch(batch, who);
      expect([who, got.status, problem(got).type]).toEqual([who, 404, '/problems/unknown-batch']);
    }
    const unknown = await fetchBatch('never-sent');
    expect([unknown.status, problem(unknown).type]).toEqual([404, '/problems/unknown-batch']);
    const bad = await fetchBatch('-not.an.id');
    expect([bad.status, problem(bad).type]).toEqual([400, '/problems/bad-parameter']);

    const unkept = newBatch();
    await sendBatch(unkept, pieces(f, [1]), { keep: false });
    const none = await fetchBatch(unkept);
    expect([none.status, problem(none).type, problem(none).detail]).toEqual([404, '/problems/batch-incomplete', expect.stringContaining('none of the 2 request(s)')]);
  });

  it('refuses pieces that are not one file (409): two files under one batch id', async () => {
    const f: TestFile = { header: ['note', ...FEATURES].join(','), groups: [0, 1, 2].map((i) => [`x ${i},39.1,18.7,181,3750`]), eol: '\n', finalEol: true, encoding: 'utf-8' };
    const batch = newBatch();
    await sendBatch(batch, pieces(f, [1]));
    // Another file's pieces cut elsewhere, said to be 2 as well: three row offsets kept.
    await sendBatch(batch, pieces(f, [2]));
    const got = await fetchBatch(batch);
    expect([got.status, problem(got).type]).toEqual([409, '/problems/batch-not-joinable']);
  });
});

describe('a batch whose pieces expire', () => {
  it('is 404 result-expired once a piece is past the retention, and swept, still says so', async () => {
    const dir = tempDir('results-batch-expiry-');
    const retentionDays = 1.5 / 86_400; // 1.5 s
    const store = new FolderResultStore(dir, retentionDays);
    const t = await serveTestApp({ results: { store, retentionDays } });
    try {
      const body = (rows: number[]) => Buffer.from([['note', ...FEATURES].join(','), ...rows.map((i) => `r${i},39.1,18.7,181,3750`)].join('\n') + '\n');
      const batch = 'expiring-batch';
      for (const [i, rows] of [[0, 1], [2, 3]].entries()) {
        const res = await fetch(`${t.url}/v1/predict?batch=${batch}&row_offset=${i * 2}&keep=true${i === 1 ? '&pieces=2' : ''}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: body(rows) });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      await t.jobLog.flush(2000);
      expect((await call(`${t.url}/v1/batches/${batch}/result`, { headers: auth })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      const expired = await call(`${t.url}/v1/batches/${batch}/result`, { headers: auth });
      expect([expired.status, problem(expired).type]).toEqual([404, '/problems/result-expired']);
      expect(await store.sweep()).toBe(4);
      const swept = await call(`${t.url}/v1/batches/${batch}/result`, { headers: auth });
      expect([swept.status, problem(swept).type]).toEqual([404, '/problems/result-expired']);
    } finally {
      await t.close();
    }
  });
});

describe('a batch while the job log database is away', () => {
  it('is 503 job-log-unavailable with Retry-After, not a 5xx of its own or a partial file', async () => {
    const t = await serveTestApp({ results: { store: new FolderResultStore(tempDir('results-batch-db-'), 30), retentionDays: 30 } });
    try {
      const res = await fetch(`${t.url}/v1/predict?batch=db-away&row_offset=0&keep=true&pieces=1`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: `${FEATURES.join(',')}\n39.1,18.7,181,3750\n` });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await t.jobLog.flush(2000);
      await t.db.close();
      const away = await call(`${t.url}/v1/batches/db-away/result`, { headers: auth });
      expect([away.status, problem(away).type, away.headers.get('retry-after')]).toEqual([503, '/problems/job-log-unavailable', '5']);
    } finally {
      await t.close().catch(() => undefined);
    }
  });
});
