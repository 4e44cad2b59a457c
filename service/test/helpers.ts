/** Shared fixtures for the service tests: real models, real worker pool, real PGlite or Postgres. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type request from 'supertest';
import { AppDeps, createApp } from '../src/app';
import { InferencePool } from '../src/inference/pool';
import { JobLog } from '../src/jobs/job-log';
import { JobRecord, JobStore } from '../src/jobs/job-store';
import { migrate } from '../src/jobs/migrate';
import { createPostgresClient } from '../src/jobs/postgres-client';
import { createPgliteClient, SqlClient } from '../src/jobs/sql-client';
import { createLogger } from '../src/logging';
import { ModelRegistry } from '../src/models/registry';
import { MODELS_DIR } from '../src/paths';
import type { KeepSettings } from '../src/results/keep-request';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'rotated-token-fedcba9876543210';
export const AUTH = { Authorization: `Bearer ${TOKEN}` };
export const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

/** A logger that keeps its lines, so tests can read what was logged. */
export function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The embedded database, or the real server when DATABASE_URL is set. */
export async function openTestDatabase(kind: 'pglite' | 'postgres'): Promise<SqlClient> {
  if (kind === 'postgres') return createPostgresClient(await isolatedSchemaUrl(process.env.DATABASE_URL!), memoryLogger().logger);
  return createPgliteClient(tempDir('pglite-'));
}

/** A URL whose connections use a fresh schema of their own, so test files never see each other's rows. */
export async function isolatedSchemaUrl(url: string): Promise<string> {
  const schema = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = createPostgresClient(url, memoryLogger().logger);
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export const DATABASES: ('pglite' | 'postgres')[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestApp {
  app: ReturnType<typeof createApp>;
  registry: ModelRegistry;
  pool: InferencePool;
  jobLog: JobLog;
  jobStore: JobStore;
  db: SqlClient;
  logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  modelsDir?: string;
  maxUploadBytes?: number;
  threads?: number;
  maxQueued?: number;
  maxPendingBytes?: number;
  chunkBytes?: number;
  db?: SqlClient;
  modelsReady?: () => boolean;
  /** Tokens other than TOKEN and OTHER_TOKEN (named ones). */
  apiTokens?: AppDeps['apiTokens'];
  access?: AppDeps['access'];
  admins?: AppDeps['admins'];
  results?: KeepSettings;
  answerStallMs?: number;
  workbookSlots?: AppDeps['workbookSlots'];
}

export async function buildTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const { logger, lines } = memoryLogger();
  const registry = await ModelRegistry.load(opts.modelsDir ?? MODELS_DIR);
  const pool = new InferencePool(registry, {
    threads: opts.threads ?? 1,
    maxQueued: opts.maxQueued ?? 16,
    maxPendingBytes: opts.maxPendingBytes ?? 64 * 1024 * 1024,
    cpus: 2,
    chunkBytes: opts.chunkBytes,
  });
  await pool.warmUp();
  const db = opts.db ?? (await createPgliteClient(tempDir('pglite-')));
  await migrate(db);
  const jobStore = new JobStore(db);
  const jobLog = new JobLog(jobStore, logger, { queueBytes: 4 * 1024 * 1024, retryMaxMs: 1000, retryMinMs: 20 });
  const app = createApp({
    apiTokens: [TOKEN, OTHER_TOKEN, ...(opts.apiTokens ?? [])],
    access: opts.access,
    admins: opts.admins,
    maxUploadBytes: opts.maxUploadBytes ?? 32 * 1024 * 1024,
    registry,
    pool,
    workbookSlots: opts.workbookSlots,
    jobLog,
    jobStore,
    logger,
    modelsReady: opts.modelsReady ?? (() => true),
    results: opts.results,
    answerStallMs: opts.answerStallMs,
  });
  return {
    app,
    registry,
    pool,
    jobLog,
    jobStore,
    db,
    logLines: lines,
    close: async () => {
      await jobLog.close(2000);
      await pool.close();
      await db.close();
    },
  };
}

export interface ServedTestApp extends TestApp {
  url: string;
  port: number;
}

/** A test app listening on a free local port, for clients outside the process (workerd, Chromium, curl). */
export async function serveTestApp(opts: Parameters<typeof buildTestApp>[0] = {}): Promise<ServedTestApp> {
  const app = await buildTestApp(opts);
  const server = app.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  return {
    ...app,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise((r) => {
        server.close(r);
        // Clients' idle keep-alive connections would hold the close for their timeout.
        server.closeIdleConnections();
      });
      await app.close();
    },
  };
}

export function csv(rows: (string | number)[][]): string {
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

export interface TcpProxyOptions {
  /** Sees every chunk, in each direction, as it passes. */
  tap?: (direction: 'request' | 'response', chunk: Buffer) => void;
  /** Holds the response for `ms` once `afterBytes` of it have passed, to show what streams. */
  holdResponse?: { afterBytes: number; ms: number };
}

/**
 * A TCP proxy in front of a real server: it can cut every connection and refuse new ones (an
 * outage), record the bytes that pass and hold a response midway.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly options: TcpProxyOptions = {},
  ) {}

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (chunk) => {
        this.options.tap?.('request', chunk);
        upstream.write(chunk);
      });
      this.relayResponse(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  private relayResponse(upstream: Socket, client: Socket): void {
    const hold = this.options.holdResponse;
    let sent = 0;
    let held = false;
    upstream.on('data', (chunk) => {
      this.options.tap?.('response', chunk);
      if (!hold || held || sent + chunk.length <= hold.afterBytes) {
        sent += chunk.length;
        client.write(chunk);
        return;
      }
      held = true;
      const cut = hold.afterBytes - sent;
      client.write(chunk.subarray(0, cut));
      upstream.pause();
      setTimeout(() => {
        client.write(chunk.subarray(cut));
        upstream.resume();
      }, hold.ms);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}

/** A supertest parser that keeps an answer's bytes as they came (Shift_JIS, UTF-16, workbooks). */
export const binaryParser = (res: request.Response, cb: (e: Error | null, b: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** A kept answer's X-Result-Kept: a header when it was sent with its length (kept first), else the trailer. */
export function keptOf(answer: { headers: Record<string, string | string[] | undefined>; trailers: Record<string, string | undefined> }): string | undefined {
  const header = answer.headers['x-result-kept'];
  return (Array.isArray(header) ? header[0] : header) ?? answer.trailers['x-result-kept'];
}

/** A job record as the job log stores one: a succeeded 3-row job of penguin-sex, with `overrides`. */
export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: randomUUID(),
    modelName: 'penguin-sex',
    modelVersion: '1.0.0',
    status: 'succeeded',
    httpStatus: 200,
    rows: 3,
    bytesIn: 100,
    bytesOut: 200,
    durationMs: 5,
    errorSummary: null,
    tokenFingerprint: null,
    caller: null,
    createdAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    batch: null,
    errorCount: null,
    ...overrides,
  };
}

/**
 * A file over `minBytes` of 30 columns (the penguin features and 26 others, numbers and text, no
 * quotes), as header and data lines; and `inSmallRequests` scores the same rows in requests of
 * 20,000 lines, the reference a file sent in pieces must equal.
 */
export function wideRows(minBytes: number): { header: string; rows: string[] } {
  const extra = Array.from({ length: 26 }, (_, i) => `col_${i + 1}`);
  const rows: string[] = [];
  for (let i = 0, size = 0; size < minBytes; i++) {
    const line = `${(35 + (i % 200) / 10).toFixed(1)},${(15 + (i % 50) / 10).toFixed(1)},${180 + (i % 40)},${3000 + (i % 3000)},` + extra.map((_, c) => (c % 3 === 0 ? `text ${i % 977}` : `${(i * (c + 1)) % 100000}.${c}`)).join(',');
    rows.push(line);
    size += line.length + 2;
  }
  return { header: [...FEATURES, ...extra].join(','), rows };
}

/** The answers of `rows` sent in requests of 20,000 lines (CRLF), headers dropped after the first. */
export async function inSmallRequests(header: string, rows: readonly string[], send: (csv: Buffer) => Promise<{ status: number; body: Buffer }>): Promise<Buffer> {
  const answers: Buffer[] = [];
  for (let i = 0; i < rows.length; i += 20_000) {
    const answer = await send(Buffer.from(`${header}\r\n${rows.slice(i, i + 20_000).join('\r\n')}\r\n`));
    if (answer.status !== 200) throw new Error(`rows from ${i + 1} answered ${answer.status}`);
    answers.push(i === 0 ? answer.body : answer.body.subarray(answer.body.indexOf('\r\n') + 2));
  }
  return Buffer.concat(answers);
}
