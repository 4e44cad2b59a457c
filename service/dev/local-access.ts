/**
 * `npm run access:local -- alice@example.com bob@example.com`: a stand-in for Cloudflare Access on
 * this machine (service/test/access-issuer.ts): serves a JWKS on loopback, prints the settings for
 * `npm start` and one assertion (valid for 12 hours) per email, and runs until Ctrl-C.
 */
import { AccessIssuer } from '../test/access-issuer';

async function main(): Promise<void> {
  const emails = process.argv.slice(2);
  const issuer = await AccessIssuer.start(Number(process.env.ACCESS_ISSUER_PORT ?? 0));
  const { teamDomain, audience, jwksUrl } = issuer.settings;
  console.log(`export ACCESS_TEAM_DOMAIN=${teamDomain} ACCESS_AUD=${audience} ACCESS_JWKS_URL=${jwksUrl}`);
  for (const email of emails) console.log(`${email} ${await issuer.assertion({ email, expiresIn: 12 * 3600 })}`);
  process.on('SIGINT', () => void issuer.stop().then(() => process.exit(0)));
}

main().catch((error: Error) => {
  console.error(`access:local: ${error.message}`);
  process.exit(1);
});
