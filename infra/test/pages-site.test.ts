/** The custom domain of the upload page: a CNAME made when the zone is in the account, else said what to create. */
import { App, TerraformStack } from 'cdktf';
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
