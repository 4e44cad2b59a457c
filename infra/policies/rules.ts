/**
 * Security and hygiene rules over one resource's synthesized configuration (snake_case, as
 * Terraform sees it). Each rule returns the sentences of its violations; the aspect fails synthesis.
 */

export type Config = Record<string, unknown>;

export interface ResourceView {
  type: string;
  config: Config;
  /** Which label attribute the resource's schema has, if any. */
  labelAttribute?: 'labels' | 'user_labels';
}

export interface PolicyContext {
  app: string;
  environment: string;
  production: boolean;
}

export interface Rule {
  id: string;
  check(resource: ResourceView, ctx: PolicyContext): string[];
}

const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];
const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL)/i;

/** A nested block: cdktf writes single blocks as objects, repeated ones as arrays. */
export function block(value: unknown): Config | undefined {
  if (Array.isArray(value)) return value[0] as Config | undefined;
  return value && typeof value === 'object' ? (value as Config) : undefined;
}
export const blocks = (value: unknown): Config[] => (Array.isArray(value) ? (value as Config[]) : value && typeof value === 'object' ? [value as Config] : []);

export const noPublicDatabaseIp: Rule = {
  id: 'no-public-database-ip',
  check: ({ type, config }) => {
    if (type !== 'google_sql_database_instance') return [];
    const ip = block(block(config.settings)?.ip_configuration);
    return ip?.ipv4_enabled === false ? [] : ['Cloud SQL must not have a public IP: set settings.ipConfiguration.ipv4Enabled to false and use a private network'];
  },
};

export const noPublicAccess: Rule = {
  id: 'no-public-access',
  check: ({ type, config }) => {
    const members = [config.member, ...(Array.isArray(config.members) ? config.members : [])].filter((m): m is string => typeof m === 'string');
    const policy = typeof config.policy_data === 'string' ? config.policy_data : '';
    const found = PUBLIC_MEMBERS.filter((p) => members.includes(p) || policy.includes(p));
    const problems = found.map((m) => `${type} grants ${config.role ?? 'a role'} to ${m}; only named service accounts may invoke (the gateway's, for Cloud Run)`);
    if (type === 'google_cloud_run_v2_service' && config.invoker_iam_disabled === true) problems.push('Cloud Run must not disable its invoker IAM check (invoker_iam_disabled makes it public)');
    return problems;
  },
};

export const noPlainSecrets: Rule = {
  id: 'no-plain-secrets',
  check: ({ type, config }) => {
    const problems: string[] = [];
    if (type === 'google_cloud_run_v2_service') {
      for (const container of blocks(block(config.template)?.containers)) {
        for (const env of blocks(container.env)) {
          if (typeof env.value === 'string' && SECRET_NAME.test(String(env.name))) {
            problems.push(`env ${env.name} is a plain value; reference a Secret Manager secret (valueSource.secretKeyRef) instead`);
          }
        }
      }
    }
    if (type === 'cloudflare_pages_project') {
      const configs = block(config.deployment_configs) ?? {};
      for (const [deployment, settings] of Object.entries(configs)) {
        for (const [name, variable] of Object.entries((block(settings)?.env_vars ?? {}) as Record<string, Config>)) {
          if (SECRET_NAME.test(name) && variable?.type !== 'secret_text') problems.push(`Pages ${deployment} env var ${name} is plain text; make it secret_text`);
        }
      }
    }
    return problems;
  },
};

export const noPrimitiveRoles: Rule = {
  id: 'no-primitive-roles',
  check: ({ type, config }) => {
    const roles = [config.role, ...blocks(config.binding).map((b) => b.role)].filter((r): r is string => typeof r === 'string');
    return roles.filter((r) => PRIMITIVE_ROLES.includes(r)).map((r) => `${type} grants the primitive role ${r}; grant the predefined roles the job needs`);
  },
};

export const productionDeletionProtection: Rule = {
  id: 'production-deletion-protection',
  check: ({ type, config }, ctx) => {
    if (!ctx.production) return [];
    if (type === 'google_sql_database_instance') {
      const problems = [];
      if (config.deletion_protection !== true) problems.push('Cloud SQL in production needs deletionProtection (Terraform) on');
      if (block(config.settings)?.deletion_protection_enabled !== true) problems.push('Cloud SQL in production needs settings.deletionProtectionEnabled (API) on');
      return problems;
    }
    if (type === 'google_cloud_run_v2_service' && config.deletion_protection !== true) return ['Cloud Run in production needs deletionProtection on'];
    if (type === 'google_storage_bucket' && config.force_destroy === true) return ['a bucket in production must not set forceDestroy'];
    return [];
  },
};

export const labelled: Rule = {
  id: 'labelled',
  check: ({ type, config, labelAttribute }, ctx) => {
    const labels = (type === 'google_sql_database_instance' ? block(config.settings)?.user_labels : labelAttribute ? config[labelAttribute] : undefined) as Config | undefined;
    if (!labelAttribute && type !== 'google_sql_database_instance') return [];
    const missing = (['app', 'environment'] as const).filter((k) => labels?.[k] !== (k === 'app' ? ctx.app : ctx.environment));
    const where = type === 'google_sql_database_instance' ? 'settings.userLabels' : labelAttribute === 'user_labels' ? 'userLabels' : 'labels';
    return missing.length ? [`${type} needs ${where} ${missing.map((k) => `${k}=${k === 'app' ? ctx.app : ctx.environment}`).join(' and ')}`] : [];
  },
};

/**
 * A production page is behind Cloudflare Access: its Pages Function has the team domain and
 * audience tag to verify assertions with, and is not open by name (edge.public).
 */
export const productionAccess: Rule = {
  id: 'production-access',
  check: ({ type, config }, ctx) => {
    if (!ctx.production || type !== 'cloudflare_pages_project') return [];
    const problems: string[] = [];
    for (const [deployment, settings] of Object.entries(block(config.deployment_configs) ?? {})) {
      const vars = (block(settings)?.env_vars ?? {}) as Record<string, Config>;
      if (vars.ACCESS_OPEN) problems.push(`the production Pages ${deployment} deployment is public (edge.public); production pages are behind Cloudflare Access: remove edge.public and set edge.accessTeamDomain and the allowed emails`);
      else if (!vars.ACCESS_TEAM_DOMAIN || !vars.ACCESS_AUD) problems.push(`the production Pages ${deployment} deployment has no ACCESS_TEAM_DOMAIN and ACCESS_AUD: its function could not verify Access assertions`);
    }
    return problems;
  },
};

export const RULES: readonly Rule[] = [noPublicDatabaseIp, noPublicAccess, noPlainSecrets, noPrimitiveRoles, productionDeletionProtection, labelled, productionAccess];
