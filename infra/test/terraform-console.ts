/**
 * Evaluates a Terraform expression with the real terraform binary (`terraform console`, which
 * needs no provider): the synthesized JSON's functions and conditionals are checked by the
 * language that will run them, not by a re-implementation.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `template`: a JSON string value as cdktf writes it (may hold `${…}`); `vars`: string variables it reads as var.<name>. */
export function evaluateTemplate(template: string, vars: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-console-'));
  try {
    // In a .tf.json file, as in the synthesized stack: the string is a template, evaluated as a local.
    const variable = Object.fromEntries(Object.keys(vars).map((name) => [name, { type: 'string' }]));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ ...(Object.keys(vars).length > 0 ? { variable } : {}), locals: { value: template } }));
    const args = ['console', ...Object.entries(vars).flatMap(([name, value]) => ['-var', `${name}=${value}`])];
    const out = execFileSync('terraform', args, { cwd: dir, input: 'local.value\n', env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' }, encoding: 'utf8' });
    const value = out.trim().split('\n').pop()!;
    return value.startsWith('"') ? JSON.parse(value) : value;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
