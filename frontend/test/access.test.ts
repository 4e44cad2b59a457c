/**
 * Cloudflare Access end to end on this machine: a local key issuer (keys made here, JWKS on
 * loopback), the Pages Function in the real workerd (wrangler pages dev) and the real service,
 * both verifying the assertion, with a TCP tap recording what reaches the service.
 */
import { AccessIssuer, tamperedAssertion, unsignedAssertion } from '../../service/test/access-issuer';
import { ServedTestApp, serveTestApp, TcpProxy, TOKEN } from '../../service/test/helpers';
import type { JobRecord } from '../../service/src/jobs/job-store';
import { proxy } from '../proxy/proxy';
import { PagesDev, startPagesDev } from '../dev/pages-dev';

const SAMPLE = 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n39.1,18.7,181,3750\n';

let issuer: AccessIssuer;
let service: ServedTestApp;
let tap: TcpProxy;
let pages: PagesDev;
let upstream = '';

beforeAll(async () => {
  issuer = await AccessIssuer.start();
  service = await serveTestApp({ access: issuer.settings, admins: { emails: ['boss@example.com'] } });
  tap = new TcpProxy('127.0.0.1', service.port, { tap: (direction, chunk) => void (direction === 'request' && (upstream += chunk.toString('latin1'))) });
  await tap.start();
  pages = await startPagesDev({ apiUrl: `http://127.0.0.1:${tap.port}`, apiToken: TOKEN, access: issuer.settings });
}, 90_000);

afterAll(async () => {
  await pages?.stop();
  await tap?.stop();
  await service?.close();
  await issuer?.stop();
});

beforeEach(() => {
  upstream = '';
});

const assertionHeader = (assertion?: string): Record<string, string> => (assertion ? { 'cf-access-jwt-assertion': assertion } : {});

async function predictVia(base: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${base}/predict`, { method: 'POST', body: SAMPLE, headers: { 'content-type': 'text/csv', ...headers } });
}

async function listVia(assertion: string, query = ''): Promise<{ status: number; jobs: JobRecord[] }> {
  await service.jobLog.flush(5000);
  const res = await fetch(`${pages.url}/api/jobs?limit=100${query}`, { headers: assertionHeader(assertion) });
  return { status: res.status, jobs: res.status === 200 ? ((await res.json()) as { jobs: JobRecord[] }).jobs : [] };
}

const BAD: [string, () => Promise<string>, number][] = [
  ['missing', async () => '', 401],
  ['expired', () => issuer.assertion({ expiresIn: -5 }), 403],
  ['for another audience', () => issuer.assertion({ audience: 'b'.repeat(64) }), 403],
  ['from another issuer', () => issuer.assertion({ issuer: 'https://other-team.cloudflareaccess.com' }), 403],
  ['unsigned (alg none)', async () => unsignedAssertion(await issuer.assertion()), 403],
  ['signed with a foreign key', () => issuer.foreignAssertion(), 403],
  ['tampered after signing', async () => tamperedAssertion(await issuer.assertion({ email: 'mallory@example.com' }), 'boss@example.com'), 403],
];

describe('Cloudflare Access through workerd and the service', () => {
  it('passes a valid assertion on to the service with its own X-Forwarded-For, and the email lands in the job log', async () => {
    const alice = await issuer.assertion({ email: 'alice@example.com' });
    const res = await predictVia(`${pages.url}/api`, {
      ...assertionHeader(alice),
      'x-forwarded-for': '203.0.113.66',
      forwarded: 'for=203.0.113.66',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
    });
    expect(res.status).toBe(200);
    const sent = upstream.toLowerCase();
    expect(sent).toContain(`cf-access-jwt-assertion: ${alice.toLowerCase()}`);
    expect(sent).toMatch(/\r\nx-forwarded-for: (127\.0\.0\.1|::1)\r\n/);
    for (const spoof of ['203.0.113.66', 'traceparent', 'x-cloud-trace-context', 'forwarded:']) expect(sent).not.toContain(spoof);
    await service.jobLog.flush(5000);
    expect((await service.jobStore.get(res.headers.get('x-job-id')!))?.caller).toBe('alice@example.com');
    const me = await fetch(`${pages.url}/api/me`, { headers: assertionHeader(alice) });
    expect(await me.json()).toEqual({ caller: 'alice@example.com', admin: false });
  });

  it.each(BAD)('refuses an assertion %s at the function (nothing reaches the service) and at the service', async (_what, make, status) => {
    const assertion = await make();
    const atFunction = await predictVia(`${pages.url}/api`, assertionHeader(assertion));
    expect(atFunction.status).toBe(status);
    expect(atFunction.headers.get('content-type')).toBe('application/problem+json');
    expect(await atFunction.json()).toMatchObject({ status });
    expect(upstream).toBe('');
    // Straight at the service with the function's own token, as if the gateway were reached around the function.
    const atService = await predictVia(`${service.url}/v1`, { authorization: `Bearer ${TOKEN}`, ...assertionHeader(assertion) });
    // The service takes a request without an assertion as its token's (scripts, the CLI): the function never sends one.
    expect(atService.status).toBe(status === 401 ? 200 : 403);
  });

  it('keeps two users’ histories apart; an admin sees both', async () => {
    const [yamada, suzuki, boss] = await Promise.all(['yamada@example.co.jp', 'suzuki@example.co.jp', 'boss@example.com'].map((email) => issuer.assertion({ email })));
    const ids = { yamada: [] as string[], suzuki: [] as string[] };
    for (const [who, assertion] of [['yamada', yamada], ['suzuki', suzuki], ['yamada', yamada]] as const) {
      const res = await predictVia(`${pages.url}/api`, assertionHeader(assertion));
      ids[who].unshift(res.headers.get('x-job-id')!);
    }
    expect((await listVia(yamada)).jobs.map((j) => j.id)).toEqual(ids.yamada);
    expect((await listVia(suzuki)).jobs.map((j) => j.id)).toEqual(ids.suzuki);
    expect((await listVia(suzuki, '&all=true')).status).toBe(403);
    expect((await fetch(`${pages.url}/api/jobs/${ids.yamada[0]}`, { headers: assertionHeader(suzuki) })).status).toBe(404);
    const all = (await listVia(boss, '&all=true')).jobs.map((j) => j.id);
    expect(all).toEqual(expect.arrayContaining([...ids.yamada, ...ids.suzuki]));
    expect((await fetch(`${pages.url}/api/jobs/${ids.suzuki[0]}`, { headers: assertionHeader(boss) })).status).toBe(200);
  });
});

describe('the function without Access settings', () => {
  it('refuses everything unless the site is open by name (ACCESS_OPEN)', async () => {
    const env = { API_URL: 'http://127.0.0.1:9', API_TOKEN: TOKEN };
    const res = await proxy(new Request('https://page.example/api/models'), env);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/ACCESS_TEAM_DOMAIN, ACCESS_AUD/);
    // Open by name: forwarded (and the unreachable API answers 502).
    expect((await proxy(new Request('https://page.example/api/models'), { ...env, ACCESS_OPEN: 'true' })).status).toBe(502);
  });
});
