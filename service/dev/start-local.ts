/**
 * `npm start`: the service on http://localhost:8080 with the embedded database (PGlite in
 * .data/) and the default model. A local token is made up when API_TOKEN(S) is not set.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const LOCAL_TOKEN = 'local-development-token';
const env = { ...process.env };
if (!env.API_TOKEN && !env.API_TOKENS) env.API_TOKEN = LOCAL_TOKEN;
const port = env.PORT ?? '8080';
env.PORT = port;

console.log(`Starting the inference service on http://localhost:${port}`);
console.log(`  token:  ${env.API_TOKEN === LOCAL_TOKEN ? LOCAL_TOKEN : '(from API_TOKEN/API_TOKENS)'}`);
console.log(`  try:    curl -H "Authorization: Bearer ${env.API_TOKEN === LOCAL_TOKEN ? LOCAL_TOKEN : '$API_TOKEN'}" -F file=@models/samples/penguins.csv http://localhost:${port}/v1/predict`);
const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'server.ts')], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
