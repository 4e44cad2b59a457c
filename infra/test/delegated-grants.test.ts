/** The modifiedGrantsByRole condition: its shape (fabric FAST's), IAM's size limits, and a parse back to the role list. */
import { delegatedGrantCondition, MAX_LOGICAL_OPERATORS, ROLES_PER_CALL, rolesOfGrantCondition } from '../constructs/delegated-grants';

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('delegatedGrantCondition', () => {
  it('writes one hasOnly() call for a short list, as fabric does', () => {
    expect(delegatedGrantCondition(['roles/logging.logWriter', 'roles/cloudsql.client'], 't', 'd').expression).toBe(
      "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/cloudsql.client', 'roles/logging.logWriter'])",
    );
  });

  it('round-trips any list: the parsed roles are the distinct input roles, calls hold at most 10, operators stay within IAM’s 12', () => {
    const next = random(14);
    for (let round = 0; round < 300; round++) {
      const count = 1 + Math.floor(next() * (ROLES_PER_CALL * (MAX_LOGICAL_OPERATORS + 1)));
      const roles = Array.from({ length: count }, () => `roles/svc${Math.floor(next() * 9)}.role${Math.floor(next() * 200)}`);
      const { expression } = delegatedGrantCondition(roles, `round ${round}`, 'd');
      expect(rolesOfGrantCondition(expression)).toEqual([...new Set(roles)].sort());
      const calls = expression.split(' || ');
      expect(calls.length - 1).toBeLessThanOrEqual(MAX_LOGICAL_OPERATORS);
      for (const call of calls) expect(call.match(/'roles\//g)!.length).toBeLessThanOrEqual(ROLES_PER_CALL);
    }
  });

  it('refuses an empty list and a list longer than one condition can hold, naming the grant', () => {
    expect(() => delegatedGrantCondition([], 'Platform grants', 'd')).toThrow('Platform grants: a delegated IAM grant needs at least one role');
    const tooMany = Array.from({ length: ROLES_PER_CALL * (MAX_LOGICAL_OPERATORS + 1) + 1 }, (_, i) => `roles/x.r${i}`);
    expect(() => delegatedGrantCondition(tooMany, 'Platform grants', 'd')).toThrow(/Platform grants: 131 roles need 13 \|\| operators; IAM conditions allow 12/);
  });

  it('refuses to read an expression it did not write', () => {
    expect(() => rolesOfGrantCondition("request.time < timestamp('2030-01-01T00:00:00Z')")).toThrow('not a modifiedGrantsByRole condition');
  });
});
