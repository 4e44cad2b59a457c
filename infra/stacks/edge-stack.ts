/**
 * The upload page on Cloudflare Pages (direct upload: CI deploys the files and Functions with
 * wrangler), with the API's address for the proxy, an optional custom domain, and optional Zero
 * Trust Access limiting the page to the configured email domains.
 */
import { PagesDomain } from '@cdktf/provider-cloudflare/lib/pages-domain';
import { PagesProject } from '@cdktf/provider-cloudflare/lib/pages-project';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { ZeroTrustAccessApplication } from '@cdktf/provider-cloudflare/lib/zero-trust-access-application';
import { ZeroTrustAccessPolicy } from '@cdktf/provider-cloudflare/lib/zero-trust-access-policy';
import { GcsBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config';

/** The Pages Function's runtime date; wrangler 4.86 (the newest on Node 20) accepts up to 2026-05-03. */
export const COMPATIBILITY_DATE = '2026-05-01';
export const PAGES_SECRETS = ['API_KEY', 'API_TOKEN'] as const;

export interface EdgeInputs {
  gatewayUrl: string;
  /** Only with edge.secretsVia = 'terraform'. */
  apiKey?: string;
  apiToken?: string;
}

export class EdgeStack extends TerraformStack {
  readonly project: PagesProject;
  readonly access?: ZeroTrustAccessApplication;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, inputs: EdgeInputs) {
    super(scope, id);
    new GcsBackend(this, { bucket: config.stateBucket, prefix: `edge/${config.environment}` });
    // The API token comes from CLOUDFLARE_API_TOKEN in the environment, never from code.
    new CloudflareProvider(this, 'cloudflare', {});
    const accountId = config.edge.cloudflareAccountId;
    const terraformSecrets = config.edge.secretsVia === 'terraform';
    const envVars = {
      API_URL: { type: 'plain_text', value: inputs.gatewayUrl },
      ...(terraformSecrets
        ? { API_KEY: { type: 'secret_text', value: inputs.apiKey! }, API_TOKEN: { type: 'secret_text', value: inputs.apiToken! } }
        : {}),
    };
    const deployment = { compatibilityDate: COMPATIBILITY_DATE, envVars, failOpen: false };
    this.project = new PagesProject(this, 'pages', {
      accountId,
      name: config.edge.pagesProject,
      productionBranch: 'main',
      deploymentConfigs: { production: deployment, preview: deployment },
      // cloudflare 5.14 fails applies that carry sensitive env vars ("inconsistent values for
      // sensitive attribute", fixed in 5.15): by default CI writes the secrets with
      // `wrangler pages secret put`, and Terraform leaves those keys alone.
      lifecycle: terraformSecrets
        ? undefined
        : { ignoreChanges: ['production', 'preview'].flatMap((d) => PAGES_SECRETS.map((s) => `deployment_configs.${d}.env_vars["${s}"]`)) },
    });
    const pagesDev = `${config.edge.pagesProject}.pages.dev`;
    const hosts = [pagesDev];
    if (config.edge.customDomain) {
      new PagesDomain(this, 'domain', { accountId, projectName: this.project.name, name: config.edge.customDomain });
      hosts.push(config.edge.customDomain);
    }
    if (config.edge.allowedEmailDomains.length > 0) {
      const policy = new ZeroTrustAccessPolicy(this, 'access-policy', {
        accountId,
        name: `${config.edge.pagesProject} allowed email domains`,
        decision: 'allow',
        include: config.edge.allowedEmailDomains.map((domain) => ({ emailDomain: { domain } })),
        sessionDuration: '12h',
      });
      this.access = new ZeroTrustAccessApplication(this, 'access', {
        accountId,
        name: `${config.edge.pagesProject} upload page`,
        type: 'self_hosted',
        domain: hosts[hosts.length - 1],
        // Preview deployments live on <hash>.<project>.pages.dev: they are guarded too.
        destinations: [...hosts, `*.${pagesDev}`].map((uri) => ({ type: 'public', uri })),
        sessionDuration: '12h',
        appLauncherVisible: true,
        policies: [{ id: policy.id, precedence: 1 }],
      });
    }
    new TerraformOutput(this, 'pages_project', { value: this.project.name, description: 'wrangler pages deploy --project-name' });
    new TerraformOutput(this, 'pages_url', { value: `https://${hosts[hosts.length - 1]}`, description: 'Where business users open the page' });
    new TerraformOutput(this, 'pages_secrets_via', { value: config.edge.secretsVia, description: 'wrangler: CI writes API_KEY and API_TOKEN' });
  }
}
