/**
 * The read-only plan account can plan what the pull-request workflow plans: for every resource and
 * data source type of those stacks, and their state, each permission a refresh needs
 * (infra/policies/refresh-permissions.ts, from the REST references) is in a role the bootstrap
 * stack grants it (permissions from Google's IAM role reference, infra/policies/gcp-roles.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GCP_ROLES, permissionsOf, ROLE_PERMISSIONS } from '../policies/gcp-roles';
import { BACKEND_READ, REFRESH_PERMISSIONS, refreshesGoogle } from '../policies/refresh-permissions';
import { nodesOf } from './dependency-graph';
import { resources, synthEnvironment, TerraformJson } from './synth';

const PLANNER = 'serviceAccount:${google_service_account.planner.email}';

/** The stacks the pull-request workflow plans, by their prefix: read from the workflow, not assumed. */
function plannedStacks(): string[] {
  const workflow = parse(readFileSync(join(__dirname, '..', '..', '.github', 'workflows', 'pull-request.yml'), 'utf8'));
  const run = (workflow.jobs.plan.steps as { run?: string }[]).map((s) => s.run ?? '').find((r) => r.includes('plan-stacks.sh'))!;
  return [...run.matchAll(/"([a-z]+)-\$\{INFRA_ENV\}"/g)].map((m) => m[1]);
}

/** Each permission a plan of `tf` needs that `roles` do not give, as "type: permission". */
export function missingPermissions(tf: TerraformJson, roles: readonly string[]): string[] {
  const granted = permissionsOf(roles);
  const types = new Set([...nodesOf(tf).values()].map((n) => n.type));
  const needs = [...types].filter(refreshesGoogle).map((type) => [type, REFRESH_PERMISSIONS[type]?.permissions ?? [`(no entry in REFRESH_PERMISSIONS)`]] as const);
  needs.push(['state (gcs backend)', BACKEND_READ.permissions]);
  return needs.flatMap(([type, permissions]) => permissions.filter((p) => !granted.has(p)).map((p) => `${type}: ${p}`));
}

describe.each(['dev', 'prod'])('%s', (env) => {
  const { json } = synthEnvironment(env);
  const bootstrap = json[`bootstrap-${env}`];
  const plannerRoles = [
    ...resources(bootstrap, 'google_project_iam_member').filter((m) => m.member === PLANNER).map((m) => m.role as string),
    ...resources(bootstrap, 'google_storage_bucket_iam_member').filter((m) => m.member === PLANNER).map((m) => m.role as string),
  ];

  it('plans platform and edge, whose every refresh the plan account’s roles allow', () => {
    const planned = plannedStacks();
    expect(planned).toEqual(['platform', 'edge']);
    for (const stack of planned) expect([stack, missingPermissions(json[`${stack}-${env}`], plannerRoles)]).toEqual([stack, []]);
  });

  it('relies only on roles whose permissions are encoded from the reference', () => {
    expect(plannerRoles.filter((r) => !(r in ROLE_PERMISSIONS))).toEqual([]);
  });

  it('names every Google type of every stack, bootstrap included, in the refresh table', () => {
    for (const [id, tf] of Object.entries(json)) {
      const types = [...new Set([...nodesOf(tf).values()].map((n) => n.type))].filter(refreshesGoogle);
      expect([id, types.filter((t) => !REFRESH_PERMISSIONS[t])]).toEqual([id, []]);
    }
  });

  it('can fail: without Compute Network Viewer or API Keys Viewer, the refreshes that need them are named', () => {
    const platform = json[`platform-${env}`];
    expect(missingPermissions(platform, plannerRoles.filter((r) => r !== 'roles/compute.networkViewer'))).toEqual(
      expect.arrayContaining(['google_service_networking_connection: servicenetworking.services.get', 'google_compute_network: compute.networks.get']),
    );
    expect(missingPermissions(platform, plannerRoles.filter((r) => r !== 'roles/serviceusage.apiKeysViewer'))).toEqual(['google_apikeys_key: apikeys.keys.get', 'google_apikeys_key: apikeys.keys.getKeyString']);
    expect(missingPermissions({ ...platform, resource: { ...platform.resource, google_made_up: { x: {} } } }, plannerRoles)).toEqual(['google_made_up: (no entry in REFRESH_PERMISSIONS)']);
  });
});

describe('the refresh and role tables', () => {
  it('name a source for every type, and encode only catalogued roles', () => {
    for (const [type, { permissions, source }] of Object.entries(REFRESH_PERMISSIONS)) {
      expect([type, permissions.length > 0, source]).toEqual([type, true, expect.stringMatching(/https:\/\/cloud\.google\.com\//)]);
      for (const p of permissions) expect(p).toMatch(/^[a-z]+\.[A-Za-z]+\.[A-Za-z]+$/);
    }
    const catalogued = new Set(GCP_ROLES.map((e) => e.role));
    expect(Object.keys(ROLE_PERMISSIONS).filter((r) => !catalogued.has(r))).toEqual([]);
  });
});
