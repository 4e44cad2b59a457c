/**
 * Secret rotation as the README's runbook does it: each step writes a new secret version, Cloud
 * Run is pinned to it (so a revision rolls), and during the overlap the real service accepts both
 * the old and the new token from the secret's value, as real Terraform (`terraform console`)
 * evaluates the synthesized expressions.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { loadConfig } from '../../service/src/config';
import { bearerAuth } from '../../service/src/http/auth';
import { EnvironmentConfig, loadEnvironment, parseEnvironment } from '../config';
import { liveGenerations, rotationVersion } from '../constructs/rotation';
import { API_TOKENS_NOW } from '../stacks/platform-stack';
import { resources, synthEnvironment } from './synth';
import { evaluateTemplate } from './terraform-console';

type Secrets = EnvironmentConfig['secrets'];
const withSecrets = (secrets: Partial<Secrets>) => (c: EnvironmentConfig) => ({ ...c, secrets: { ...c.secrets, ...secrets } });
const alnum = () => Array.from(randomBytes(48), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('');

/** The runbook's steps for one secret: generation 1; 2 beside 1; 2 alone; 3 beside 2; … */
const runbook = (upTo: number) => [{ generation: 1, keepPrevious: false }, ...Array.from({ length: upTo - 1 }, (_, i) => [{ generation: i + 2, keepPrevious: true }, { generation: i + 2, keepPrevious: false }]).flat()];

function platformOf(secrets: Partial<Secrets>) {
  const s = synthEnvironment('dev', withSecrets(secrets));
  return s.json['platform-dev'];
}

/** The synthesized API_TOKENS version and what its write-only value reads. */
function tokensVersionOf(tf: ReturnType<typeof platformOf>) {
  const [version] = resources(tf, 'google_secret_manager_secret_version').filter((v) => v.secret.includes('api-tokens'));
  return version;
}

/**
 * One apply of the runbook step's synthesized value, by the real Terraform language: the ephemeral
 * password replaced by `fresh`, the ephemeral input by what Secret Manager holds (`now`).
 */
function applyValue(template: string, fresh: string, now: string): string {
  const literal = template.replace(/ephemeral\.random_password\.[\w-]+\.result/g, JSON.stringify(fresh));
  return evaluateTemplate(literal, { [API_TOKENS_NOW]: now });
}

describe('API token rotation', () => {
  const templates = {
    alone: tokensVersionOf(platformOf({ apiToken: { generation: 2, keepPrevious: false } })).secret_data_wo as string,
    overlap: tokensVersionOf(platformOf({ apiToken: { generation: 2, keepPrevious: true } })).secret_data_wo as string,
  };
  const overlap = platformOf({ apiToken: { generation: 2, keepPrevious: true } });
  const tokensVersion = tokensVersionOf(overlap);

  it('generates tokens ephemeral (never in state) and takes the previous one from Secret Manager through an ephemeral input', () => {
    expect(overlap.resource.random_password).toBeUndefined();
    expect((overlap as any).ephemeral.random_password).toHaveProperty(['inference_api-token']);
    expect((overlap as any).variable[API_TOKENS_NOW]).toMatchObject({ ephemeral: true, sensitive: true, nullable: false });
    expect(templates.overlap).toMatch(/^\$\{ephemeral\.random_password\.inference_api-token\.result\},\$\{element\(split\(",", var\.api_tokens_now\), 0\)\}$/);
    expect(tokensVersion.secret_data_wo_version).toBe(3);
    expect(overlap.output).not.toHaveProperty('api_token');
  });

  it('over the whole runbook, as Terraform evaluates it: a new token at each raise, the previous one kept through the overlap, and the real service accepts exactly the live ones', async () => {
    let now = '';
    let written = 0;
    let previous: string[] = [];
    for (const step of runbook(4)) {
      const version = rotationVersion(step);
      // Terraform writes the write-only value only when its version changes.
      if (version !== written) {
        now = applyValue(step.keepPrevious ? templates.overlap : templates.alone, alnum(), now);
        written = version;
      }
      const live = loadConfig({ API_TOKENS: now }).apiTokens.map((t) => t.token);
      expect([step, live.length]).toEqual([step, step.keepPrevious ? 2 : 1]);
      if (step.keepPrevious) {
        // The token callers hold keeps working beside a new one.
        expect(live[1]).toBe(previous[0]);
        expect(live[0]).not.toBe(previous[0]);
      } else if (previous.length === 2) {
        // Dropping the old one leaves the one callers moved to.
        expect(live).toEqual([previous[0]]);
      }
      const app = express().use(bearerAuth(live)).get('/', (_req, res) => res.send('ok'));
      for (const token of live) await request(app).get('/').set('Authorization', `Bearer ${token}`).expect(200);
      for (const gone of previous.filter((t) => !live.includes(t))) await request(app).get('/').set('Authorization', `Bearer ${gone}`).expect(401);
      previous = live;
    }
  });

  it('writes a new version at every runbook step, and Cloud Run reads the version written, not latest', () => {
    const versions = runbook(40).map(rotationVersion);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]);
    for (const step of runbook(40)) expect(liveGenerations(step)).toEqual(step.keepPrevious ? [step.generation, step.generation - 1] : [step.generation]);
    const env = resources(overlap, 'google_cloud_run_v2_service')[0].template.containers[0].env.find((e: any) => e.name === 'API_TOKENS');
    expect(env.value_source.secret_key_ref.version).toMatch(/^\$\{google_secret_manager_secret_version\.inference_api-tokens_version_\w+\.version\}$/);
    expect(tokensVersion.lifecycle).toEqual({ create_before_destroy: true });
    // The old version stays readable, so a revision still pinned to it can start and be rolled back to.
    expect(tokensVersion.deletion_policy).toBe('ABANDON');
  });
});

describe('API key rotation', () => {
  it('names keys by generation (a deleted name stays reserved for 30 days) and keeps the previous key during the overlap', () => {
    const tf = platformOf({ apiKey: { generation: 2, keepPrevious: true } });
    expect(resources(tf, 'google_apikeys_key').map((k) => k.name).sort()).toEqual(['inference-dev-pages-g1', 'inference-dev-pages-g2']);
    expect(tf.output!.api_key_id.value).toMatch(/^\$\{google_apikeys_key\.gateway_key-g2_\w+\.id\}$/);
    const after = platformOf({ apiKey: { generation: 2, keepPrevious: false } });
    expect(resources(after, 'google_apikeys_key').map((k) => k.name)).toEqual(['inference-dev-pages-g2']);
  });
});

describe('database password rotation', () => {
  const parts = (tf: ReturnType<typeof platformOf>) => {
    const [user] = resources(tf, 'google_sql_user');
    const [url] = resources(tf, 'google_secret_manager_secret_version').filter((v) => v.secret.includes('database_url'));
    return { user, url };
  };
  // The instance address and database name as Terraform would know them at apply.
  const atApply = (expression: string, address: string, database = 'inference') =>
    evaluateTemplate(expression.replace(/google_sql_database_instance\.[\w-]+\.private_ip_address/g, `"${address}"`).replace(/google_sql_database\.[\w-]+\.name/g, `"${database}"`));

  it('writes one ephemeral password to the user and the URL, under one version', () => {
    const { user, url } = parts(platformOf({ databasePassword: { generation: 2, keepPrevious: false } }));
    expect(user.password_wo).toMatch(/^\$\{ephemeral\.random_password\.database_password\.result\}$/);
    expect(url.secret_data_wo).toContain('${ephemeral.random_password.database_password.result}');
    expect(user.password_wo_version).toBe(url.secret_data_wo_version);
  });

  it('rolls a new version for a new generation and for a replaced instance (new address), and only then', () => {
    const g1 = parts(platformOf({ databasePassword: { generation: 1, keepPrevious: false } })).url.secret_data_wo_version;
    const g2 = parts(platformOf({ databasePassword: { generation: 2, keepPrevious: false } })).url.secret_data_wo_version;
    const same = atApply(g1, '10.20.0.3');
    expect(same).toMatch(/^\d+$/);
    expect(Number(same)).toBeLessThan(2 ** 48);
    expect(atApply(g1, '10.20.0.3')).toBe(same);
    expect(atApply(g1, '10.20.0.4')).not.toBe(same);
    expect(atApply(g1, '10.20.0.3', 'other')).not.toBe(same);
    expect(atApply(g2, '10.20.0.3')).not.toBe(same);
  });
});

describe("the README's rotation runbook", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  // From its heading to the next one, whichever that is.
  const heading = '### Rotating secrets\n';
  const after = readme.slice(readme.indexOf(heading) + heading.length);
  const section = after.slice(0, after.search(/^##/m));
  const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map(([, body]) => JSON.parse(body) as Partial<Secrets>);

  it('hands the new token out with a command a person can run, naming the secret the stack writes', () => {
    // No person can act as the deploy account (its tokens come only from the GitHub environment).
    expect(section).not.toMatch(/terraform output -raw api_token\b/);
    expect(section).toContain('gcloud secrets versions access latest --secret=<app>-<env>-api-tokens --project=<projectId> | cut -d, -f1');
    const tf = platformOf({});
    const [secret] = resources(tf, 'google_secret_manager_secret').filter((x) => x.secret_id.endsWith('-api-tokens'));
    expect(secret.secret_id).toBe('inference-dev-api-tokens');
  });

  it('gives config examples the schema accepts, and the token steps write ever newer versions', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const base = loadEnvironment('dev');
    const parsed = examples.map((secrets) => parseEnvironment({ ...base, secrets }, 'README.md (Rotating secrets)').secrets);
    const tokenSteps = [{ generation: 1, keepPrevious: false }, ...parsed.filter((_, i) => 'apiToken' in examples[i]).map((p) => p.apiToken)];
    expect(tokenSteps.length).toBe(3);
    for (let i = 1; i < tokenSteps.length; i++) expect(rotationVersion(tokenSteps[i])).toBeGreaterThan(rotationVersion(tokenSteps[i - 1]));
  });
});
