/**
 * A local stand-in for Cloudflare Access's key issuer: RSA keys made in the test, their JWKS
 * served on loopback (as https://<team>/cdn-cgi/access/certs serves them), and assertions signed
 * as Access signs them (RS256, iss https://<team domain>, aud the application's tag, email).
 */
import { createServer, Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { AccessSettings } from '../src/identity/access-assertion';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
interface Key {
  kid: string;
  privateKey: PrivateKey;
  jwk: JWK;
}

export const TEAM_DOMAIN = 'acme-test.cloudflareaccess.com';
export const AUDIENCE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface AssertionOptions {
  email?: string;
  audience?: string | string[];
  issuer?: string;
  /** Seconds from now; negative for an expired assertion. */
  expiresIn?: number;
  extra?: Record<string, unknown>;
}

export class AccessIssuer {
  private server: Server | undefined;
  private published: Key[] = [];
  /** How many times the JWKS was fetched. */
  fetches = 0;
  url = '';

  private constructor(private key: Key) {
    this.published = [key];
  }

  static async start(port = 0): Promise<AccessIssuer> {
    const issuer = new AccessIssuer(await makeKey('key-1'));
    issuer.server = createServer((req, res) => {
      issuer.fetches++;
      if (req.url !== '/cdn-cgi/access/certs') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: issuer.published.map((k) => k.jwk) }));
    });
    await new Promise<void>((r) => issuer.server!.listen(port, '127.0.0.1', r));
    issuer.url = `http://127.0.0.1:${(issuer.server.address() as { port: number }).port}/cdn-cgi/access/certs`;
    return issuer;
  }

  /** The settings a verifier of this issuer's assertions takes. */
  get settings(): AccessSettings {
    return { teamDomain: TEAM_DOMAIN, audience: AUDIENCE, jwksUrl: this.url };
  }

  /** Publishes a new key beside the old and signs with it from now on, as Access rotates. */
  async rotate(kid: string): Promise<void> {
    this.key = await makeKey(kid);
    this.published.push(this.key);
  }

  async assertion(opts: AssertionOptions = {}): Promise<string> {
    return sign(this.key, opts);
  }

  /** Signed by a key of the same shape and key id that this issuer never published. */
  async foreignAssertion(opts: AssertionOptions = {}): Promise<string> {
    return sign(await makeKey(this.key.kid), opts);
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function sign(key: Key, opts: AssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: opts.email ?? 'alice@example.com', type: 'app', identity_nonce: 'n0nce', country: 'JP', ...opts.extra })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(opts.issuer ?? `https://${TEAM_DOMAIN}`)
    .setAudience(opts.audience ?? [AUDIENCE])
    .setSubject('3f1c5a9e-0000-4000-8000-000000000001')
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(now + (opts.expiresIn ?? 3600))
    .sign(key.privateKey);
}

/** The same payload unsigned, with `alg: none`. */
export function unsignedAssertion(signed: string): string {
  const [, payload] = signed.split('.');
  return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
}

/** The signed assertion with its email changed after signing. */
export function tamperedAssertion(signed: string, email: string): string {
  const [header, payload, signature] = signed.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, email })).toString('base64url')}.${signature}`;
}
