/**
 * The runbook's second command, infra/scripts/migrate-bootstrap-state.sh, with the real terraform
 * binary: a state made by a real apply into .bootstrap-state/ is pushed into the stack's new
 * backend (a local file stands in for the bucket: no network here), verified, and the local file
 * set aside; it refuses a stack that still points at .bootstrap-state/ and a bucket that holds state.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = join(__dirname, '..', 'scripts', 'migrate-bootstrap-state.sh');
const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', SKIP_SYNTH: '1' };
const resources = { terraform_data: { pool: { input: 'github' }, bucket: { input: 'state' } } };

function terraform(dir: string, ...args: string[]): string {
  try {
    return execFileSync('terraform', [`-chdir=${dir}`, ...args], { env, encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('terraform (1.11 or later) must be on PATH: the deploy scripts need it too');
    throw error;
  }
}

describe('migrate-bootstrap-state.sh', () => {
  let root: string;
  let stackDir: string;
  let localState: string;
  const run = () => promisify(execFile)(join(root, 'infra', 'scripts', 'migrate-bootstrap-state.sh'), ['dev'], { env });
  const stackBackend = (backend: object) => writeFileSync(join(stackDir, 'cdk.tf.json'), JSON.stringify({ terraform: { backend }, resource: resources }));

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'migrate-bootstrap-'));
    mkdirSync(join(root, 'infra', 'scripts'), { recursive: true });
    copyFileSync(SCRIPT, join(root, 'infra', 'scripts', 'migrate-bootstrap-state.sh'));
    stackDir = join(root, 'cdktf.out', 'stacks', 'bootstrap-dev');
    mkdirSync(stackDir, { recursive: true });
    localState = join(root, '.bootstrap-state', 'bootstrap-dev.tfstate');
    // The first apply by hand, with the backend the bootstrap stack synthesizes before the move.
    stackBackend({ local: { path: '../../../.bootstrap-state/bootstrap-dev.tfstate' } });
    terraform(stackDir, 'init', '-input=false', '-no-color');
    terraform(stackDir, 'apply', '-input=false', '-auto-approve', '-no-color');
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses while the stack still keeps its state in .bootstrap-state/', async () => {
    await expect(run()).rejects.toMatchObject({ stderr: expect.stringContaining('set "bootstrapState": "bucket" in infra/environments/dev.json first') });
    expect(existsSync(localState)).toBe(true);
  });

  it('moves the state into the new backend, checks it lists the same resources, and sets the local file aside', async () => {
    stackBackend({ local: { path: join(root, 'bucket.tfstate') } });
    const before = readFileSync(localState, 'utf8');
    await run();
    expect(terraform(stackDir, 'state', 'list').split('\n').filter(Boolean).sort()).toEqual(['terraform_data.bucket', 'terraform_data.pool']);
    expect(JSON.parse(readFileSync(join(root, 'bucket.tfstate'), 'utf8')).lineage).toBe(JSON.parse(before).lineage);
    expect(existsSync(localState)).toBe(false);
    expect(readFileSync(`${localState}.migrated`, 'utf8')).toBe(before);
    expect(terraform(stackDir, 'plan', '-input=false', '-no-color', '-detailed-exitcode')).toContain('No changes');
  }, 60_000);

  it('never overwrites state already in the bucket', async () => {
    copyFileSync(`${localState}.migrated`, localState);
    await expect(run()).rejects.toMatchObject({ stderr: expect.stringContaining('the bucket already holds state for bootstrap-dev; not overwriting it') });
    expect(existsSync(localState)).toBe(true);
  }, 60_000);

  it('says what to do when there is nothing to migrate', async () => {
    rmSync(localState);
    await expect(run()).rejects.toMatchObject({ stderr: expect.stringContaining('apply bootstrap-dev first (INFRA_ENV=dev npm run deploy -- bootstrap-dev)') });
  });
});
