/**
 * Who is calling: a person (verified by Cloudflare Access), an Access service token, or an API
 * token by its name. Its `id` is what the job log keeps, and what ownership is decided on.
 */
import type { AccessIdentity } from './access-assertion';

export interface Caller {
  /** `alice@example.com`, `service-token:<client id>` or `token:<name>`; emails never hold a colon. */
  id: string;
  /** Sees every job (`?all=true`) and fetches any job. */
  admin: boolean;
}

/** How a person or service token is kept in the job log. */
export function accessCallerId(identity: AccessIdentity): string {
  return identity.kind === 'person' ? identity.name : `service-token:${identity.name}`;
}

export const tokenCallerId = (tokenName: string) => `token:${tokenName}`;

/** Whether `caller` may see a job (its record, its kept result): its owner, or an admin. */
export function canSee(caller: Caller, job: { caller: string | null }): boolean {
  return caller.admin || (job.caller !== null && job.caller === caller.id);
}

export interface AdminRule {
  emails: readonly string[];
  /** An Access group whose members are admins. */
  group?: string;
}

export function isAdmin(identity: AccessIdentity, rule: AdminRule): boolean {
  if (identity.kind !== 'person') return false;
  return rule.emails.includes(identity.name) || (rule.group !== undefined && identity.groups.includes(rule.group));
}
