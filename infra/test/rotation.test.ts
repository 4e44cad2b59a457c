/**
 * Secret rotation as the README's runbook does it: each step writes a new secret version, Cloud
 * Run is pinned to it (so a revision rolls), and during the overlap the real service accepts both
 * the old and the new token from the secret's value.
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
import { resources, synthEnvironment } from './synth';

type Secrets = EnvironmentConfig['secrets'];
const withSecrets = (secrets: Partial<Secrets>) => (c: EnvironmentConfig) => ({ ...c, secrets: { ...c.secrets, ...secrets } });
const alnum = () => Array.from(randomBytes(48), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('');

/** The runbook's steps for one secret: generation 1; 2 beside 1; 2 alone; 3 beside 2; … */
const runbook = (upTo: number) => [{ generation: 1, keepPrevious: false }, ...Array.from({ length: upTo - 1 }, (_, i) => [{ generation: i + 2, keepPrevious: true }, { generation: i + 2, keepPrevious: false }]).flat()];

function platformOf(secrets: Partial<Secrets>) {
  const s = synthEnvironment('dev', withSecrets(secrets));
  return s.json['platform-dev'];
}

describe('API token rotation', () => {
  const overlap = platformOf({ apiToken: { generation: 2, keepPrevious: true } });
  const [tokensVersion] = resources(overlap, 'google_secret_manager_secret_version').filter((v) => v.secret.includes('api-tokens'));

  it('keeps the old token beside the new one in API_TOKENS, and hands the new one to the Pages Function', () => {
    const passwords = Object.keys(overlap.resource.random_password).filter((k) => k.includes('api-token'));
    expect(passwords.map((k) => k.replace(/_[0-9A-F]{8}$/, '')).sort()).toEqual(['inference_api-token-g1', 'inference_api-token-g2']);
    expect(tokensVersion.secret_data_wo).toMatch(/^\$\{random_password\.inference_api-token-g2_\w+\.result\},\$\{random_password\.inference_api-token-g1_\w+\.result\}$/);
    expect(tokensVersion.secret_data_wo_version).toBe(3);
    expect(overlap.output!.api_token.value).toMatch(/^\$\{random_password\.inference_api-token-g2_\w+\.result\}$/);
  });

  it('makes a secret value the real service accepts both tokens from, and nothing else', async () => {
    const tokens: Record<string, string> = {};
    const value = tokensVersion.secret_data_wo.replace(/\$\{(random_password\.[\w-]+)\.result\}/g, (_: string, address: string) => (tokens[address] ??= alnum()));
    const config = loadConfig({ API_TOKENS: value });
    expect(config.apiTokens).toHaveLength(2);
    const app = express().use(bearerAuth(config.apiTokens)).get('/', (_req, res) => res.send('ok'));
    for (const token of Object.values(tokens)) await request(app).get('/').set('Authorization', `Bearer ${token}`).expect(200);
    await request(app).get('/').set('Authorization', `Bearer ${alnum()}`).expect(401);
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
    expect(tf.output!.api_key.value).toMatch(/^\$\{google_apikeys_key\.gateway_key-g2_\w+\.key_string\}$/);
    const after = platformOf({ apiKey: { generation: 2, keepPrevious: false } });
    expect(resources(after, 'google_apikeys_key').map((k) => k.name)).toEqual(['inference-dev-pages-g2']);
  });
});

describe('database password rotation', () => {
  it('makes a new password, writes it to the user and a new URL version, all write-only', () => {
    const tf = platformOf({ databasePassword: { generation: 2, keepPrevious: false } });
    const [password] = Object.values(tf.resource.random_password).filter((p) => p['//'].metadata.path.endsWith('database/password'));
    expect(password.keepers).toEqual({ generation: '2' });
    expect(resources(tf, 'google_sql_user')[0]).toMatchObject({ password_wo_version: 2 });
    const [url] = resources(tf, 'google_secret_manager_secret_version').filter((v) => v.secret.includes('database_url'));
    expect(url.secret_data_wo_version).toBe(2);
  });
});

describe("the README's rotation runbook", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  // From its heading to the next one, whichever that is.
  const heading = '### Rotating secrets\n';
  const after = readme.slice(readme.indexOf(heading) + heading.length);
  const section = after.slice(0, after.search(/^##/m));
  const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map(([, body]) => JSON.parse(body) as Partial<Secrets>);

  it('gives config examples the schema accepts, and the token steps write ever newer versions', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const base = loadEnvironment('dev');
    const parsed = examples.map((secrets) => parseEnvironment({ ...base, secrets }, 'README.md (Rotating secrets)').secrets);
    const tokenSteps = [{ generation: 1, keepPrevious: false }, ...parsed.filter((_, i) => 'apiToken' in examples[i]).map((p) => p.apiToken)];
    expect(tokenSteps.length).toBe(3);
    for (let i = 1; i < tokenSteps.length; i++) expect(rotationVersion(tokenSteps[i])).toBeGreaterThan(rotationVersion(tokenSteps[i - 1]));
  });
});
