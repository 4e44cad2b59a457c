/**
 * @seriousme/openapi-schema-validator (OpenAPI 2.0, 3.0, 3.1 JSON schemas) in a child process:
 * it is an ES module, which jest's CommonJS module system cannot load.
 */
import { execFileSync } from 'node:child_process';

const SCRIPT = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const result = await new Validator().validate(JSON.parse(input));
process.stdout.write(JSON.stringify(result));
`;

export function validateOpenApi(doc: unknown): { valid: boolean; errors?: unknown } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { input: JSON.stringify(doc), cwd: __dirname, encoding: 'utf8' });
  return JSON.parse(out);
}
