/** The custom domain of the upload page: a CNAME made when the zone is in the account, else said what to create. */
import { App, TerraformStack } from 'cdktf';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addEnvironment } from '../app';
import { EnvironmentConfig, ENVIRONMENTS_DIR, loadEnvironment, parseEnvironment } from '../config';
import { PagesSite } from '../constructs/pages-site';
import { resources, synthEnvironment } from './synth';

describe('a custom domain whose zone is not in the account', () => {
  const s = synthEnvironment('prod', (c) => ({ ...c, edge: { ...c.edge, zoneId: undefined } }));
  const tf = s.json['edge-prod'];

  it('outputs the CNAME to create, and the page URL stays on pages.dev until it exists', () => {
    expect(resources(tf, 'cloudflare_dns_record')).toHaveLength(0);
    expect(tf.output!.custom_domain_dns_record.value).toMatch(/^predict\.example\.com CNAME inference-upload\.pages\.dev \(proxied\)/);
    expect(tf.output!.pages_url.value).toBe('https://inference-upload.pages.dev');
  });

  it('still guards the pending domain with Access, so it never opens unguarded', () => {
    const [app] = resources(tf, 'cloudflare_zero_trust_access_application');
    expect(app.destinations.map((d: any) => d.uri)).toEqual(['inference-upload.pages.dev', 'predict.example.com', '*.inference-upload.pages.dev']);
    expect(app.domain).toBe('inference-upload.pages.dev');
  });
});

describe('PagesSite props', () => {
  const site = (props: Partial<ConstructorParameters<typeof PagesSite>[2]>) => () =>
    new PagesSite(new TerraformStack(new App(), 'edge'), 'site', { accountId: 'a'.repeat(32), projectName: 'p', apiUrl: 'https://api', ...props });

  it('refuses a zone id without a custom domain, and a custom domain that is not a host name', () => {
    expect(site({ zoneId: 'f'.repeat(32) })).toThrow('edge/site: zoneId is only used with customDomain');
    expect(site({ customDomain: 'https://predict.example.com' })).toThrow('edge/site: customDomain must be a host name such as predict.example.com (got "https://predict.example.com")');
  });
});

describe('Cloudflare Access in front of the page', () => {
  const access = { teamDomain: 'acme.cloudflareaccess.com', allowedEmailDomains: ['example.com'] };
  const site = (props: Partial<ConstructorParameters<typeof PagesSite>[2]>) => () =>
    new PagesSite(new TerraformStack(new App(), 'edge'), 'site', { accountId: 'a'.repeat(32), projectName: 'p', apiUrl: 'https://api', ...props });

  it('is required: a site without it must be public by name, and it must let someone in', () => {
    expect(site({})).toThrow('edge/site: access is required (teamDomain and the allowed email domains or emails); a page without Access must be asked for with public: true');
    expect(site({ access: { teamDomain: 'acme.cloudflareaccess.com' } })).toThrow('access needs allowedEmailDomains or allowedEmails');
    expect(site({ access: { ...access, teamDomain: 'https://acme.cloudflareaccess.com' } })).toThrow('access.teamDomain must be the Zero Trust team domain');
    expect(site({ access, public: true })).toThrow('public and access exclude each other');
    expect(site({ public: true })).not.toThrow();
  });

  it('lets in the configured domains and addresses, and hands the function the team domain and the application’s audience tag', () => {
    const s = synthEnvironment('dev', (c) => ({ ...c, edge: { ...c.edge, allowedEmails: ['contractor@partner.example'] } }));
    const tf = s.json['edge-dev'];
    const [policy] = resources(tf, 'cloudflare_zero_trust_access_policy');
    expect(policy.include).toEqual([{ email_domain: { domain: 'example.com' } }, { email: { email: 'contractor@partner.example' } }]);
    const [project] = resources(tf, 'cloudflare_pages_project');
    for (const deployment of ['production', 'preview']) {
      const vars = project.deployment_configs[deployment].env_vars;
      expect(vars.ACCESS_TEAM_DOMAIN).toEqual({ type: 'plain_text', value: 'acme.cloudflareaccess.com' });
      expect(vars.ACCESS_AUD).toEqual({ type: 'plain_text', value: expect.stringMatching(/^\$\{cloudflare_zero_trust_access_application\.site_access_\w+\.aud\}$/) });
      expect(vars.ACCESS_OPEN).toBeUndefined();
    }
    expect(tf.output!.access_aud.value).toMatch(/^\$\{cloudflare_zero_trust_access_application\.\w+\.aud\}$/);
  });

  it('opens a dev page only with edge.public, warned about at synth; production refuses it (policy rule production-access)', () => {
    const open = (c: EnvironmentConfig): EnvironmentConfig => ({ ...c, edge: { ...c.edge, public: true, accessTeamDomain: undefined, allowedEmailDomains: [], allowedEmails: [] } });
    const outdir = mkdtempSync(join(tmpdir(), 'cdktf-'));
    const app = new App({ outdir });
    addEnvironment(app, open(loadEnvironment('dev')));
    app.synth();
    const dev = JSON.parse(readFileSync(join(outdir, 'stacks', 'edge-dev', 'cdk.tf.json'), 'utf8'));
    expect(resources(dev, 'cloudflare_zero_trust_access_application')).toHaveLength(0);
    expect(resources(dev, 'cloudflare_pages_project')[0].deployment_configs.production.env_vars.ACCESS_OPEN).toEqual({ type: 'plain_text', value: 'true' });
    // What `cdktf synth` prints: the manifest's warnings.
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.stacks['edge-dev'].annotations).toContainEqual(
      expect.objectContaining({ level: '@cdktf/warn', message: expect.stringContaining('inference-upload-dev is public (edge.public): anyone on the Internet can use the page and its API proxy') }),
    );
    expect(() => synthEnvironment('prod', open)).toThrow(/\[production-access\] the production Pages production deployment is public \(edge\.public\)/);
  });

  it('is asked for by the config unless edge.public, which then takes no Access fields', () => {
    const edge = (e: object) => ({ ...JSON.parse(readFileSync(join(ENVIRONMENTS_DIR, 'dev.json'), 'utf8')), edge: { cloudflareAccountId: 'a'.repeat(32), pagesProject: 'p-dev', ...e } });
    expect(() => parseEnvironment(edge({}), 'dev.json')).toThrow('edge.accessTeamDomain is required: the page is behind Cloudflare Access unless edge.public is true');
    expect(() => parseEnvironment(edge({ accessTeamDomain: 'acme.cloudflareaccess.com' }), 'dev.json')).toThrow('edge.allowedEmailDomains or edge.allowedEmails must name who Access lets in');
    expect(() => parseEnvironment(edge({ public: true, allowedEmails: ['a@example.com'] }), 'dev.json')).toThrow('edge.public is true, so the Access fields');
    expect(parseEnvironment(edge({ public: true }), 'dev.json').edge.public).toBe(true);
  });
});

describe('the service’s own check of Access assertions', () => {
  it('gets the team domain, the audience tag and the admins once edge.accessAudience is set', () => {
    const envOf = (s: ReturnType<typeof synthEnvironment>) =>
      Object.fromEntries(resources(s.json['platform-dev'], 'google_cloud_run_v2_service')[0].template.containers[0].env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(envOf(synthEnvironment('dev'))).not.toHaveProperty('ACCESS_AUD');
    const aud = 'c'.repeat(64);
    const env = envOf(synthEnvironment('dev', (c) => ({ ...c, edge: { ...c.edge, accessAudience: aud, adminEmails: ['boss@example.com', 'ops@example.com'] } })));
    expect(env).toMatchObject({ ACCESS_TEAM_DOMAIN: 'acme.cloudflareaccess.com', ACCESS_AUD: aud, ADMIN_EMAILS: 'boss@example.com,ops@example.com' });
    const dev = JSON.parse(readFileSync(join(ENVIRONMENTS_DIR, 'dev.json'), 'utf8'));
    expect(() => parseEnvironment({ ...dev, edge: { ...dev.edge, adminEmails: ['boss@example.com'] } }, 'dev.json')).toThrow('edge.adminEmails needs edge.accessAudience');
  });
});
