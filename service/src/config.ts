/** Service settings, read once from the environment and validated with messages that name the variable. */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR } from './paths';
import { z } from 'zod';

const MiB = 1024 * 1024;
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HEADERS_TIMEOUT_MS: positiveInt(20_000),
  REQUEST_TIMEOUT_MS: positiveInt(300_000),
  API_TOKENS: z.string().optional(),
  API_TOKEN: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  PGLITE_DIR: z.string().default(join(process.cwd(), '.data', 'pglite')),
  MODELS_DIR: z.string().default(MODELS_DIR),
  DEFAULT_MODEL: z.string().optional(),
  MAX_UPLOAD_BYTES: positiveInt(32 * MiB),
  INFERENCE_THREADS: positiveInt(Math.max(1, availableParallelism())),
  MAX_QUEUED_JOBS: positiveInt(1000),
  MAX_PENDING_BYTES: positiveInt(128 * MiB),
  // 48 MiB holds about 530k typical records: 5 minutes at 1,150 a second is 345k (record-codec.ts).
  JOB_LOG_QUEUE_BYTES: positiveInt(48 * MiB),
  JOB_LOG_RETRY_MAX_MS: positiveInt(1_000),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3_000),
  DATABASE_QUERY_TIMEOUT_MS: positiveInt(5_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(9_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
});

export interface Config {
  port: number;
  /**
   * A request's headers must arrive within this (Apache's mod_reqtimeout default, header=20):
   * behind Cloud Run's front end they arrive at once.
   */
  headersTimeoutMs: number;
  /**
   * A request's body must arrive within this: Cloud Run's request timeout (default 300 s, and
   * infra/environments' timeoutSeconds) answers 504 past it anyway.
   */
  requestTimeoutMs: number;
  /** Bearer tokens accepted at once, so a token can be rotated without downtime. */
  apiTokens: string[];
  databaseUrl?: string;
  pgliteDir: string;
  modelsDir: string;
  defaultModel?: string;
  maxUploadBytes: number;
  inferenceThreads: number;
  maxQueuedJobs: number;
  maxPendingBytes: number;
  /** Memory the job records waiting for the database may take. */
  jobLogQueueBytes: number;
  /** The longest wait between two tries to reach the database: how late rows resume after an outage. */
  jobLogRetryMaxMs: number;
  databaseTimeouts: { connectMs: number; queryMs: number };
  shutdownTimeoutMs: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  gcpProject?: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables mean "not set", as they do in most deploy tools' forms.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (present.JOB_LOG_QUEUE_LIMIT !== undefined) {
    throw new ConfigError('JOB_LOG_QUEUE_LIMIT is no longer read: the job log queue is bounded by memory, JOB_LOG_QUEUE_BYTES (default 50331648, 48 MiB)');
  }
  const apiTokens = (e.API_TOKENS ?? e.API_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (apiTokens.length === 0) {
    throw new ConfigError('API_TOKENS (comma-separated) or API_TOKEN must be set: every /v1 route needs a bearer token');
  }
  const short = apiTokens.find((t) => t.length < 16);
  if (short !== undefined) throw new ConfigError('API_TOKENS: every token must be at least 16 characters long');
  return {
    port: e.PORT,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    apiTokens,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    modelsDir: e.MODELS_DIR,
    defaultModel: e.DEFAULT_MODEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    inferenceThreads: e.INFERENCE_THREADS,
    maxQueuedJobs: e.MAX_QUEUED_JOBS,
    maxPendingBytes: e.MAX_PENDING_BYTES,
    jobLogQueueBytes: e.JOB_LOG_QUEUE_BYTES,
    jobLogRetryMaxMs: e.JOB_LOG_RETRY_MAX_MS,
    databaseTimeouts: { connectMs: e.DATABASE_CONNECT_TIMEOUT_MS, queryMs: e.DATABASE_QUERY_TIMEOUT_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    gcpProject: e.GOOGLE_CLOUD_PROJECT,
  };
}
