/**
 * On a fresh project every API starts disabled: each bootstrap resource must wait, through
 * references or depends_on, for the google_project_service that enables the API its create call
 * goes to (infra/policies/required-apis.ts).
 */
import { REQUIRED_APIS } from '../policies/required-apis';
import { BOOTSTRAP_APIS } from '../stacks/bootstrap-stack';
import { enabledBefore, nodesOf, transitiveDependencies } from './dependency-graph';
import { synthEnvironment, TerraformJson } from './synth';

const bootstraps = ['dev', 'prod'].map((env) => [env, synthEnvironment(env).json[`bootstrap-${env}`]] as const);

describe.each(bootstraps)('bootstrap-%s', (_env, tf) => {
  const nodes = nodesOf(tf);
  const checked = [...nodes.values()].filter((n) => n.type !== 'google_project_service');

  it('has a required-API entry for every resource type it creates', () => {
    expect(checked.map((n) => n.type).filter((t) => !REQUIRED_APIS[t])).toEqual([]);
  });

  it('enables every API its resources need', () => {
    const enabled = [...nodes.values()].filter((n) => n.type === 'google_project_service').map((n) => n.config.service).sort();
    expect(enabled).toEqual([...BOOTSTRAP_APIS].sort());
    expect(Object.values(REQUIRED_APIS).flat().every((api) => enabled.includes(api))).toBe(true);
  });

  it.each(checked.map((n) => [n.address]))('%s waits for the APIs it calls', (address) => {
    const node = nodes.get(address)!;
    const missing = REQUIRED_APIS[node.type].filter((api) => !enabledBefore(nodes, address).has(api));
    expect(missing).toEqual([]);
  });
});

describe('the dependency check', () => {
  const tf: TerraformJson = {
    terraform: { backend: {} },
    resource: {
      google_project_service: { iam: { service: 'iam.googleapis.com' }, crm: { service: 'cloudresourcemanager.googleapis.com' } },
      google_service_account: { sa: { account_id: 'a', depends_on: ['google_project_service.iam'] }, racing: { account_id: 'b' } },
      google_project_iam_member: { m: { member: 'serviceAccount:${google_service_account.sa.email}', role: 'roles/x', depends_on: ['google_project_service.crm'] } },
    },
  };
  const nodes = nodesOf(tf);

  it('follows references and depends_on through other resources', () => {
    expect([...enabledBefore(nodes, 'google_project_iam_member.m')].sort()).toEqual(['cloudresourcemanager.googleapis.com', 'iam.googleapis.com']);
    expect(transitiveDependencies(nodes, 'google_project_iam_member.m')).toEqual(new Set(['google_service_account.sa', 'google_project_service.iam', 'google_project_service.crm']));
  });

  it('sees a resource that races its API', () => {
    expect(enabledBefore(nodes, 'google_service_account.racing').size).toBe(0);
  });
});
