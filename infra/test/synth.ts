/** Synthesizes an environment's stacks into a scratch folder and reads back the JSON Terraform would get. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { addEnvironment } from '../app';
import { EnvironmentConfig, loadEnvironment } from '../config';

export interface Synthesized {
  /** Stack id → the stack's cdk.tf.json text (what cdktf's jest matchers take). */
  text: Record<string, string>;
  json: Record<string, TerraformJson>;
  config: EnvironmentConfig;
}

export interface TerraformJson {
  resource: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: string; sensitive?: boolean; description?: string }>;
  variable?: Record<string, Record<string, unknown>>;
  terraform: { backend: Record<string, Record<string, unknown>> };
}

export function synthEnvironment(env: string, edit?: (c: EnvironmentConfig) => EnvironmentConfig): Synthesized {
  const config = edit ? edit(loadEnvironment(env)) : loadEnvironment(env);
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-'));
  const app = new App({ outdir });
  addEnvironment(app, config);
  app.synth();
  const text: Record<string, string> = {};
  const json: Record<string, TerraformJson> = {};
  for (const stack of ['bootstrap', 'platform', 'edge'].map((s) => `${s}-${config.environment}`)) {
    text[stack] = readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
    json[stack] = JSON.parse(text[stack]);
  }
  return { text, json, config };
}

/** Every resource of a type, without cdktf's metadata. */
export function resources(tf: TerraformJson, type: string): Record<string, any>[] {
  return Object.values(tf.resource[type] ?? {});
}
