/** Service settings, read once from the environment and validated with messages that name the variable. */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR } from './paths';
import { z } from 'zod';
import type { ApiToken } from './http/auth';
import { namedToken } from './http/auth';
import type { AccessSettings } from './identity/access-assertion';
import type { AdminRule } from './identity/caller';

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
  WORKBOOK_JOBS: positiveInt(1),
  // 48 MiB holds about 420k typical records (120 bytes with the caller): 5 minutes at 1,150 a second is 345k (record-codec.ts).
  JOB_LOG_QUEUE_BYTES: positiveInt(48 * MiB),
  JOB_LOG_RETRY_MAX_MS: positiveInt(1_000),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3_000),
  DATABASE_QUERY_TIMEOUT_MS: positiveInt(5_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(9_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  ACCESS_TEAM_DOMAIN: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?$/i, 'must be the Access team domain, such as acme.cloudflareaccess.com').optional(),
  ACCESS_AUD: z.string().regex(/^[0-9a-z]{16,128}$/i, 'must be the Access application audience (AUD) tag: letters and digits').optional(),
  ACCESS_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  ADMIN_EMAILS: z.string().optional(),
  ADMIN_GROUP: z.string().optional(),
  RESULTS_DIR: z.string().default(join(process.cwd(), '.data', 'results')),
  RESULTS_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'must be a Cloud Storage bucket name (lower-case letters, digits, dots, dashes, underscores)').optional(),
  RESULTS_RETENTION_DAYS: positiveInt(30),
});

/** name:token, where the name is what the job log shows for the token's calls. */
const NAMED_TOKEN = /^([A-Za-z0-9][A-Za-z0-9._-]{0,62}):(.+)$/;

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
  /** Bearer tokens accepted at once, so a token can be rotated without downtime, each with its name. */
  apiTokens: ApiToken[];
  /** Cloudflare Access, when set: assertions the page's requests carry are verified here too. */
  access?: AccessSettings;
  admins: AdminRule;
  databaseUrl?: string;
  pgliteDir: string;
  modelsDir: string;
  defaultModel?: string;
  maxUploadBytes: number;
  inferenceThreads: number;
  maxQueuedJobs: number;
  maxPendingBytes: number;
  /** Workbooks read and written at once (workbook/workbook-slots.ts); the rest wait their turn. */
  workbookJobs: number;
  /** Memory the job records waiting for the database may take. */
  jobLogQueueBytes: number;
  /** The longest wait between two tries to reach the database: how late rows resume after an outage. */
  jobLogRetryMaxMs: number;
  databaseTimeouts: { connectMs: number; queryMs: number };
  shutdownTimeoutMs: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  gcpProject?: string;
  /** Kept answers go to this bucket when it is set, else to the folder `resultsDir`. */
  results: { dir: string; bucket?: string; retentionDays: number };
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
    .filter(Boolean)
    .map((entry) => {
      const m = NAMED_TOKEN.exec(entry);
      return m ? { name: m[1], token: m[2] } : namedToken(entry);
    });
  if (apiTokens.length === 0) {
    throw new ConfigError('API_TOKENS (comma-separated, each token or name:token) or API_TOKEN must be set: every /v1 route needs a bearer token');
  }
  const short = apiTokens.find((t) => t.token.length < 16);
  if (short !== undefined) throw new ConfigError(`API_TOKENS: every token must be at least 16 characters long (the one named "${short.name}" is not)`);
  // Two tokens under one name are a rotation: both calls are that caller's.
  if ((e.ACCESS_TEAM_DOMAIN === undefined) !== (e.ACCESS_AUD === undefined)) {
    throw new ConfigError('ACCESS_TEAM_DOMAIN and ACCESS_AUD go together: set both (Cloudflare Access) or neither');
  }
  if (e.ACCESS_JWKS_URL !== undefined && e.ACCESS_AUD === undefined) throw new ConfigError('ACCESS_JWKS_URL is only read with ACCESS_TEAM_DOMAIN and ACCESS_AUD; set them too');
  const access = e.ACCESS_TEAM_DOMAIN && e.ACCESS_AUD ? { teamDomain: e.ACCESS_TEAM_DOMAIN, audience: e.ACCESS_AUD, jwksUrl: e.ACCESS_JWKS_URL } : undefined;
  const adminEmails = (e.ADMIN_EMAILS ?? '').split(',').map((a) => a.trim().toLowerCase()).filter(Boolean);
  const notEmail = adminEmails.find((a) => !/^[^@\s:,]+@[^@\s:,]+$/.test(a));
  if (notEmail !== undefined) throw new ConfigError(`ADMIN_EMAILS: "${notEmail}" is not an email address (comma-separated addresses)`);
  return {
    port: e.PORT,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    apiTokens,
    access,
    admins: { emails: adminEmails, group: e.ADMIN_GROUP },
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    modelsDir: e.MODELS_DIR,
    defaultModel: e.DEFAULT_MODEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    inferenceThreads: e.INFERENCE_THREADS,
    maxQueuedJobs: e.MAX_QUEUED_JOBS,
    maxPendingBytes: e.MAX_PENDING_BYTES,
    workbookJobs: e.WORKBOOK_JOBS,
    jobLogQueueBytes: e.JOB_LOG_QUEUE_BYTES,
    jobLogRetryMaxMs: e.JOB_LOG_RETRY_MAX_MS,
    databaseTimeouts: { connectMs: e.DATABASE_CONNECT_TIMEOUT_MS, queryMs: e.DATABASE_QUERY_TIMEOUT_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    gcpProject: e.GOOGLE_CLOUD_PROJECT,
    results: { dir: e.RESULTS_DIR, bucket: e.RESULTS_BUCKET, retentionDays: e.RESULTS_RETENTION_DAYS },
  };
}
