/** The edge: the upload page on Cloudflare Pages (PagesSite), its state in the bootstrap bucket. */
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { GcsBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config';
import { PagesSite } from '../constructs/pages-site';

export { COMPATIBILITY_DATE, PAGES_SECRETS } from '../constructs/pages-site';

export interface EdgeInputs {
  gatewayUrl: string;
}

/**
 * With edge.secretsVia = 'terraform': the key and token as sensitive inputs, which the deploy job
 * reads from API Keys and Secret Manager (.github/scripts/platform-outputs.sh); the platform stack
 * has no output holding them. Cloudflare keeps its copy in this stack's state (README, "Secrets").
 */
export const PAGES_SECRET_VARIABLES = { apiKey: 'pages_api_key', apiToken: 'pages_api_token' } as const;

export class EdgeStack extends TerraformStack {
  readonly site: PagesSite;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, inputs: EdgeInputs) {
    super(scope, id);
    new GcsBackend(this, { bucket: config.stateBucket, prefix: `edge/${config.environment}` });
    // The API token comes from CLOUDFLARE_API_TOKEN in the environment, never from code.
    new CloudflareProvider(this, 'cloudflare', {});
    const secret = (name: string, description: string) => new TerraformVariable(this, name, { type: 'string', sensitive: true, nullable: false, description }).stringValue;
    const secrets =
      config.edge.secretsVia === 'terraform'
        ? {
            apiKey: secret(PAGES_SECRET_VARIABLES.apiKey, 'The newest API key (TF_VAR_pages_api_key)'),
            apiToken: secret(PAGES_SECRET_VARIABLES.apiToken, 'The newest bearer token (TF_VAR_pages_api_token)'),
          }
        : undefined;
    this.site = new PagesSite(this, 'site', {
      accountId: config.edge.cloudflareAccountId,
      projectName: config.edge.pagesProject,
      apiUrl: inputs.gatewayUrl,
      secrets,
      customDomain: config.edge.customDomain,
      zoneId: config.edge.zoneId,
      access: config.edge.public
        ? undefined
        : { teamDomain: config.edge.accessTeamDomain!, allowedEmailDomains: config.edge.allowedEmailDomains, allowedEmails: config.edge.allowedEmails },
      public: config.edge.public,
    });
    new TerraformOutput(this, 'pages_project', { value: this.site.projectName, description: 'wrangler pages deploy --project-name' });
    new TerraformOutput(this, 'pages_url', { value: this.site.url, description: 'Where business users open the page' });
    new TerraformOutput(this, 'pages_secrets_via', { value: config.edge.secretsVia, description: 'wrangler: CI writes API_KEY and API_TOKEN' });
    if (this.site.access) {
      new TerraformOutput(this, 'access_aud', { value: this.site.access.aud, description: 'The Access audience tag: the service verifies assertions for it (ACCESS_AUD)' });
    }
    if (this.site.pendingDnsRecord) {
      new TerraformOutput(this, 'custom_domain_dns_record', { value: this.site.pendingDnsRecord, description: 'Create this record (edge.zoneId lets the stack create it)' });
    }
  }
}
