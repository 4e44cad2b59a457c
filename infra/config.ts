/**
 * One environment's settings, validated before any construct is built: a wrong or missing field
 * stops synthesis with a sentence naming the file, the field and the allowed values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DATABASE_EDITIONS, editionForTier, MACHINE_SERIES, seriesList } from './sql-tiers';
import { API_KEY_ID, apiKeyName, environmentSubject, MAX_SUBJECT_BYTES, serviceAccountIdProblem, resultsBucketName, serviceAccountIds } from './naming';

export const ENVIRONMENTS_DIR = join(__dirname, 'environments');

/** Regions that have both Cloud Run and API Gateway, so the gateway sits beside its backend. */
export const REGIONS = [
  'asia-east1', 'asia-northeast1', 'australia-southeast1', 'europe-west1', 'europe-west2', 'us-central1', 'us-east1', 'us-east4', 'us-west2',
] as const;
export const CPUS = ['1', '2', '4', '8'] as const;
export const MEMORY = ['512Mi', '1Gi', '2Gi', '4Gi', '8Gi', '16Gi', '32Gi'] as const;
export const POSTGRES_VERSIONS = ['POSTGRES_14', 'POSTGRES_15', 'POSTGRES_16', 'POSTGRES_17'] as const;

const MEMORY_MIB: Record<(typeof MEMORY)[number], number> = { '512Mi': 512, '1Gi': 1024, '2Gi': 2048, '4Gi': 4096, '8Gi': 8192, '16Gi': 16384, '32Gi': 32768 };
/** Cloud Run's floor of memory per CPU count. */
const MIN_MEMORY_MIB: Record<(typeof CPUS)[number], number> = { '1': 512, '2': 1024, '4': 2048, '8': 4096 };

const ratio = z.number().gt(0, 'must be above 0').lte(1, 'must be at most 1 (a ratio, not a percentage)');
/**
 * A secret's generation: raising it makes a new value (and a new Cloud Run revision);
 * keepPrevious keeps the previous generation valid beside it until the callers have moved.
 */
const rotation = z
  .strictObject({
    generation: z.number().int().min(1, 'must be 1 or more (raise it by one to rotate)'),
    keepPrevious: z.boolean().default(false),
  })
  .default({ generation: 1, keepPrevious: false });

/** GitHub's OIDC tokens carry ids as decimal strings (repository_id, repository_owner_id). */
const githubId = (what: string) => z.string().regex(/^[1-9][0-9]{0,19}$/, `must be the GitHub ${what}: its decimal digits as a string, such as "123456789"`);
const name = (what: string, max: number) =>
  z.string().regex(new RegExp(`^[a-z][a-z0-9-]{0,${max - 2}}[a-z0-9]$`), `must be a ${what}: lower-case letters, digits and dashes, starting with a letter, at most ${max} characters`);

export const environmentSchema = z
  .strictObject({
    environment: name('short environment name such as dev or prod', 10),
    app: name('short application name', 12).default('inference'),
    projectId: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id: 6 to 30 lower-case letters, digits and dashes'),
    region: z.enum(REGIONS),
    /** Bucket for every Terraform state of this project, made by the bootstrap stack. */
    stateBucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'must be a Cloud Storage bucket name (3 to 63 lower-case letters, digits, dots, dashes)'),
    /**
     * Days a kept answer (predict ?keep=true, the page's jobs) may be downloaded again: the results
     * bucket's lifecycle deletes objects this old, and the service serves none older.
     */
    resultRetentionDays: z.number().int().min(1, 'must be 1 or more (days)').max(3650, 'must be at most 3650 (days)').default(30),
    service: z.strictObject({
      cpu: z.enum(CPUS),
      memory: z.enum(MEMORY),
      concurrency: z.number().int().min(1).max(1000),
      timeoutSeconds: z.number().int().min(10).max(3600),
      minInstances: z.number().int().min(0).max(100),
      maxInstances: z.number().int().min(1).max(1000),
    }),
    database: z.strictObject({
      tier: z
        .string()
        .refine((t) => editionForTier(t) !== undefined, `must be a Cloud SQL for PostgreSQL machine type of one of the series ${MACHINE_SERIES.map((s) => `${s.series} (such as ${s.example})`).join(', ')}`),
      /** Cloud SQL edition; left out, it follows the tier (editionForTier). */
      edition: z.enum(DATABASE_EDITIONS).optional(),
      version: z.enum(POSTGRES_VERSIONS),
      diskSizeGb: z.number().int().min(10).max(65536),
      highAvailability: z.boolean(),
      deletionProtection: z.boolean(),
      backupRetentionDays: z.number().int().min(1).max(365),
    }),
    network: z
      .strictObject({
        subnetCidr: z.string().regex(/^10\.\d+\.\d+\.\d+\/\d+$/, 'must be a 10.x.x.x/n range'),
        connectorCidr: z.string().regex(/^10\.\d+\.\d+\.\d+\/28$/, 'must be a 10.x.x.x/28 range (Serverless VPC Access needs exactly /28)'),
      })
      .default({ subnetCidr: '10.10.0.0/24', connectorCidr: '10.8.0.0/28' }),
    alerts: z.strictObject({
      notificationEmail: z.email('must be an email address'),
      p95LatencyMs: z.number().int().min(50).max(600000),
      errorRatio: ratio,
      databaseCpu: ratio,
      databaseDisk: ratio,
    }),
    edge: z.strictObject({
      cloudflareAccountId: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32 hex digits of a Cloudflare account id'),
      pagesProject: name('Cloudflare Pages project name', 58),
      customDomain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a host name such as predict.example.com').optional(),
      /**
       * The Cloudflare zone of customDomain, when it is in this account: the stack then creates the
       * CNAME the Pages domain needs. Left out, the stack outputs the record to create by hand.
       */
      zoneId: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32 hex digits of a Cloudflare zone id').optional(),
      /**
       * The Cloudflare Zero Trust team domain (<team>.cloudflareaccess.com, Zero Trust → Settings →
       * Custom pages): the page's Access assertions are issued by https://<it>.
       */
      accessTeamDomain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be the Zero Trust team domain, such as acme.cloudflareaccess.com').optional(),
      /** Email domains whose users Cloudflare Access lets in. */
      allowedEmailDomains: z.array(z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be email domains such as example.com')).default([]),
      /** Single email addresses Access lets in besides the domains. */
      allowedEmails: z.array(z.email('must be email addresses such as someone@example.com')).default([]),
      /**
       * true serves the page without Access, to anyone on the Internet, with the site's credentials;
       * refused in production (policy rule production-access) and warned about at every synth.
       */
      public: z.boolean().default(false),
      /**
       * The Access application's audience tag: the edge stack's `access_aud` output, known after its
       * first apply. Set, the service verifies the assertions itself too (ACCESS_AUD on Cloud Run).
       */
      accessAudience: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64 hex digits of the Access audience tag (the edge stack output access_aud)').optional(),
      /** Who sees everyone's jobs (GET /v1/jobs?all=true): ADMIN_EMAILS on Cloud Run. */
      adminEmails: z.array(z.email('must be email addresses such as someone@example.com')).default([]),
      /**
       * Who writes the Pages secrets (API key and token): 'wrangler' in CI, because cloudflare
       * provider 5.14 fails applies with sensitive env vars; 'terraform' once on 5.15 or later.
       */
      secretsVia: z.enum(['wrangler', 'terraform']).default('wrangler'),
    }),
    /** Generations of the values the stacks generate; README "Rotating secrets" is the runbook. */
    secrets: z
      .strictObject({ apiToken: rotation, apiKey: rotation, databasePassword: rotation })
      .default({ apiToken: { generation: 1, keepPrevious: false }, apiKey: { generation: 1, keepPrevious: false }, databasePassword: { generation: 1, keepPrevious: false } }),
    github: z.strictObject({
      /** owner/name: the OIDC subject names it (repo:owner/name:…), so the bindings follow renames only through this field. */
      repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be owner/name'),
      /**
       * The repository's and its owner's numeric ids (`gh api repos/OWNER/NAME --jq '.id, .owner.id'`): unlike the
       * name, they never pass to another repository, so the identity pool trusts tokens by them.
       */
      repositoryId: githubId('repository id'),
      repositoryOwnerId: githubId('repository owner id'),
    }),
    /**
     * Where the bootstrap stack keeps its state: 'local' (a file under .bootstrap-state/, for the first apply by hand)
     * until it is moved into the bucket that apply made ('bucket'); README: "Bootstrap state".
     */
    bootstrapState: z.enum(['local', 'bucket']).default('local'),
  })
  .superRefine((c, ctx) => {
    if (c.service.minInstances > c.service.maxInstances) {
      ctx.addIssue({ code: 'custom', path: ['service', 'minInstances'], message: `must not exceed service.maxInstances (${c.service.maxInstances})` });
    }
    // Workload Identity Federation refuses a token whose google.subject (the OIDC sub) is longer.
    const subject = environmentSubject(c);
    if (Buffer.byteLength(subject) > MAX_SUBJECT_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['github', 'repository'], message: `makes the deploy token’s subject ${subject} longer than the ${MAX_SUBJECT_BYTES} bytes Workload Identity Federation accepts` });
    }
    if (MEMORY_MIB[c.service.memory] < MIN_MEMORY_MIB[c.service.cpu]) {
      ctx.addIssue({ code: 'custom', path: ['service', 'memory'], message: `must be at least ${MIN_MEMORY_MIB[c.service.cpu]} MiB for ${c.service.cpu} CPUs (Cloud Run's minimum)` });
    }
    const { tier, edition } = c.database;
    const tierEdition = editionForTier(tier);
    if (edition && tierEdition && edition !== tierEdition) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'edition'],
        message: `must be ${tierEdition} for tier ${tier} (ENTERPRISE_PLUS has ${seriesList('ENTERPRISE_PLUS')}; ENTERPRISE has ${seriesList('ENTERPRISE')}); leave it out to follow the tier`,
      });
    }
    for (const [construct, id] of Object.entries(serviceAccountIds(c))) {
      const problem = serviceAccountIdProblem(id);
      if (problem) ctx.addIssue({ code: 'custom', path: ['app'], message: `with environment "${c.environment}" makes the ${construct} ${problem}: shorten app or environment` });
    }
    for (const [secret, r] of Object.entries(c.secrets)) {
      if (r.keepPrevious && r.generation < 2) ctx.addIssue({ code: 'custom', path: ['secrets', secret, 'keepPrevious'], message: 'needs generation 2 or more (there is no previous generation to keep)' });
    }
    if (c.secrets.databasePassword.keepPrevious) {
      ctx.addIssue({ code: 'custom', path: ['secrets', 'databasePassword', 'keepPrevious'], message: 'is not supported: the database user has one password at a time' });
    }
    const results = resultsBucketName(c);
    if (results.length > 63) ctx.addIssue({ code: 'custom', path: ['projectId'], message: `with environment "${c.environment}" makes the results bucket name "${results}", longer than Cloud Storage's 63 characters` });
    const key = apiKeyName(c, c.secrets.apiKey.generation);
    if (!API_KEY_ID.test(key)) ctx.addIssue({ code: 'custom', path: ['secrets', 'apiKey', 'generation'], message: `makes the API key name "${key}", longer than API Keys' 63 characters` });
    if (c.edge.zoneId && !c.edge.customDomain) ctx.addIssue({ code: 'custom', path: ['edge', 'zoneId'], message: 'is only used with edge.customDomain: set the domain or remove the zone id' });
    if (!c.edge.public) {
      if (!c.edge.accessTeamDomain) ctx.addIssue({ code: 'custom', path: ['edge', 'accessTeamDomain'], message: 'is required: the page is behind Cloudflare Access unless edge.public is true' });
      if (c.edge.allowedEmailDomains.length === 0 && c.edge.allowedEmails.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['edge', 'allowedEmailDomains'], message: 'or edge.allowedEmails must name who Access lets in (or set edge.public: true for a page open to anyone)' });
      }
    } else if (c.edge.accessTeamDomain || c.edge.allowedEmailDomains.length || c.edge.allowedEmails.length || c.edge.accessAudience || c.edge.adminEmails.length) {
      ctx.addIssue({ code: 'custom', path: ['edge', 'public'], message: 'is true, so the Access fields (accessTeamDomain, allowedEmailDomains, allowedEmails, accessAudience, adminEmails) would be ignored: remove them or public' });
    }
    if (c.edge.adminEmails.length && !c.edge.accessAudience) {
      ctx.addIssue({ code: 'custom', path: ['edge', 'adminEmails'], message: 'needs edge.accessAudience: admins are people the service knows from their Access assertion (set it to the edge stack output access_aud)' });
    }
  });

export type EnvironmentConfig = z.infer<typeof environmentSchema>;

export class ConfigError extends Error {}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.join('.') || '(the file)';
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field} is missing (expected ${issue.expected})`;
  if (issue.code === 'invalid_value') return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(issue.input)})`;
  if (issue.code === 'unrecognized_keys') return `${field === '(the file)' ? '' : `${field}: `}unknown field(s) ${issue.keys.join(', ')}`;
  return `${field} ${issue.message.replace(/^Invalid input: /, 'is invalid: ')}`;
}

export function parseEnvironment(json: unknown, source: string): EnvironmentConfig {
  const result = environmentSchema.safeParse(json, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(`${source}: ${result.error.issues.map(describeIssue).join('; ')}`);
}

export function loadEnvironment(env: string, dir = ENVIRONMENTS_DIR): EnvironmentConfig {
  const available = listEnvironments(dir);
  if (!available.includes(env)) throw new ConfigError(`environment "${env}" has no config; INFRA_ENV must be one of ${available.join(', ')} (files in ${dir})`);
  const file = join(dir, `${env}.json`);
  const config = parseEnvironment(JSON.parse(readFileSync(file, 'utf8')), `infra/environments/${env}.json`);
  if (config.environment !== env) throw new ConfigError(`infra/environments/${env}.json: environment is "${config.environment}" but the file is named ${env}.json`);
  return config;
}

export function listEnvironments(dir = ENVIRONMENTS_DIR): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

export const isProduction = (c: EnvironmentConfig) => c.environment === 'prod';

/** Labels every labelable resource carries, so cost and ownership reports can group by them. */
export const labelsFor = (c: EnvironmentConfig) => ({ app: c.app, environment: c.environment, 'managed-by': 'cdktf' });
