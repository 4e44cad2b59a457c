/** Wires the real collaborators together and owns their lifecycle: start, listen, drain, stop. */
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import type { Config } from './config';
import { createHttpServer } from './http/http-server';
import { InferencePool } from './inference/pool';
import type { JobLog } from './jobs/job-log';
import type { SqlClient } from './jobs/sql-client';
import type { Logger } from './logging';
import { lockDataDir } from './jobs/data-dir-lock';
import { ModelRegistry } from './models/registry';
import { limitThreadsYoungGeneration } from './process-settings';
import { WorkbookSlots } from './workbook/workbook-slots';

export interface RunningService {
  server: Server;
  port: number;
  jobLog: JobLog;
  /** Stops accepting, finishes in-flight requests, flushes the job log, closes pools. */
  stop(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  // Before the first thread (the inference pool's, below; PGlite's and the workbooks' later).
  limitThreadsYoungGeneration();
  // Before anything starts: a second process on the same PGlite folder must not start at all.
  const dataDirLock = config.databaseUrl ? undefined : lockDataDir(config.pgliteDir);
  const registry = await ModelRegistry.load(config.modelsDir, config.defaultModel);
  for (const model of registry.list()) {
    for (const rewrite of model.rewrites) logger.info({ model: model.manifest.name }, `${model.manifest.name}: ${rewrite} (the file is unchanged)`);
  }
  const pool = new InferencePool(registry, {
    threads: config.inferenceThreads,
    maxQueued: config.maxQueuedJobs,
    maxPendingBytes: config.maxPendingBytes,
    cpus: availableParallelism(),
  });
  let modelsReady = false;
  const warm = pool.ready().then(() => (modelsReady = true));
  // Awaited below, after the listener is up; until then a failure must not count as unhandled.
  warm.catch(() => undefined);
  // The HTTP and database modules load while the threads start onnxruntime, not before.
  const [{ createApp }, { JobLog }, { JobStore }, { migrate }, { createPgliteClient, openLazily }, { openResultStore }] = await Promise.all([
    import('./app'),
    import('./jobs/job-log'),
    import('./jobs/job-store'),
    import('./jobs/migrate'),
    import('./jobs/sql-client'),
    import('./results/open-result-store'),
  ]);
  const results = await openResultStore(config.results, logger);

  // Either database opens on first use, after the service is ready: pg takes about 70 ms of CPU
  // to load, and PGlite's first start takes seconds of a core (in its own thread, pglite-thread.ts).
  const databaseUrl = config.databaseUrl;
  const db: SqlClient = databaseUrl
    ? openLazily('postgres', async () => (await import('./jobs/postgres-client')).createPostgresClient(databaseUrl, logger, config.databaseTimeouts))
    : openLazily('pglite', () => createPgliteClient(config.pgliteDir));
  const jobStore = new JobStore(db);
  const jobLog = new JobLog(jobStore, logger, {
    queueBytes: config.jobLogQueueBytes,
    retryMaxMs: config.jobLogRetryMaxMs,
    batchDelayMs: 50,
    prepare: async () => {
      const applied = await migrate(db);
      if (applied.length) logger.info({ applied }, 'database migrated');
    },
  });

  const app = createApp({
    apiTokens: config.apiTokens,
    access: config.access,
    admins: config.admins,
    maxUploadBytes: config.maxUploadBytes,
    registry,
    pool,
    workbookSlots: new WorkbookSlots(config.workbookJobs),
    jobLog,
    jobStore,
    logger,
    gcpProject: config.gcpProject,
    results: { store: results, retentionDays: config.results.retentionDays },
    modelsReady: () => modelsReady,
  });
  const http = createHttpServer(app, logger, { headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs });
  const server = http.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await warm;
  // A server is tried once the service is ready, but not awaited: an outage must not keep
  // predictions from starting. PGlite waits for its first job record.
  if (databaseUrl) void jobLog.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, models: registry.list().map((m) => m.manifest.name), default: registry.defaultName, database: db.kind, results: results.kind }, 'service ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // The job log flushes until shortly before the process's own deadline (server.ts), however
      // long the in-flight requests took, so its count of what was not written is always logged.
      const flushDeadline = Date.now() + config.shutdownTimeoutMs - 1_000;
      // In-flight responses end their connection once sent, so the server can close without cutting them off.
      await http.drain();
      await jobLog.close(flushDeadline - Date.now());
      await pool.close();
      // Connections that stopped answering are given up by their timeouts; the exit does not wait for them.
      await Promise.race([db.close(), new Promise((r) => setTimeout(r, Math.max(0, flushDeadline + 500 - Date.now())).unref())]);
      results.close?.();
      dataDirLock?.release();
    })());
  return { server, port, jobLog, stop };
}
