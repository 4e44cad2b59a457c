/** `npm start`: the whole system from one command, as a new user runs it on a fresh clone. */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../../service/test/helpers';
import { freePort } from '../dev/pages-dev';

const ROOT = join(__dirname, '..', '..');

describe('npm start', () => {
  let child: ChildProcess;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  it('runs the service and the page with its proxy in workerd, prints the URL, and stops on Ctrl-C', async () => {
    const [port, pagePort] = [await freePort(), await freePort()];
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), PAGE_PORT: String(pagePort), PGLITE_DIR: tempDir('start-pglite-'), API_TOKEN: '', API_TOKENS: '', LOG_LEVEL: 'warn' },
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
});
