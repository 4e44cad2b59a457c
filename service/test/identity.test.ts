/**
 * The caller, end to end in the service: Access assertions from a local key issuer verified (and
 * refused) by the service itself, named tokens, the job log's caller column, own-jobs listing and
 * admins. Through workerd and the Pages Function: frontend/test/access.test.ts.
 */
import request from 'supertest';
import { AccessIssuer, AUDIENCE, tamperedAssertion, TEAM_DOMAIN, unsignedAssertion } from './access-issuer';
import { AUTH, buildTestApp, TestApp, TOKEN } from './helpers';
import type { JobRecord } from '../src/jobs/job-store';
import { tokenFingerprint } from '../src/http/auth';

const CLI_TOKEN = 'cli-token-0123456789abcdef';
const SAMPLE = 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n39.1,18.7,181,3750\n';

let issuer: AccessIssuer;
let t: TestApp;

beforeAll(async () => {
  issuer = await AccessIssuer.start();
  t = await buildTestApp({ apiTokens: [{ name: 'cli', token: CLI_TOKEN }], access: issuer.settings, admins: { emails: ['boss@example.com'], group: 'ml-admins' } });
});
afterAll(async () => {
  await t?.close();
  await issuer?.stop();
});

const as = (assertion?: string, token = TOKEN) => ({ Authorization: `Bearer ${token}`, ...(assertion ? { 'Cf-Access-Jwt-Assertion': assertion } : {}) });

async function predict(headers: Record<string, string>, model = 'penguin-species'): Promise<string> {
  const res = await request(t.app).post(`/v1/models/${encodeURIComponent(model)}/predict`).set(headers).set('content-type', 'text/csv').send(SAMPLE);
  return res.headers['x-job-id'];
}

async function jobs(headers: Record<string, string>, query = ''): Promise<{ status: number; jobs: JobRecord[] }> {
  await t.jobLog.flush(5000);
  const res = await request(t.app).get(`/v1/jobs?limit=100${query}`).set(headers);
  return { status: res.status, jobs: res.body.jobs ?? [] };
}

describe('the caller in the service', () => {
  it('takes a valid Access assertion as its person, and records the email on the job', async () => {
    const alice = await issuer.assertion({ email: 'Alice@Example.com' });
    const me = await request(t.app).get('/v1/me').set(as(alice));
    expect(me.body).toEqual({ caller: 'alice@example.com', admin: false });
    const id = await predict(as(alice));
    await t.jobLog.flush(5000);
    expect((await t.jobStore.get(id))?.caller).toBe('alice@example.com');
  });

  it.each([
    ['expired', () => issuer.assertion({ expiresIn: -10 }), /expired/],
    ['for another application', () => issuer.assertion({ audience: 'f'.repeat(64) }), /aud does not match/],
    ['from another team', () => issuer.assertion({ issuer: 'https://evil.cloudflareaccess.com' }), /iss does not match/],
    ['unsigned (alg none)', async () => unsignedAssertion(await issuer.assertion()), /not valid/],
    ['signed with a key the team never published', () => issuer.foreignAssertion(), /signature does not verify|key the team does not publish/],
    ['changed after signing', async () => tamperedAssertion(await issuer.assertion({ email: 'mallory@example.com' }), 'boss@example.com'), /signature does not verify/],
    ['not a token at all', async () => 'not.a.jwt', /not valid/],
  ])('refuses an assertion %s with 403 problem+json, and records no job', async (_what, make, detail) => {
    const before = (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM jobs'))[0].n;
    const res = await request(t.app).post('/v1/predict').set(as(await make())).set('content-type', 'text/csv').send(SAMPLE);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 403, type: '/problems/access-denied' });
    expect(res.body.detail).toMatch(detail);
    await t.jobLog.flush(5000);
    expect((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM jobs'))[0].n).toBe(before);
  });

  it('names a caller without an assertion by its token: name:token by the name, a plain token by its fingerprint', async () => {
    const cliJob = await predict(as(undefined, CLI_TOKEN));
    const plainJob = await predict(AUTH);
    await t.jobLog.flush(5000);
    expect((await t.jobStore.get(cliJob))?.caller).toBe('token:cli');
    expect((await t.jobStore.get(plainJob))?.caller).toBe(`token:${tokenFingerprint(TOKEN)}`);
  });

  it('shows each caller only their own jobs; an admin (by email or Access group) sees all with ?all=true', async () => {
    const [carol, dave, boss, groupAdmin] = await Promise.all([
      issuer.assertion({ email: 'carol@example.com' }),
      issuer.assertion({ email: 'dave@example.com' }),
      issuer.assertion({ email: 'boss@example.com' }),
      issuer.assertion({ email: 'erin@example.com', extra: { custom: { groups: ['ml-admins'] } } }),
    ]);
    const carolJob = await predict(as(carol));
    const daveJob = await predict(as(dave));
    const carolList = await jobs(as(carol));
    expect(carolList.jobs.map((j) => j.id)).toEqual([carolJob]);
    expect((await jobs(as(dave))).jobs.map((j) => j.id)).toEqual([daveJob]);
    expect((await jobs(as(carol), '&all=true')).status).toBe(403);
    expect((await request(t.app).get(`/v1/jobs/${daveJob}`).set(as(carol))).status).toBe(404);
    expect((await request(t.app).get(`/v1/jobs/${carolJob}`).set(as(carol))).body.caller).toBe('carol@example.com');

    for (const admin of [boss, groupAdmin]) {
      expect((await request(t.app).get('/v1/me').set(as(admin))).body.admin).toBe(true);
      const all = await jobs(as(admin), '&all=true');
      expect(all.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([carolJob, daveJob]));
      expect((await request(t.app).get(`/v1/jobs/${daveJob}`).set(as(admin))).status).toBe(200);
      // Without all=true an admin's own history is their own too.
      expect((await jobs(as(admin))).jobs.map((j) => j.id)).not.toContain(carolJob);
    }
  });

  it('keeps an unknown model name short and printable, in its caller’s record only', async () => {
    const mallory = await issuer.assertion({ email: 'mallory@example.com' });
    const id = await predict(as(mallory), `x\u0000<script>${'A'.repeat(8_000)}`);
    await t.jobLog.flush(5000);
    const job = await t.jobStore.get(id);
    expect(job?.modelName).toBe(`x\ufffd<script>${'A'.repeat(54)}…`);
    expect(job?.errorSummary!.length).toBeLessThan(200);
    expect(job?.caller).toBe('mallory@example.com');
    expect((await jobs(as(await issuer.assertion({ email: 'carol@example.com' })))).jobs.map((j) => j.id)).not.toContain(id);
  });

  it('fetches the keys again for a key id it does not hold (Access rotating its key)', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // past the refetch cool-down
    await issuer.rotate('key-2');
    const fetches = issuer.fetches;
    const res = await request(t.app).get('/v1/me').set(as(await issuer.assertion({ email: 'frank@example.com' })));
    expect(res.body.caller).toBe('frank@example.com');
    expect(issuer.fetches).toBe(fetches + 1);
  });

  it('answers 503 when the team keys cannot be fetched, and 401 to no token at all before looking at the assertion', async () => {
    const away = await buildTestApp({ access: { teamDomain: TEAM_DOMAIN, audience: AUDIENCE, jwksUrl: 'http://127.0.0.1:9/certs' } });
    try {
      const res = await request(away.app).get('/v1/me').set(as(await issuer.assertion()));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect((await request(away.app).get('/v1/me').set('Cf-Access-Jwt-Assertion', await issuer.assertion())).status).toBe(401);
    } finally {
      await away.close();
    }
  });
});
