/**
 * `npm start`: the whole system as in production, on this machine. The service on :8080 with the
 * embedded database (PGlite in .data/) and the default model, and the upload page with its Pages
 * Function in workerd (`wrangler pages dev`) on :8788, proxying /api to the service. A local token
 * is made up when API_TOKEN(S) is not set.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startPagesDev } from '../../frontend/dev/pages-dev';

const LOCAL_TOKEN = 'local-development-token';
const env = { ...process.env };
if (!env.API_TOKEN && !env.API_TOKENS) env.API_TOKEN = LOCAL_TOKEN;
const token = env.API_TOKEN ?? env.API_TOKENS!.split(',')[0].trim();
const port = env.PORT ?? '8080';
const pagePort = Number(env.PAGE_PORT ?? 8788);
env.PORT = port;

async function waitForReady(url: string, service: ReturnType<typeof spawn>): Promise<void> {
  for (;;) {
    if (service.exitCode !== null) throw new Error(`the service exited (${service.exitCode}); see its log above`);
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const serviceUrl = `http://127.0.0.1:${port}`;
  const service = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'server.ts')], { env, stdio: 'inherit' });
  await waitForReady(serviceUrl, service);
  const page = await startPagesDev({ apiUrl: serviceUrl, apiToken: token, port: pagePort });
  const stop = async (code: number) => {
    await page.stop();
    service.kill('SIGTERM');
    service.once('exit', () => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
  service.on('exit', (code) => void page.stop().then(() => process.exit(code ?? 1)));
  page.child.on('exit', () => void stop(1));
  console.log(`
  Open the upload page:  ${page.url}
  (the page's /api proxy runs in workerd and calls the service on ${serviceUrl})

  The API directly:      curl -H "Authorization: Bearer ${token === LOCAL_TOKEN ? LOCAL_TOKEN : '$API_TOKEN'}" -F file=@models/samples/penguins.csv ${serviceUrl}/v1/predict
  Stop with Ctrl-C.
`);
}

main().catch((error: Error) => {
  console.error(`npm start: ${error.message}`);
  process.exit(1);
});
