/**
 * What the state bucket can reveal (README "Secrets: what reaches state"): generated secrets are
 * ephemeral and reach Secret Manager and Cloud SQL only through write-only arguments, so no stack
 * stores a random_password or outputs a secret. The ephemeral blocks and variables are checked in
 * the JSON form Terraform 1.11 parses (the real binary, which parses the configuration before it
 * looks for providers).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGES_SECRET_VARIABLES } from '../stacks/edge-stack';
import { synthEnvironment, TerraformJson } from './synth';

type Stack = TerraformJson & { ephemeral?: Record<string, Record<string, unknown>>; variable?: Record<string, { ephemeral?: boolean; sensitive?: boolean }> };
const WRITE_ONLY = ['secret_data_wo', 'password_wo'];
/** Attributes that hold a secret value (cdktf marks every cross-stack output sensitive, so the flag says nothing). */
const SECRET_ATTRIBUTE = /\.(key_string|result|secret_data|password)\b|ephemeral\./;

/** Every write-only argument of a stack: address, argument and value. */
function writeOnlyArguments(tf: Stack): { at: string; value: string }[] {
  return Object.entries(tf.resource).flatMap(([type, byName]) =>
    Object.entries(byName).flatMap(([name, config]) => WRITE_ONLY.filter((a) => a in config).map((a) => ({ at: `${type}.${name}.${a}`, value: String(config[a]) }))),
  );
}

/** The references in a value that are ephemeral: ephemeral blocks, and variables declared ephemeral. */
function ephemeralReferences(tf: Stack, value: string): string[] {
  const ephemeralVars = Object.entries(tf.variable ?? {}).filter(([, v]) => v.ephemeral).map(([name]) => `var.${name}`);
  return [...value.matchAll(/(?<![\w.])(ephemeral\.[a-z_]+\.[\w-]+|var\.[\w-]+)/g)].map((m) => m[1]).filter((r) => r.startsWith('ephemeral.') || ephemeralVars.includes(r));
}

/** `terraform init -backend=false` output: it stops at the provider download here, after parsing the configuration. */
function initOutput(tf: Stack): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-parse-'));
  try {
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(tf));
    try {
      return execFileSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (e: any) {
      return `${e.stdout}${e.stderr}`;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(['dev', 'prod'])('%s', (env) => {
  const { json } = synthEnvironment(env);
  const platform = json[`platform-${env}`] as Stack;

  it('stores no generated secret: no random_password resource in any stack, ephemeral blocks instead', () => {
    for (const [id, tf] of Object.entries(json)) expect([id, Object.keys(tf.resource).filter((t) => t === 'random_password')]).toEqual([id, []]);
    expect(Object.keys(platform.ephemeral?.random_password ?? {}).sort()).toEqual(['database_password', 'inference_api-token']);
  });

  it('outputs no secret: none reads a key string, a password, a secret payload or an ephemeral value', () => {
    for (const [id, tf] of Object.entries(json)) {
      const outputs = Object.entries(tf.output ?? {});
      expect([id, outputs.filter(([, o]) => SECRET_ATTRIBUTE.test(JSON.stringify(o.value))).map(([name]) => name)]).toEqual([id, []]);
    }
  });

  it('feeds every write-only argument from an ephemeral value, and only write-only arguments read one', () => {
    const args = writeOnlyArguments(platform);
    expect(args.map((a) => a.at.replace(/_[0-9A-F]{8}\./, '.')).sort()).toEqual([
      'google_secret_manager_secret_version.database_url_version.secret_data_wo',
      'google_secret_manager_secret_version.inference_api-tokens_version.secret_data_wo',
      'google_sql_user.database_user.password_wo',
    ]);
    for (const { at, value } of args) expect([at, ephemeralReferences(platform, value).length > 0]).toEqual([at, true]);
    // Terraform refuses an ephemeral value anywhere else; this holds the synthesized JSON to it too.
    const elsewhere = JSON.stringify({ ...platform, resource: JSON.parse(JSON.stringify(platform.resource, (k, v) => (WRITE_ONLY.includes(k) ? undefined : v))), ephemeral: undefined, variable: undefined });
    expect(ephemeralReferences(platform, elsewhere)).toEqual([]);
  });

  it('is configuration Terraform 1.11 parses: its ephemeral blocks and ephemeral variable included', () => {
    const out = initOutput(platform);
    expect(out).not.toMatch(/problems\s+with the configuration|Unsupported block type|Unsupported argument/);
    expect(out).toMatch(/Initializing provider plugins/);
  }, 60_000);
});

it('the parse check can fail: a misspelled block is refused before any provider', () => {
  const tf = synthEnvironment('dev').json['platform-dev'] as Stack;
  const { ephemeral, ...rest } = tf;
  expect(initOutput({ ...rest, ephemerals: ephemeral } as Stack)).toMatch(/problems\s+with the configuration/);
}, 60_000);

describe('Pages secrets written by Terraform (edge.secretsVia "terraform")', () => {
  const s = synthEnvironment('dev', (c) => ({ ...c, edge: { ...c.edge, secretsVia: 'terraform' } }));

  it('come in as sensitive inputs the deploy job reads from the APIs, not as platform outputs', () => {
    const edge = s.json['edge-dev'] as Stack;
    for (const name of Object.values(PAGES_SECRET_VARIABLES)) expect(edge.variable![name]).toMatchObject({ sensitive: true });
    const outputs = Object.values(s.json['platform-dev'].output ?? {});
    expect(outputs.filter((o) => SECRET_ATTRIBUTE.test(JSON.stringify(o.value)))).toEqual([]);
  });
});
