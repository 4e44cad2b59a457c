/**
 * Every role the stacks grant exists: each role named in the synthesized JSON of every stack of
 * both example environments (bindings and the roles inside IAM conditions) is in the catalogue of
 * Google's predefined roles (infra/policies/gcp-roles.ts), each with its reference page.
 */
import { rolesOfGrantCondition } from '../constructs/delegated-grants';
import { GCP_ROLES, ROLE_REFERENCE, rolePage, rolesIn } from '../policies/gcp-roles';
import { synthEnvironment } from './synth';

const environments = ['dev', 'prod'].map((env) => synthEnvironment(env));
const stacks = environments.flatMap((s) => Object.entries(s.text));

describe('the role catalogue', () => {
  it('lists each role once, on the reference page of the service its name starts with', () => {
    expect(new Set(GCP_ROLES.map((e) => e.role)).size).toBe(GCP_ROLES.length);
    for (const { role, page } of GCP_ROLES) {
      expect(role).toMatch(/^roles\/[a-z]+\.[a-z][A-Za-z]+$/);
      expect(page).toBe(`${ROLE_REFERENCE}${role.slice('roles/'.length).split('.')[0]}`);
    }
  });

  it('does not know the roles Google does not have', () => {
    for (const missing of ['roles/apikeys.admin', 'roles/apikeys.viewer', 'roles/owner', 'roles/editor']) expect(rolePage(missing)).toBeUndefined();
    expect(rolePage('roles/serviceusage.apiKeysAdmin')).toBe('https://cloud.google.com/iam/docs/roles-permissions/serviceusage');
  });

  it('finds roles wherever the JSON names them, conditions included', () => {
    const json = JSON.stringify({ role: 'roles/run.admin', condition: { expression: "x.hasOnly(['roles/logging.logWriter', 'roles/apikeys.admin'])" } });
    expect(rolesIn(json)).toEqual(['roles/apikeys.admin', 'roles/logging.logWriter', 'roles/run.admin']);
  });
});

describe.each(stacks.map(([id, text]) => [id, text]))('%s', (id, text) => {
  it('grants only roles that exist (in the catalogue)', () => {
    const unknown = rolesIn(text).filter((r) => !rolePage(r));
    expect(unknown).toEqual([]);
  });

  it('lets its IAM conditions delegate only catalogued roles', () => {
    const expressions = [...text.matchAll(/"expression": "([^"]*modifiedGrantsByRole[^"]*)"/g)].map((m) => m[1]);
    // The bootstrap's deploy account holds the one delegated grant.
    expect(expressions).toHaveLength(id.startsWith('bootstrap-') ? 1 : 0);
    for (const expression of expressions) {
      const roles = rolesOfGrantCondition(expression);
      expect(roles.length).toBeGreaterThan(0);
      expect(roles.filter((r) => !rolePage(r))).toEqual([]);
    }
  });
});

it('synthesizes a stack granting some role in each environment', () => {
  for (const s of environments) expect(rolesIn(Object.values(s.text).join('\n')).length).toBeGreaterThan(10);
});
