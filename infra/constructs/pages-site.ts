/**
 * The upload page on Cloudflare Pages (direct upload: CI deploys the files and Functions with
 * wrangler), with the API's address for the proxy, an optional custom domain with the CNAME it
 * needs, and Zero Trust Access in front of every host of it (the allowed email domains and
 * addresses), whose team domain and audience tag the Pages Function verifies assertions against.
 */
import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { PagesDomain } from '@cdktf/provider-cloudflare/lib/pages-domain';
import { PagesProject } from '@cdktf/provider-cloudflare/lib/pages-project';
import { ZeroTrustAccessApplication } from '@cdktf/provider-cloudflare/lib/zero-trust-access-application';
import { ZeroTrustAccessPolicy } from '@cdktf/provider-cloudflare/lib/zero-trust-access-policy';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';

/** The Pages Function's runtime date; wrangler 4.86 accepts up to 2026-05-03. */
export const COMPATIBILITY_DATE = '2026-05-01';
export const PAGES_SECRETS = ['API_KEY', 'API_TOKEN'] as const;
const HOST = /^([a-z0-9-]+\.)+[a-z]{2,}$/;

/** Who Cloudflare Access lets through to the page. */
export interface PagesAccessProps {
  /** The Zero Trust team domain, <team>.cloudflareaccess.com: the assertions' issuer is https://<it>. */
  teamDomain: string;
  /**
   * Email domains whose users are let in.
   * @default [] (only allowedEmails)
   */
  allowedEmailDomains?: string[];
  /**
   * Single addresses let in besides the domains (contractors, an admin outside the company).
   * @default [] (only allowedEmailDomains)
   */
  allowedEmails?: string[];
}

export interface PagesSiteProps {
  accountId: string;
  /** The Pages project name; the page is served at <name>.pages.dev. */
  projectName: string;
  /** The API Gateway base URL the proxy forwards to (API_URL). */
  apiUrl: string;
  /**
   * The API key and bearer token, written by Terraform as secret_text. Needs cloudflare
   * provider ≥ 5.15 (5.14 fails applies with sensitive env vars).
   * @default undefined: CI writes them with `wrangler pages secret put`, and Terraform ignores those keys
   */
  secrets?: { apiKey: string; apiToken: string };
  /**
   * A host name of your own for the page.
   * @default undefined: the page is served at <projectName>.pages.dev only
   */
  customDomain?: string;
  /**
   * The Cloudflare zone that holds customDomain, when it is in this account: the site then
   * creates the proxied CNAME to <projectName>.pages.dev that activates the domain.
   * @default undefined: `pendingDnsRecord` says what to create by hand
   */
  zoneId?: string;
  /**
   * Cloudflare Access in front of the page; required unless `public` is true.
   * @default undefined: refused, unless the site is public by name
   */
  access?: PagesAccessProps;
  /**
   * Serves the page and its API proxy to anyone on the Internet, without Access: every visitor
   * predicts with the site's credentials. Refused in production (policy rule `production-access`).
   * @default false
   */
  public?: boolean;
}

export class PagesSite extends Construct {
  readonly project: PagesProject;
  /** Where business users open the page: the custom domain once its record is managed here. */
  readonly url: string;
  /** Undefined only for a public site. */
  readonly access?: ZeroTrustAccessApplication;
  private readonly accountId: string;
  readonly dnsRecord?: DnsRecord;
  /** The CNAME to create by hand when the zone is not in this account, else undefined. */
  readonly pendingDnsRecord?: string;

  constructor(scope: Construct, id: string, props: PagesSiteProps) {
    super(scope, id);
    const { accountId, customDomain, zoneId, access } = props;
    this.accountId = accountId;
    if (customDomain !== undefined && !HOST.test(customDomain)) throw new Error(`${this.node.path}: customDomain must be a host name such as predict.example.com (got "${customDomain}")`);
    if (zoneId !== undefined && customDomain === undefined) throw new Error(`${this.node.path}: zoneId is only used with customDomain; set customDomain or leave zoneId out`);
    if (props.public && access) throw new Error(`${this.node.path}: public and access exclude each other; leave public out to keep Access`);
    if (!props.public) {
      if (!access) throw new Error(`${this.node.path}: access is required (teamDomain and the allowed email domains or emails); a page without Access must be asked for with public: true`);
      if (!HOST.test(access.teamDomain)) throw new Error(`${this.node.path}: access.teamDomain must be the Zero Trust team domain such as acme.cloudflareaccess.com (got "${access.teamDomain}")`);
      if (!(access.allowedEmailDomains?.length || access.allowedEmails?.length)) throw new Error(`${this.node.path}: access needs allowedEmailDomains or allowedEmails: with neither, Access would let no one in`);
    }

    const pagesDev = `${props.projectName}.pages.dev`;
    const hosts = [pagesDev];
    if (customDomain && zoneId) hosts.push(customDomain);
    if (access) this.access = this.accessApplication(props.projectName, access, hosts, customDomain);
    else Annotations.of(this).addWarning(`${props.projectName} is public (edge.public): anyone on the Internet can use the page and its API proxy with the site's credentials`);

    const envVars = {
      API_URL: { type: 'plain_text', value: props.apiUrl },
      ...(props.secrets ? { API_KEY: { type: 'secret_text', value: props.secrets.apiKey }, API_TOKEN: { type: 'secret_text', value: props.secrets.apiToken } } : {}),
      // What the function verifies assertions against (frontend/proxy/proxy.ts); a public site says so by name.
      ...(this.access && access
        ? { ACCESS_TEAM_DOMAIN: { type: 'plain_text', value: access.teamDomain }, ACCESS_AUD: { type: 'plain_text', value: this.access.aud } }
        : { ACCESS_OPEN: { type: 'plain_text', value: 'true' } }),
    };
    const deployment = { compatibilityDate: COMPATIBILITY_DATE, envVars, failOpen: false };
    this.project = new PagesProject(this, 'pages', {
      accountId,
      name: props.projectName,
      productionBranch: 'main',
      deploymentConfigs: { production: deployment, preview: deployment },
      // cloudflare 5.14 fails applies that carry sensitive env vars ("inconsistent values for
      // sensitive attribute", fixed in 5.15): by default CI writes the secrets with
      // `wrangler pages secret put`, and Terraform leaves those keys alone.
      lifecycle: props.secrets
        ? undefined
        : { ignoreChanges: ['production', 'preview'].flatMap((d) => PAGES_SECRETS.map((s) => `deployment_configs.${d}.env_vars["${s}"]`)) },
    });

    if (customDomain) {
      const domain = new PagesDomain(this, 'domain', { accountId, projectName: this.project.name, name: customDomain });
      // Pages activates a custom domain only once a CNAME points it at the project
      // (https://developers.cloudflare.com/pages/configuration/custom-domains/).
      if (zoneId) {
        this.dnsRecord = new DnsRecord(this, 'domain-cname', {
          zoneId,
          name: customDomain,
          type: 'CNAME',
          content: this.project.subdomain,
          proxied: true,
          ttl: 1,
          comment: `Pages project ${props.projectName}`,
          dependsOn: [domain],
        });
      } else {
        this.pendingDnsRecord = `${customDomain} CNAME ${pagesDev} (proxied), in the DNS of ${customDomain}'s zone; the domain stays pending until it exists`;
      }
    }
    this.url = `https://${hosts[hosts.length - 1]}`;
  }

  /** The Access application and its policy, guarding every host of the page (preview deployments too). */
  private accessApplication(projectName: string, access: PagesAccessProps, hosts: string[], customDomain: string | undefined): ZeroTrustAccessApplication {
    const pagesDev = `${projectName}.pages.dev`;
    // Access guards the custom domain even while it is pending, so it never opens unguarded.
    const guarded = customDomain && !hosts.includes(customDomain) ? [...hosts, customDomain] : hosts;
    const policy = new ZeroTrustAccessPolicy(this, 'access-policy', {
      accountId: this.accountId,
      name: `${projectName} allowed users`,
      decision: 'allow',
      include: [
        ...(access.allowedEmailDomains ?? []).map((domain) => ({ emailDomain: { domain } })),
        ...(access.allowedEmails ?? []).map((email) => ({ email: { email } })),
      ],
      sessionDuration: '12h',
    });
    return new ZeroTrustAccessApplication(this, 'access', {
      accountId: this.accountId,
      name: `${projectName} upload page`,
      type: 'self_hosted',
      domain: hosts[hosts.length - 1],
      // Preview deployments live on <hash>.<project>.pages.dev: they are guarded too.
      destinations: [...guarded, `*.${pagesDev}`].map((uri) => ({ type: 'public', uri })),
      sessionDuration: '12h',
      appLauncherVisible: true,
      policies: [{ id: policy.id, precedence: 1 }],
    });
  }

  /** The Pages project's name, for `wrangler pages deploy --project-name`. */
  get projectName(): string {
    return this.project.name;
  }
}
