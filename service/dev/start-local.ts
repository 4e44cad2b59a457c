/**
 * `npm start`: the whole system as in production, on this machine. The service on :8080 with the
 * embedded database (PGlite in .data/) and the default model, and the upload page with its Pages
 * Function in workerd (`wrangler pages dev`) on :8788, proxying /api to the service. A local token
 * is made up when API_TOKEN(S) is not set. Without ACCESS_TEAM_DOMAIN and ACCESS_AUD the page is
 * open (the local run is yours alone); with them, the function and the service both verify the
 * Cloudflare Access assertion against that team's keys (or ACCESS_JWKS_URL's), as in the cloud.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startPagesDev } from '../../frontend/dev/pages-dev';

const LOCAL_TOKEN = 'local-development-token';
const env = { ...process.env };
if (!env.API_TOKEN && !env.API_TOKENS) env.API_TOKEN = LOCAL_TOKEN;
const firstToken = (env.API_TOKEN ?? env.API_TOKENS!.split(',')[0]).trim();
// The function sends the bare token; a name:token entry is named for the service only.
const token = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}:(.+)$/.exec(firstToken)?.[1] ?? firstToken;
const access =
  env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD ? { teamDomain: env.ACCESS_TEAM_DOMAIN, audience: env.ACCESS_AUD, jwksUrl: env.ACCESS_JWKS_URL || undefined } : undefined;
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
  const page = await startPagesDev({ apiUrl: serviceUrl, apiToken: token, port: pagePort, access });
  const stop = async (code: number) => {
    await page.stop();
    service.kill('SIGTERM');
    service.once('exit', () => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
  service.on('exit', (code) => void page.stop().then(() => process.exit(code ?? 1)));
  page.child.on('exit', () => void stop(1));
  const accessLine = access
    ? `Cloudflare Access: on. The function and the service verify Cf-Access-Jwt-Assertion (issuer https://${access.teamDomain},
                         audience ${access.audience}, keys from ${access.jwksUrl ?? `https://${access.teamDomain}/cdn-cgi/access/certs`}).
                         Admins (ADMIN_EMAILS): ${env.ADMIN_EMAILS || 'none'}.`
    : 'Cloudflare Access: off. The page is open and every page user is one caller (the token): this local run is yours alone.\n                         Set ACCESS_TEAM_DOMAIN and ACCESS_AUD (and ACCESS_JWKS_URL, ADMIN_EMAILS) to sign users in.';
  console.log(`
  Open the upload page:  ${page.url}
  (the page's /api proxy runs in workerd and calls the service on ${serviceUrl})
  ${accessLine}

  The API directly:      curl -H "Authorization: Bearer ${token === LOCAL_TOKEN ? LOCAL_TOKEN : '$API_TOKEN'}" -F file=@models/samples/penguins.csv ${serviceUrl}/v1/predict
  Stop with Ctrl-C.
`);
}

main().catch((error: Error) => {
  console.error(`npm start: ${error.message}`);
  process.exit(1);
});
