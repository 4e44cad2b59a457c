import { parse } from 'pg-connection-string';
import { loadConfig } from '../src/config';
import { poolConfig } from '../src/jobs/postgres-client';

describe('loadConfig', () => {
  it('reads rotation tokens and defaults', () => {
    const c = loadConfig({ API_TOKENS: 'first-token-0123456789, second-token-0123456789' });
    expect(c.apiTokens).toEqual(['first-token-0123456789', 'second-token-0123456789']);
    expect(c).toMatchObject({ port: 8080, maxUploadBytes: 32 * 1024 * 1024, databaseUrl: undefined });
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({})).toThrow(/API_TOKENS \(comma-separated\) or API_TOKEN must be set/);
    expect(() => loadConfig({ API_TOKEN: 'short' })).toThrow(/at least 16 characters/);
    expect(() => loadConfig({ API_TOKEN: 'a-long-enough-token-123', PORT: 'eighty' })).toThrow(/PORT:/);
    expect(() => loadConfig({ API_TOKEN: 'a-long-enough-token-123', LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL:/);
  });
});

describe('job log settings', () => {
  it('bound the queue by memory, retry within a second, and time out connections and queries', () => {
    const c = loadConfig({ API_TOKEN: 'a-long-enough-token-123' });
    expect(c).toMatchObject({ jobLogQueueBytes: 48 * 1024 * 1024, jobLogRetryMaxMs: 1000, databaseTimeouts: { connectMs: 3000, queryMs: 5000 } });
    expect(poolConfig('postgresql://u@h/db', c.databaseTimeouts)).toMatchObject({ connectionTimeoutMillis: 3000, statement_timeout: 5000, query_timeout: 6000, keepAlive: true });
  });

  it('refuses the old count bound, naming its replacement', () => {
    expect(() => loadConfig({ API_TOKEN: 'a-long-enough-token-123', JOB_LOG_QUEUE_LIMIT: '100000' })).toThrow(/JOB_LOG_QUEUE_LIMIT is no longer read: .*JOB_LOG_QUEUE_BYTES/);
  });
});

describe('DATABASE_URL', () => {
  it("accepts Cloud SQL's unix-socket form", () => {
    const url = 'postgresql://svc:secret@/jobs?host=/cloudsql/my-project:asia-northeast1:inference-db';
    const parsed = parse(poolConfig(url).connectionString!);
    expect(parsed).toMatchObject({ host: '/cloudsql/my-project:asia-northeast1:inference-db', database: 'jobs', user: 'svc' });
  });
});
