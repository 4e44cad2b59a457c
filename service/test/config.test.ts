import { parse } from 'pg-connection-string';
import { loadConfig } from '../src/config';
import { poolConfig } from '../src/jobs/postgres-client';
import { tokenFingerprint } from '../src/http/auth';

describe('loadConfig', () => {
  it('reads named tokens (name:token) beside plain ones, and settings of Cloudflare Access that go together', () => {
    const c = loadConfig({ API_TOKENS: 'cli:cli-token-0123456789ab, plain-token-0123456789', ACCESS_TEAM_DOMAIN: 'acme.cloudflareaccess.com', ACCESS_AUD: 'a'.repeat(64), ADMIN_EMAILS: 'Boss@Example.com' });
    expect(c.apiTokens).toEqual([
      { name: 'cli', token: 'cli-token-0123456789ab' },
      { name: tokenFingerprint('plain-token-0123456789'), token: 'plain-token-0123456789' },
    ]);
    expect(c.access).toEqual({ teamDomain: 'acme.cloudflareaccess.com', audience: 'a'.repeat(64), jwksUrl: undefined });
    expect(c.admins.emails).toEqual(['boss@example.com']);
    expect(() => loadConfig({ API_TOKENS: 'cli:short' })).toThrow('API_TOKENS: every token must be at least 16 characters long (the one named "cli" is not)');
    expect(() => loadConfig({ API_TOKEN: 'plain-token-0123456789', ACCESS_AUD: 'a'.repeat(64) })).toThrow('ACCESS_TEAM_DOMAIN and ACCESS_AUD go together');
    expect(() => loadConfig({ API_TOKEN: 'plain-token-0123456789', ADMIN_EMAILS: 'boss' })).toThrow('ADMIN_EMAILS: "boss" is not an email address');
  });

  it('reads rotation tokens and defaults', () => {
    const c = loadConfig({ API_TOKENS: 'first-token-0123456789, second-token-0123456789' });
    expect(c.apiTokens).toEqual([
      { name: tokenFingerprint('first-token-0123456789'), token: 'first-token-0123456789' },
      { name: tokenFingerprint('second-token-0123456789'), token: 'second-token-0123456789' },
    ]);
    expect(c).toMatchObject({ port: 8080, maxUploadBytes: 32 * 1024 * 1024, databaseUrl: undefined });
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({})).toThrow(/API_TOKENS \(comma-separated, each token or name:token\) or API_TOKEN must be set/);
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
