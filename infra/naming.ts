/**
 * The names constructs derive from an environment, built in one place so config.ts can check
 * each against the limits of the API that receives it before anything is synthesized.
 */

export interface NameParts {
  app: string;
  environment: string;
}

/** `<app>-<environment>`: the stem of every resource name in a platform stack. */
export const namePrefix = (c: NameParts): string => `${c.app}-${c.environment}`;

/**
 * The kept-results bucket: bucket names are global, so the project id leads (at most 63 characters,
 * https://cloud.google.com/storage/docs/buckets#naming; config.ts checks it).
 */
export const resultsBucketName = (c: NameParts & { projectId: string }): string => `${c.projectId}-${c.environment}-results`;

/**
 * The service accounts the platform's services run as. The bootstrap stack creates them (so the
 * deploy account needs no right to create or administer service accounts, and may act as these
 * two only); the platform stack looks them up by these ids.
 */
export const RUNTIME_ACCOUNTS = {
  run: 'inference service (Cloud Run)',
  gateway: 'API Gateway backend identity',
} as const;
export type RuntimeAccount = keyof typeof RUNTIME_ACCOUNTS;

/** `<app>-<environment>-<account>` for each runtime account; config.ts checks each against IAM's rule. */
export function serviceAccountIds(c: NameParts): Record<RuntimeAccount, string> {
  const prefix = namePrefix(c);
  return { run: `${prefix}-run`, gateway: `${prefix}-gateway` };
}

/** GitHub Actions' identities (bootstrap stack): one pair per project, so fixed ids. */
export const CI_ACCOUNT_IDS = { deployer: 'github-deploy', planner: 'github-plan' } as const;

export interface SubjectParts {
  environment: string;
  github: { repository: string };
}

/**
 * The OIDC subjects GitHub gives a job (its default subject template): one bound to a GitHub
 * environment, and one run for a pull request. Workload Identity Federation takes at most 127
 * bytes of google.subject (config.ts checks the longer, environment one).
 */
export const environmentSubject = (c: SubjectParts): string => `repo:${c.github.repository}:environment:${c.environment}`;
export const pullRequestSubject = (c: SubjectParts): string => `repo:${c.github.repository}:pull_request`;
export const MAX_SUBJECT_BYTES = 127;

/**
 * IAM's rule for a service-account id (projects.serviceAccounts.create, accountId:
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create).
 */
export const SERVICE_ACCOUNT_ID = /^[a-z]([-a-z0-9]*[a-z0-9])$/;
export const SERVICE_ACCOUNT_ID_LENGTH = { min: 6, max: 30 } as const;

export function serviceAccountIdProblem(id: string): string | undefined {
  const { min, max } = SERVICE_ACCOUNT_ID_LENGTH;
  if (id.length < min || id.length > max) return `service-account id "${id}" is ${id.length} characters; IAM allows ${min} to ${max}`;
  if (!SERVICE_ACCOUNT_ID.test(id)) return `service-account id "${id}" must be lower-case letters, digits and dashes, starting with a letter and not ending with a dash`;
  return undefined;
}

/**
 * The API key's name carries its generation: a deleted key's name stays reserved for 30 days
 * (API Keys API, keys.delete), so a rotated key needs a new one.
 */
export const apiKeyName = (c: NameParts, generation: number): string => `${namePrefix(c)}-pages-g${generation}`;

/** API Keys' keyId rule (projects.locations.keys.create): 1 to 63 characters. */
export const API_KEY_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Serverless VPC Access connector names are at most 25 characters and must not end with a dash. */
export const connectorName = (c: NameParts): string => `${namePrefix(c)}-conn`.slice(0, 25).replace(/-+$/, '');
