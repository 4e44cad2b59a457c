/**
 * Rules for values Google's APIs refuse, or accept and later regret, at apply time: each encodes
 * a documented constraint (source beside it), so synthesis fails instead of the first apply.
 */
import { API_KEY_ID, SERVICE_ACCOUNT_ID, SERVICE_ACCOUNT_ID_LENGTH } from '../naming';
import { DatabaseEdition, editionForTier, seriesList } from '../sql-tiers';
import { block, blocks, Config, Rule } from './rules';

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isLiteral = (v: unknown): v is string => typeof v === 'string' && !v.includes('${');

/**
 * Cloud Run's probe bounds (google.cloud.run.v2.Probe,
 * https://cloud.google.com/run/docs/reference/rest/v2/Container#Probe): periodSeconds ≥
 * timeoutSeconds; period and initial delay at most 240 s for a startup probe, 3600 s for liveness;
 * timeout 1 to 3600 s; failureThreshold at least 1. Defaults: period 10, timeout 1.
 */
export const PROBE_LIMITS = {
  startup_probe: { period: 240, initialDelay: 240 },
  liveness_probe: { period: 3600, initialDelay: 3600 },
} as const;

export const cloudRunProbeBounds: Rule = {
  id: 'cloud-run-probe-bounds',
  check: ({ type, config }) => {
    if (type !== 'google_cloud_run_v2_service') return [];
    const problems: string[] = [];
    for (const container of blocks(block(config.template)?.containers)) {
      for (const [kind, limits] of Object.entries(PROBE_LIMITS)) {
        const probe = block(container[kind]);
        if (!probe) continue;
        const where = `${kind} of container ${container.name ?? container.image}`;
        const period = probe.period_seconds ?? 10;
        const timeout = probe.timeout_seconds ?? 1;
        if (isNumber(period) && isNumber(timeout) && period < timeout) problems.push(`${where}: periodSeconds (${period}) must be at least timeoutSeconds (${timeout}); Cloud Run refuses the revision`);
        if (isNumber(period) && (period < 1 || period > limits.period)) problems.push(`${where}: periodSeconds must be 1 to ${limits.period} (got ${period})`);
        if (isNumber(timeout) && (timeout < 1 || timeout > 3600)) problems.push(`${where}: timeoutSeconds must be 1 to 3600 (got ${timeout})`);
        const delay = probe.initial_delay_seconds;
        if (isNumber(delay) && (delay < 0 || delay > limits.initialDelay)) problems.push(`${where}: initialDelaySeconds must be 0 to ${limits.initialDelay} (got ${delay})`);
        const threshold = probe.failure_threshold;
        if (isNumber(threshold) && threshold < 1) problems.push(`${where}: failureThreshold must be at least 1 (got ${threshold})`);
      }
    }
    return problems;
  },
};

/**
 * Provider doc, google_sql_database_instance settings.disk_autoresize: with disk_size set, once the
 * disk has grown the next apply tries to shrink it, which replaces the instance, unless
 * lifecycle.ignore_changes covers settings[0].disk_size.
 */
export const sqlDiskGrowth: Rule = {
  id: 'sql-disk-growth',
  check: ({ type, config }) => {
    if (type !== 'google_sql_database_instance') return [];
    const settings = block(config.settings);
    if (settings?.disk_size === undefined || settings.disk_autoresize === false) return [];
    const ignored = block(config.lifecycle)?.ignore_changes;
    const covered = ignored === 'all' || (Array.isArray(ignored) && ignored.some((path) => ['settings[0].disk_size', 'settings'].includes(String(path))));
    return covered
      ? []
      : ['settings.diskSize is set with disk auto-resize on: add lifecycle.ignoreChanges ["settings[0].disk_size"] (or drop diskSize), or the first plan after the disk grows replaces the instance'];
  },
};

/**
 * Cloud SQL editions and their machine series (infra/sql-tiers.ts, from
 * https://cloud.google.com/sql/docs/postgres/machine-series-overview): each tier exists in one
 * edition only, and an unknown tier is refused.
 */
export const sqlEditionTier: Rule = {
  id: 'sql-edition-tier',
  check: ({ type, config }) => {
    if (type !== 'google_sql_database_instance') return [];
    const { tier, edition } = block(config.settings) ?? ({} as Config);
    if (!isLiteral(tier)) return [];
    const offeredIn = editionForTier(tier);
    if (!offeredIn) return [`tier ${tier} is in no Cloud SQL machine series: ENTERPRISE has ${seriesList('ENTERPRISE')}; ENTERPRISE_PLUS has ${seriesList('ENTERPRISE_PLUS')}`];
    // Left out, the edition is the API's choice (computed in the provider): the Database construct always sets it.
    if (edition !== undefined && isLiteral(edition) && edition !== offeredIn) {
      return [`tier ${tier} exists only in edition ${offeredIn} (settings.edition is ${edition}); ${edition} has ${seriesList(edition as DatabaseEdition)}`];
    }
    return [];
  },
};

/**
 * Ids the APIs check by pattern and length: service accounts (IAM, serviceAccounts.create:
 * 6 to 30 characters), API keys (API Keys, keys.create: at most 63), Serverless VPC Access
 * connectors (connectors.create: at most 25, no trailing dash).
 */
export const resourceIds: Rule = {
  id: 'resource-ids',
  check: ({ type, config }) => {
    const problems: string[] = [];
    const id = type === 'google_service_account' ? config.account_id : type === 'google_apikeys_key' || type === 'google_vpc_access_connector' ? config.name : undefined;
    if (!isLiteral(id)) return [];
    if (type === 'google_service_account') {
      const { min, max } = SERVICE_ACCOUNT_ID_LENGTH;
      if (id.length < min || id.length > max || !SERVICE_ACCOUNT_ID.test(id)) {
        problems.push(`service-account id "${id}" (${id.length} characters) must be ${min} to ${max} lower-case letters, digits and dashes, starting with a letter and not ending with a dash`);
      }
    }
    if (type === 'google_apikeys_key' && !API_KEY_ID.test(id)) problems.push(`API key name "${id}" must be 1 to 63 lower-case letters, digits and dashes, starting with a letter`);
    if (type === 'google_vpc_access_connector' && !/^[a-z][-a-z0-9]{0,23}[a-z0-9]$/.test(id)) problems.push(`connector name "${id}" must be at most 25 lower-case letters, digits and dashes, starting with a letter and not ending with a dash`);
    return problems;
  },
};

/**
 * Cloud Run resolves a secret reference to `latest` only when an instance starts
 * (https://cloud.google.com/run/docs/configuring/services/secrets): a rotated value then reaches
 * running instances at random. A pinned version changes the template, so a rotation rolls a revision.
 */
export const pinnedSecretVersions: Rule = {
  id: 'pinned-secret-versions',
  check: ({ type, config }) => {
    if (type !== 'google_cloud_run_v2_service') return [];
    return blocks(block(config.template)?.containers)
      .flatMap((container) => blocks(container.env))
      .filter((env) => block(block(env.value_source)?.secret_key_ref)?.version === 'latest')
      .map((env) => `env ${env.name} reads secret version "latest", which instances resolve only when they start; pin it to the version Terraform writes (StoredSecret.versionNumber)`);
  },
};

export const API_CONSTRAINTS: readonly Rule[] = [cloudRunProbeBounds, sqlDiskGrowth, sqlEditionTier, resourceIds, pinnedSecretVersions];
