/**
 * The real service process under hostile and careless clients, over real sockets: decompression
 * bombs, broken multipart forms and cursors, leaks of the database's address, what Node itself
 * answers, slow and idle connections, uploads without a token, and answers while draining.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { AddressInfo, connect, createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { csv, FEATURES, tempDir, TOKEN } from './helpers';
import { ServerProcess, startServerProcess } from './server-process';

const auth = { Authorization: `Bearer ${TOKEN}` };

function repeatedCsv(bytes: number): Buffer {
  const row = '39.1,18.7,181,3750\r\n';
  const header = `${FEATURES.join(',')}\r\n`;
  return Buffer.from(header + row.repeat(Math.floor((bytes - header.length) / row.length)));
}

interface RawAnswer {
  text: string;
  /** From the first byte sent until the server closed the connection. */
  closedAfterMs: number;
}

/** Sends `write(socket)`'s bytes over a raw socket and collects what comes back until the server closes (or `waitMs`). */
function raw(port: number, write: (socket: Socket) => void, waitMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    write(socket);
  });
}

function problemOf(text: string): { status: number; headers: string; body: Record<string, unknown> } {
  const [head, body] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body: body ? JSON.parse(body) : {} };
}

/**
 * PGlite opens on the first job record and takes seconds to start on a busy machine; a SIGTERM
 * meanwhile waits for it past the shutdown timeout (the job log's concern, not these tests').
 */
async function untilJobLogOpen(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await (await fetch(`${server.url}/readyz`)).json()).database === 'ok') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the job log did not open');
}

const severityOf = (server: ServerProcess, message: RegExp) => server.logLines().filter((l) => message.test(String(l.message))).map((l) => l.severity);

describe('hostile input over real sockets', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it.each([
    ['br', (b: Buffer) => brotliCompressSync(b)],
    ['gzip', (b: Buffer) => gzipSync(b, { level: 9 })],
    ['deflate', (b: Buffer) => deflateSync(b, { level: 9 })],
  ])('refuses a %s decompression bomb (a valid CSV of 32 MiB) with 413, but takes the same coding of a real file', async (coding, compress) => {
    const bomb = compress(repeatedCsv(32 * 1048576 - 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    const res = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv', 'Content-Encoding': coding }, body: bomb });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: '/problems/compression-ratio', detail: expect.stringMatching(new RegExp(`${coding} body expands more than 200-fold`)) });

    const real = csv([FEATURES, ...Array.from({ length: 3000 }, (_, i) => [35 + (i % 97) / 7, 14 + (i % 53) / 9, 170 + (i % 61), 3000 + ((i * 37) % 2500)])]);
    const ok = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv', 'Content-Encoding': coding }, body: compress(Buffer.from(real)) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-row-count')).toBe('3000');
  });

  const B = 'b0undary';
  const part = (header: string) => `--${B}\r\n${header}\r\n\r\n${csv([FEATURES, [39.1, 18.7, 181, 3750]])}\r\n--${B}--\r\n`;
  const disposition = 'Content-Disposition: form-data; name="file"; filename="a.csv"';
  it.each([
    ['no boundary', 'multipart/form-data', part(disposition), /no boundary/],
    ['a truncated form', `multipart/form-data; boundary=${B}`, part(disposition).slice(0, -20), /ends before its closing boundary/],
    ['a part header without a colon', `multipart/form-data; boundary=${B}`, part('Content-Disposition form-data; name="file"; filename="a.csv"'), /part header is malformed/],
    ['a NUL in the file name', `multipart/form-data; boundary=${B}`, part('Content-Disposition: form-data; name="file"; filename="a\0.csv"'), /part header is malformed/],
    ['a 100 KB part header', `multipart/form-data; boundary=${B}`, part(`X-Padding: ${'x'.repeat(100_000)}\r\n${disposition}`), /part header is malformed or longer than 16 KiB/],
  ])('answers a multipart form with %s with 400 problem+json, logged as a warning', async (what, type, body, detail) => {
    const before = server.logLines().length;
    const res = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': type }, body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: '/problems/bad-upload', detail: expect.stringMatching(detail) });
    await new Promise((r) => setTimeout(r, 100));
    const lines = server.logLines().slice(before);
    expect(lines.filter((l) => l.severity === 'ERROR')).toEqual([]);
    expect(lines.find((l) => l.message === 'POST /v1/predict 400')).toMatchObject({ severity: 'WARNING' });
    expect(JSON.stringify(lines)).not.toMatch(/\n\s+at |"stack"/);
  });

  it('answers crafted cursors with 400, never a database error', async () => {
    const cursors = [
      '2030-01-01|------------------------------------',
      '2030|00000000-0000-0000-0000-000000000000',
      '275760-09-13|00000000-0000-0000-0000-000000000000',
      'Tue Mar 01 2022|00000000-0000-0000-0000-000000000000',
      '0000-01-01T00:00:00.000Z|00000000-0000-0000-0000-000000000000',
      '2030-01-01T00:00:00.000Z|00000000-0000-0000-0000-00000000000g',
      '2030-02-30T00:00:00.000Z|00000000-0000-0000-0000-000000000000',
    ].map((c) => Buffer.from(c).toString('base64url'));
    for (const cursor of cursors) {
      const res = await fetch(`${server.url}/v1/jobs?cursor=${cursor}`, { headers: auth });
      const body = await res.json();
      expect([Buffer.from(cursor, 'base64url').toString(), res.status, body.type]).toEqual([Buffer.from(cursor, 'base64url').toString(), 400, '/problems/bad-parameter']);
      expect(JSON.stringify(body)).not.toMatch(/syntax|uuid|timestamp|range/i);
    }
    // A cursor the service issued still pages.
    for (let i = 0; i < 3; i++) await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: csv([FEATURES, [39.1, 18.7, 181, 3750]]) });
    await new Promise((r) => setTimeout(r, 300));
    const first = await (await fetch(`${server.url}/v1/jobs?limit=1`, { headers: auth })).json();
    const next = await fetch(`${server.url}/v1/jobs?limit=1&cursor=${first.nextCursor}`, { headers: auth });
    expect(next.status).toBe(200);
  });

  it("answers Node's own refusals (431, 400) as problem+json", async () => {
    const before = server.logLines().length;
    const big = await raw(server.port, (s) => s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(problemOf(big.text)).toMatchObject({ status: 431, headers: expect.stringMatching(/content-type: application\/problem\+json/i), body: { type: '/problems/header-too-large', status: 431 } });
    const garbage = await raw(server.port, (s) => s.write('GARBAGE\r\n\r\n'));
    expect(problemOf(garbage.text)).toMatchObject({ status: 400, body: { type: '/problems/bad-request', status: 400 } });
    const badLength = await raw(server.port, (s) => s.write('POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'));
    expect(problemOf(badLength.text)).toMatchObject({ status: 400, body: { status: 400 } });
    await new Promise((r) => setTimeout(r, 100));
    const logged = server.logLines().slice(before).filter((l) => /before routing/.test(String(l.message)));
    expect(logged.map((l) => [l.severity, l.message])).toEqual([
      ['WARNING', '431 before routing: HPE_HEADER_OVERFLOW'],
      ['WARNING', '400 before routing: HPE_INVALID_METHOD'],
      ['WARNING', '400 before routing: HPE_UNEXPECTED_CONTENT_LENGTH'],
    ]);
  });

  it('logs overload 503s as warnings, not errors', async () => {
    const busy = await startServerProcess({ MAX_QUEUED_JOBS: '1000', MAX_PENDING_BYTES: '3000000' });
    const body = csv([FEATURES, ...Array.from({ length: 50_000 }, (_, i) => [39 + (i % 10), 18.7, 181, 3750])]);
    const statuses = await Promise.all(Array.from({ length: 6 }, async () => (await fetch(`${busy.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body })).status));
    expect(statuses).toContain(503);
    await untilJobLogOpen(busy);
    expect(await busy.stop()).toBe(0);
    expect(severityOf(busy, /POST \/v1\/predict 503/)).toEqual(statuses.filter((s) => s === 503).map(() => 'WARNING'));
    expect(busy.logLines().filter((l) => l.severity === 'ERROR')).toEqual([]);
  });
});

describe('the database address stays in the log', () => {
  it('says "unreachable" on /readyz and /v1/jobs, without the driver message', async () => {
    // Nothing listens on this port: the driver's error names it.
    const unusedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const server = await startServerProcess({ DATABASE_URL: `postgres://postgres@127.0.0.1:${unusedPort}/test`, JOB_LOG_RETRY_MAX_MS: '300' });
    await new Promise((r) => setTimeout(r, 500));
    const ready = await fetch(`${server.url}/readyz?strict=true`);
    expect(ready.status).toBe(503);
    const readyText = await ready.text();
    const jobs = await fetch(`${server.url}/v1/jobs`, { headers: auth });
    expect(jobs.status).toBe(503);
    const jobsBody = await jobs.json();
    expect(jobsBody).toMatchObject({ type: '/problems/job-log-unavailable', detail: expect.stringMatching(/unreachable/) });
    expect(JSON.parse(readyText)).toMatchObject({ database: 'unreachable' });
    for (const answer of [readyText, JSON.stringify(jobsBody)]) expect(answer).not.toMatch(new RegExp(`${unusedPort}|127\\.0\\.0\\.1|ECONNREFUSED`));
    expect(await server.stop()).toBe(0);
    // The operator still finds the detail.
    expect(server.output()).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${unusedPort}`));
  });
});

describe('slow and idle connections', () => {
  it('cuts off idle connections, slow headers and trickled bodies at the configured timeouts, answering 408 problem+json', async () => {
    const server = await startServerProcess({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '3000' });
    const idle = raw(server.port, () => undefined);
    const slowHeaders = raw(server.port, (s) => {
      s.write('GET /healthz HTTP/1.1\r\n');
      const t = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 200);
      s.on('close', () => clearInterval(t));
    });
    const trickle = raw(server.port, (s) => {
      s.write(`POST /v1/predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n`);
      const t = setInterval(() => s.writable && s.write('1'), 200);
      s.on('close', () => clearInterval(t));
    });
    const [i, h, t] = await Promise.all([idle, slowHeaders, trickle]);
    // Node checks its timeouts once a second.
    expect(i.closedAfterMs).toBeLessThan(3000);
    expect(h.closedAfterMs).toBeLessThan(3000);
    expect(problemOf(h.text)).toMatchObject({ status: 408, body: { type: '/problems/request-timeout' } });
    expect(t.closedAfterMs).toBeGreaterThan(2500);
    expect(t.closedAfterMs).toBeLessThan(5500);
    expect(problemOf(t.text)).toMatchObject({ status: 408, body: { type: '/problems/request-timeout' } });
    expect(await server.stop()).toBe(0);
  });
});

describe('a trickled upload', () => {
  it('is cut off with 408 once it falls below 500 bytes a second after 20 s (Apache mod_reqtimeout), long before the request timeout', async () => {
    const server = await startServerProcess();
    const answer = await raw(
      server.port,
      (s) => {
        s.write(`POST /v1/predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n`);
        const t = setInterval(() => s.writable && s.write('1,2,3,4\r\n'), 500);
        s.on('close', () => clearInterval(t));
      },
      40_000,
    );
    expect(answer.closedAfterMs).toBeGreaterThan(19_000);
    expect(answer.closedAfterMs).toBeLessThan(25_000);
    expect(problemOf(answer.text)).toMatchObject({ status: 408, body: { type: '/problems/request-timeout' } });
    expect(await server.stop()).toBe(0);
  }, 60_000);
});

describe('uploads without a valid token', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it.each([
    ['27 MB', 27_000_000],
    ['1 KB', 1000],
  ])("are answered 401 that Node's fetch reads (%s multipart, 20 times, no token and a wrong one)", async (_what, size) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(repeatedCsv(size))]), 'a.csv');
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const headers: Record<string, string> = i % 2 ? { Authorization: 'Bearer not-the-token-0000000000' } : {};
      outcomes.push(
        await fetch(`${server.url}/v1/predict`, { method: 'POST', headers, body: form }).then(
          async (r) => `${r.status} ${(await r.json()).type}`,
          (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
        ),
      );
    }
    expect(outcomes).toEqual(new Array(20).fill('401 /problems/unauthorized'));
  });

  it('are answered 401 that curl and Python requests read', async () => {
    const file = join(tempDir('upload-'), 'big.csv');
    writeFileSync(file, repeatedCsv(27_000_000));
    const curl = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-F', `file=@${file}`, `${server.url}/v1/predict`], { encoding: 'utf8' });
    expect(curl.error).toBeUndefined();
    expect(curl.stdout).toBe('401');
    const python = spawnSync(
      'python3',
      ['-c', `import requests,sys\nr=requests.post(sys.argv[1], files={'file': ('big.csv', open(sys.argv[2],'rb'))})\nprint(r.status_code)`, `${server.url}/v1/predict`, file],
      { encoding: 'utf8' },
    );
    // Python requests is not part of the project: checked where it is installed.
    if (!/No module named 'requests'/.test(python.stderr)) expect(python.stdout.trim()).toBe('401');
  });

  it('never cost the whole upload: the server stops reading a refused body after a bounded amount', async () => {
    const declared = 64 * 1048576;
    let sent = 0;
    const answer = await raw(server.port, (s) => {
      s.write(`POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${declared}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (sent < declared && s.writable) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    });
    expect(problemOf(answer.text)).toMatchObject({ status: 401, headers: expect.stringMatching(/connection: close/i) });
    // 8 MiB discarded, plus what the two kernels' socket buffers held.
    expect(sent).toBeLessThan(24 * 1048576);
  });
});

describe('draining after SIGTERM', () => {
  it('answers with Connection: close, and a client on a kept-alive connection never meets a reset', async () => {
    const server = await startServerProcess();
    await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: csv([FEATURES, [39.1, 18.7, 181, 3750]]) });
    await untilJobLogOpen(server);
    const slow = fetch(`${server.url}/v1/predict`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/csv' },
      body: csv([FEATURES, ...Array.from({ length: 200_000 }, (_, i) => [39 + (i % 10), 18.7, 181, 3750])]),
    });
    // A client sending requests back to back on one kept-alive connection, until told to close.
    const answers: string[] = [];
    const loop = new Promise<string>((resolve) => {
      const s = connect(server.port, '127.0.0.1');
      let buffer = '';
      const ask = () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      s.on('data', (d) => {
        buffer += d;
        let end: number;
        while ((end = buffer.indexOf('{"status":"ok"}')) >= 0) {
          const head = buffer.slice(0, end);
          buffer = buffer.slice(end + 15);
          answers.push(head);
          if (/connection: close/i.test(head)) return void resolve('closed by the server after saying so');
          ask();
        }
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.on('close', () => resolve('closed without a word'));
      ask();
    });
    // A connection that never sends a request must not hold the shutdown either.
    const silent = raw(server.port, (s) => s.resume(), 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const before = answers.length;
    const terminated = Date.now();
    server.child.kill('SIGTERM');
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await res.arrayBuffer();
    expect(await loop).toBe('closed by the server after saying so');
    expect(answers.length).toBeGreaterThan(before);
    expect(await server.exited).toBe(0);
    expect(Date.now() - terminated).toBeLessThan(9000);
    expect((await silent).closedAfterMs).toBeLessThan(9000);
  });
});
