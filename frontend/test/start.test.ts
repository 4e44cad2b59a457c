/** `npm start`: the whole system from one command, as a new user runs it on a fresh clone. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { AccessIssuer } from '../../service/test/access-issuer';
import { tempDir } from '../../service/test/helpers';
import { freePort } from '../dev/pages-dev';

const ROOT = join(__dirname, '..', '..');

const NO_ACCESS = { ACCESS_TEAM_DOMAIN: '', ACCESS_AUD: '', ACCESS_JWKS_URL: '', ADMIN_EMAILS: '' };

async function untilListening(child: ChildProcess, read: () => string): Promise<string> {
  const deadline = Date.now() + 90_000;
  while (!read().includes('Open the upload page:')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${read()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return /Open the upload page:\s+(\S+)/.exec(read())![1];
}

describe('npm start', () => {
  let child: ChildProcess;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  it('runs the service and the page with its proxy in workerd, prints the URL, and stops on Ctrl-C', async () => {
    const [port, pagePort] = [await freePort(), await freePort()];
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      // A job log of its own (PGlite in a new folder), not a shared DATABASE_URL holding other runs' jobs.
        env: { ...process.env, DATABASE_URL: '', PORT: String(port), PAGE_PORT: String(pagePort), PGLITE_DIR: tempDir('start-pglite-'), API_TOKEN: '', API_TOKENS: '', LOG_LEVEL: 'warn', ...NO_ACCESS },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 90_000;
    while (!out.includes('Open the upload page:')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const pageUrl = /Open the upload page:\s+(\S+)/.exec(out)![1];
    expect(pageUrl).toBe(`http://127.0.0.1:${pagePort}`);
    expect(out).toContain('Bearer local-development-token');
    expect(out).toContain('Cloudflare Access: off. The page is open and every page user is one caller (the token): this local run is yours alone.');

    const page = await fetch(pageUrl);
    expect(await page.text()).toContain('<title>Spreadsheet predictions</title>');
    const models = (await (await fetch(`${pageUrl}/api/models`)).json()) as { default: string };
    expect(models.default).toBe('penguin-sex');
    const direct = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: 'Bearer local-development-token' } });
    expect(direct.status).toBe(200);

    // Ctrl-C signals the whole process group, npm included, which then ends by that signal.
    const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(String(signal ?? code))));
    process.kill(-child.pid!, 'SIGINT');
    expect(['0', 'SIGINT']).toContain(await exited);
    // Nothing is left behind: neither the page nor the service answers.
    await new Promise((r) => setTimeout(r, 1000));
    await expect(fetch(pageUrl)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 120_000);

  it('hands ACCESS_* and ADMIN_EMAILS to the function and the service: each user sees their own history', async () => {
    const issuer = await AccessIssuer.start();
    try {
      const [port, pagePort] = [await freePort(), await freePort()];
      const { teamDomain, audience, jwksUrl } = issuer.settings;
      child = spawn('npm', ['start'], {
        cwd: ROOT,
        // A job log of its own (PGlite in a new folder), not a shared DATABASE_URL holding other runs' jobs.
        env: { ...process.env, DATABASE_URL: '', PORT: String(port), PAGE_PORT: String(pagePort), PGLITE_DIR: tempDir('start-pglite-'), API_TOKEN: '', API_TOKENS: '', LOG_LEVEL: 'warn', ACCESS_TEAM_DOMAIN: teamDomain, ACCESS_AUD: audience, ACCESS_JWKS_URL: jwksUrl, ADMIN_EMAILS: 'boss@example.com' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      const pageUrl = await untilListening(child, () => out);
      expect(out).toContain(`Cloudflare Access: on. The function and the service verify Cf-Access-Jwt-Assertion (issuer https://${teamDomain}`);
      expect((await fetch(`${pageUrl}/api/models`)).status).toBe(401);
      const [yamada, suzuki, boss] = await Promise.all(['yamada@example.co.jp', 'suzuki@example.co.jp', 'boss@example.com'].map((email) => issuer.assertion({ email })));
      const as = (a: string) => ({ 'cf-access-jwt-assertion': a });
      const ran: Record<string, string> = {};
      for (const [who, a] of [['yamada', yamada], ['suzuki', suzuki]] as const) {
        const res = await fetch(`${pageUrl}/api/predict`, { method: 'POST', headers: { ...as(a), 'content-type': 'text/csv' }, body: 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n39.1,18.7,181,3750\n' });
        expect(res.status).toBe(200);
        ran[who] = res.headers.get('x-job-id')!;
      }
      // Waits until the jobs expected are written (the job log writes in batches), then gives all that are listed.
      const list = async (a: string, q = '') => {
        const expected = q ? [ran.suzuki, ran.yamada] : [a === yamada ? ran.yamada : ran.suzuki];
        for (let tries = 0; ; tries++) {
          const body = (await (await fetch(`${pageUrl}/api/jobs${q}`, { headers: as(a) })).json()) as { jobs: { id: string; caller: string }[] };
          if (expected.every((id) => body.jobs.some((j) => j.id === id)) || tries > 100) return body.jobs.map((j) => `${j.caller} ${j.id}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      expect(await list(yamada)).toEqual([`yamada@example.co.jp ${ran.yamada}`]);
      expect(await list(suzuki)).toEqual([`suzuki@example.co.jp ${ran.suzuki}`]);
      expect(await list(boss, '?all=true')).toEqual([`suzuki@example.co.jp ${ran.suzuki}`, `yamada@example.co.jp ${ran.yamada}`]);
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    } finally {
      await issuer.stop();
    }
  }, 120_000);
});
