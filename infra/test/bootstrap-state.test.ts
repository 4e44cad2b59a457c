/**
 * Synthesizing one environment must leave the other environment's bootstrap state alone. The cdktf
 * CLI deletes every stack folder under cdktf.out/stacks that it did not just synthesize, so the
 * bootstrap's local state lives outside cdktf.out (.bootstrap-state/). Runs the CLI's own synth.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BOOTSTRAP_STATE_DIR } from '../stacks/bootstrap-stack';

const ROOT = join(__dirname, '..', '..');

const cliSynth = (outdir: string, env: string) =>
  promisify(execFile)(process.execPath, [join(__dirname, 'cli-synth.cjs'), outdir], {
    env: { ...process.env, INFRA_ENV: env, CHECKPOINT_DISABLE: '1' },
    timeout: 60_000,
  });

describe('cdktf synth of one environment', () => {
  let project: string;
  let outdir: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'bootstrap-state-'));
    outdir = join(project, 'cdktf.out');
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('keeps the other environment’s bootstrap state, though the CLI removes that stack’s folder', async () => {
    expect((await cliSynth(outdir, 'prod')).stdout).toMatch(/bootstrap-prod/);
    const stackDir = join(outdir, 'stacks', 'bootstrap-prod');
    const backend = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')).terraform.backend;
    // Terraform resolves a local backend's path from the stack's folder, where cdktf runs it.
    const statePath = resolve(stackDir, backend.local.path);
    expect(relative(outdir, statePath).startsWith('..')).toBe(true);
    mkdirSync(dirname(statePath), { recursive: true });
    const state = JSON.stringify({ version: 4, serial: 7, lineage: 'prod-bootstrap', resources: [] });
    writeFileSync(statePath, state);
    writeFileSync(join(stackDir, 'marker'), 'the stack folder');

    expect((await cliSynth(outdir, 'dev')).stdout).toMatch(/bootstrap-dev/);
    expect(existsSync(stackDir)).toBe(false);
    expect(readFileSync(statePath, 'utf8')).toBe(state);
  }, 120_000);
});

describe('the bootstrap runbook', () => {
  it('names the two commands, and the local state folder stays out of git', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('INFRA_ENV=<env> npm run deploy -- bootstrap-<env>      # state: .bootstrap-state/bootstrap-<env>.tfstate');
    expect(readme).toContain('infra/scripts/migrate-bootstrap-state.sh <env>');
    accessSync(join(ROOT, 'infra', 'scripts', 'migrate-bootstrap-state.sh'), constants.X_OK);
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain(`${BOOTSTRAP_STATE_DIR}/`);
  });
});
