/**
 * On a fresh project every API starts disabled. Every resource and data source of every stack of
 * both example environments calls its API only once it is on: it reaches that API's
 * google_project_service in its own stack through references or depends_on (walked transitively),
 * or the bootstrap stack, applied before any other, enables it. The table of type → API, with
 * sources, is infra/constructs/api-requirements.ts; WaitForApis adds the edges this checks.
 */
import { API_REQUIREMENTS, callsGoogle } from '../constructs/api-requirements';
import { enabledBefore, enabledBy, nodesOf, transitiveDependencies } from './dependency-graph';
import { synthEnvironment, TerraformJson } from './synth';

/**
 * Sentences for every node of `tf` that can race its API. `enabledFirst`: the APIs on before this
 * stack is applied (the bootstrap's, for every later stack; none for the bootstrap itself).
 */
export function apiRaces(tf: TerraformJson, enabledFirst: ReadonlySet<string>, { isBootstrap = false } = {}): string[] {
  const nodes = nodesOf(tf);
  const problems: string[] = [];
  for (const node of nodes.values()) {
    if (!callsGoogle(node.type)) continue;
    // The bootstrap's own enablements are the first calls into the project: nothing can precede them.
    if (isBootstrap && node.type === 'google_project_service' && !node.data) continue;
    const requirement = API_REQUIREMENTS[node.type];
    if (!requirement) {
      problems.push(`${node.address}: type ${node.type} has no entry in API_REQUIREMENTS`);
      continue;
    }
    const waitsFor = enabledBefore(nodes, node.address);
    for (const api of requirement.apis) {
      if (!waitsFor.has(api) && !enabledFirst.has(api)) {
        problems.push(`${node.address} does not wait for ${api} (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)`);
      }
    }
  }
  return problems;
}

const withoutDependsOn = (tf: TerraformJson): TerraformJson => JSON.parse(JSON.stringify(tf, (key, value) => (key === 'depends_on' ? undefined : value)));

describe.each(['dev', 'prod'])('%s on a fresh project', (env) => {
  const { json } = synthEnvironment(env);
  const bootstrap = json[`bootstrap-${env}`];
  const byBootstrap = enabledBy(bootstrap);

  it.each(['bootstrap', 'platform', 'edge'])('%s: every resource and data source reaches the enablement of each API it calls', (stack) => {
    const tf = json[`${stack}-${env}`];
    const races = stack === 'bootstrap' ? apiRaces(tf, new Set(), { isBootstrap: true }) : apiRaces(tf, byBootstrap);
    expect(races).toEqual([]);
  });

  it('checks something: without depends_on, bootstrap and platform resources race their APIs', () => {
    expect(apiRaces(withoutDependsOn(bootstrap), new Set(), { isBootstrap: true })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^google_storage_bucket\.state does not wait for storage\.googleapis\.com/),
        expect.stringMatching(/^google_iam_workload_identity_pool\.github-pool does not wait for sts\.googleapis\.com/),
      ]),
    );
    const platform = withoutDependsOn(json[`platform-${env}`]);
    expect(apiRaces(platform, new Set())).toEqual(expect.arrayContaining([expect.stringMatching(/^google_secret_manager_secret\.\S+ does not wait for secretmanager\.googleapis\.com/)]));
    // The runtime accounts are looked up through IAM, which only the bootstrap enables.
    expect(apiRaces(json[`platform-${env}`], new Set())).toEqual(
      expect.arrayContaining([expect.stringMatching(/^data\.google_service_account\.\S+ does not wait for iam\.googleapis\.com/)]),
    );
  });
});

describe('the dependency check', () => {
  const tf: TerraformJson = {
    terraform: { backend: {} },
    resource: {
      google_project_service: { iam: { service: 'iam.googleapis.com' }, crm: { service: 'cloudresourcemanager.googleapis.com' } },
      google_service_account: { sa: { account_id: 'a', depends_on: ['google_project_service.iam'] }, racing: { account_id: 'b' } },
      google_project_iam_member: { m: { member: 'serviceAccount:${google_service_account.sa.email}', role: 'roles/x', depends_on: ['google_project_service.crm'] } },
      google_storage_bucket: { nested: { name: '${jsonencode({ a = data.google_service_account.looked.email })}' } },
      google_made_up_thing: { x: {} },
    },
    data: { google_service_account: { looked: { account_id: 'c', depends_on: ['google_project_service.iam'] } } },
  };
  const nodes = nodesOf(tf);

  it('follows references and depends_on through other resources and data sources, nested braces included', () => {
    expect([...enabledBefore(nodes, 'google_project_iam_member.m')].sort()).toEqual(['cloudresourcemanager.googleapis.com', 'iam.googleapis.com']);
    expect(transitiveDependencies(nodes, 'google_project_iam_member.m')).toEqual(new Set(['google_service_account.sa', 'google_project_service.iam', 'google_project_service.crm']));
    expect(transitiveDependencies(nodes, 'google_storage_bucket.nested')).toEqual(new Set(['data.google_service_account.looked', 'google_project_service.iam']));
  });

  it('reports a resource that races its API and a Google type the table lacks', () => {
    expect(enabledBefore(nodes, 'google_service_account.racing').size).toBe(0);
    expect(apiRaces(tf, new Set())).toEqual([
      'google_project_service.iam does not wait for serviceusage.googleapis.com (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)',
      'google_project_service.crm does not wait for serviceusage.googleapis.com (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)',
      'google_service_account.racing does not wait for iam.googleapis.com (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)',
      'google_storage_bucket.nested does not wait for storage.googleapis.com (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)',
      'google_made_up_thing.x: type google_made_up_thing has no entry in API_REQUIREMENTS',
    ]);
  });
});

describe('the API table', () => {
  it('names a source page for every entry, and only googleapis.com services of Google types', () => {
    for (const [type, { apis, source }] of Object.entries(API_REQUIREMENTS)) {
      expect([type, callsGoogle(type), source]).toEqual([type, true, expect.stringMatching(/^https:\/\/cloud\.google\.com\//)]);
      expect(apis.length).toBeGreaterThan(0);
      for (const api of apis) expect(api).toMatch(/^[a-z]+\.googleapis\.com$/);
    }
  });
});
