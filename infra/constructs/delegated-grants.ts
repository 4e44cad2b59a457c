/**
 * The IAM condition that lets a principal holding an IAM-admin role grant and revoke only the
 * listed roles (Google: "Set limits on granting roles", the iam.googleapis.com/modifiedGrantsByRole
 * API attribute), written as cloud-foundation-fabric's FAST stages write it:
 * `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([...])`.
 */

const ATTRIBUTE = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', [])";
/**
 * Longer lists are written as several hasOnly() calls of at most 10 roles joined by ||, the shape
 * fabric's maintainers use for long delegation lists; a condition takes at most 12 logical
 * operators (IAM's limit, quoted in fabric's organization module README), so 13 calls at most.
 */
export const ROLES_PER_CALL = 10;
export const MAX_LOGICAL_OPERATORS = 12;

export interface GrantCondition {
  title: string;
  description: string;
  expression: string;
}

/** title: a short name for the grant; description: why these roles (both show in the console's IAM page). */
export function delegatedGrantCondition(roles: readonly string[], title: string, description: string): GrantCondition {
  const unique = [...new Set(roles)].sort();
  if (unique.length === 0) throw new Error(`${title}: a delegated IAM grant needs at least one role`);
  const calls: string[][] = [];
  for (let i = 0; i < unique.length; i += ROLES_PER_CALL) calls.push(unique.slice(i, i + ROLES_PER_CALL));
  if (calls.length - 1 > MAX_LOGICAL_OPERATORS) {
    throw new Error(`${title}: ${unique.length} roles need ${calls.length - 1} || operators; IAM conditions allow ${MAX_LOGICAL_OPERATORS}`);
  }
  const expression = calls.map((c) => `${ATTRIBUTE}.hasOnly([${c.map((r) => `'${r}'`).join(', ')}])`).join(' || ');
  return { title, description, expression };
}

/** The roles a condition written by delegatedGrantCondition lets its holder grant (for tests and reviews). */
export function rolesOfGrantCondition(expression: string): string[] {
  const calls = expression.split(' || ');
  return calls.flatMap((call) => {
    const match = call.match(/^api\.getAttribute\('iam\.googleapis\.com\/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[(.*)\]\)$/);
    if (!match) throw new Error(`not a modifiedGrantsByRole condition: ${call}`);
    return match[1].split(', ').map((r) => r.replace(/^'(.*)'$/, '$1'));
  });
}
