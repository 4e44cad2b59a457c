/**
 * On a fresh project every API starts disabled. Every resource and data source of every stack of
 * both example environments calls its API only once it is on: it reaches that API's
 * google_project_service in its own stack through references or depends_on (walked transitively),
 * or the bootstrap stack, applied before any other, enables it. The table of type → API, with
 * sources, is infra/constructs/api-requirements.ts; WaitForApis adds the edges this checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_REQUIREMENTS, callsGoogle } from '../constructs/api-requirements';
import { enablePrerequisitesCommand, PLATFORM_APIS, PREREQUISITE_APIS, RUNTIME_APIS } from '../constructs/project-apis';
import { BOOTSTRAP_APIS } from '../stacks/bootstrap-stack';
import { enabledBefore, enabledBy, Node, nodesOf, transitiveDependencies } from './dependency-graph';
import { synthEnvironment, TerraformJson } from './synth';

/**
 * The APIs an enablement cannot wait for in Terraform: a prerequisite's own and those listed after
 * it (the runbook's gcloud command enables them, in order, before the first apply). It must still
 * wait for the prerequisites listed before it; every other enablement waits for all of them.
 */
function runbookCovers(node: Node): readonly string[] {
  const index = node.type === 'google_project_service' && !node.data ? (PREREQUISITE_APIS as readonly string[]).indexOf(node.config.service) : -1;
  return index < 0 ? [] : PREREQUISITE_APIS.slice(index);
}

/**
 * Sentences for every node of `tf` that can race its API. `enabledFirst`: the APIs on before this
 * stack is applied (the bootstrap's, for every later stack; none for the bootstrap itself).
 */
export function apiRaces(tf: TerraformJson, enabledFirst: ReadonlySet<string>): string[] {
  const nodes = nodesOf(tf);
  const problems: string[] = [];
  for (const node of nodes.values()) {
    if (!callsGoogle(node.type)) continue;
    const requirement = API_REQUIREMENTS[node.type];
    if (!requirement) {
      problems.push(`${node.address}: type ${node.type} has no entry in API_REQUIREMENTS`);
      continue;
    }
    const waitsFor = enabledBefore(nodes, node.address);
    const covered = runbookCovers(node);
    for (const api of requirement.apis) {
      if (covered.includes(api)) continue;
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
    const races = apiRaces(tf, stack === 'bootstrap' ? new Set() : byBootstrap);
    expect(races).toEqual([]);
  });

  it('checks something: without depends_on, bootstrap and platform resources race their APIs', () => {
    expect(apiRaces(withoutDependsOn(bootstrap), new Set())).toEqual(
      expect.arrayContaining([
        // The enablements themselves: Resource Manager after Service Usage, every other after both.
        expect.stringMatching(/^google_project_service\.apis_cloudresourcemanager_\w+ does not wait for serviceusage\.googleapis\.com/),
        expect.stringMatching(/^google_project_service\.apis_iam_\w+ does not wait for serviceusage\.googleapis\.com/),
        expect.stringMatching(/^google_project_service\.apis_iam_\w+ does not wait for cloudresourcemanager\.googleapis\.com/),
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

describe('the prerequisite APIs', () => {
  it('are enabled by the README runbook before the first apply, with the command the code names', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(enablePrerequisitesCommand('<projectId>'));
    expect(readme).toContain('gcloud auth application-default set-quota-project <projectId>');
  });

  it('come first in the bootstrap stack: its enablements wait for them, and only the first waits for nothing', () => {
    for (const env of ['dev', 'prod']) {
      const { json, config } = synthEnvironment(env);
      const bootstrap = json[`bootstrap-${env}`] as TerraformJson & { provider: { google: Record<string, unknown>[] } };
      // A person's credentials: the project being built is the quota project of every call.
      expect(bootstrap.provider.google[0]).toMatchObject({ user_project_override: true, billing_project: config.projectId });
      const enablements = Object.entries(bootstrap.resource.google_project_service);
      const serviceOf = new Map(enablements.map(([name, e]) => [`google_project_service.${name}`, e.service as string]));
      const waits = Object.fromEntries(enablements.map(([, e]) => [e.service, ((e.depends_on ?? []) as string[]).map((a) => serviceOf.get(a))]));
      const [usage, crm] = PREREQUISITE_APIS;
      expect(waits[usage]).toEqual([]);
      expect(waits[crm]).toEqual([usage]);
      for (const [service, after] of Object.entries(waits)) if (service !== usage && service !== crm) expect([service, after]).toEqual([service, [usage, crm]]);
    }
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
      'google_project_service.iam does not wait for cloudresourcemanager.googleapis.com (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)',
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

/**
 * The table against what it is used for, and against a source it was not written from: the
 * provider's endpoint for each spot-checked type (terraform-provider-google v6.50.0,
 * google/transport/config.go DefaultBasePaths, and the {{…BasePath}} its resource file calls),
 * whose host is the API's service name.
 */
const PROVIDER_ENDPOINTS: Record<string, { endpoint: string; file: string }> = {
  google_cloud_run_v2_service: { endpoint: 'https://run.googleapis.com/v2/', file: 'cloudrunv2/resource_cloud_run_v2_service.go' },
  google_secret_manager_secret: { endpoint: 'https://secretmanager.googleapis.com/v1/', file: 'secretmanager/resource_secret_manager_secret.go' },
  google_vpc_access_connector: { endpoint: 'https://vpcaccess.googleapis.com/v1/', file: 'vpcaccess/resource_vpc_access_connector.go' },
  google_monitoring_alert_policy: { endpoint: 'https://monitoring.googleapis.com/', file: 'monitoring/resource_monitoring_alert_policy.go' },
  google_artifact_registry_repository: { endpoint: 'https://artifactregistry.googleapis.com/v1/', file: 'artifactregistry/resource_artifact_registry_repository.go' },
  google_iam_workload_identity_pool: { endpoint: 'https://iam.googleapis.com/v1/', file: 'iambeta/resource_iam_workload_identity_pool.go' },
  google_compute_global_address: { endpoint: 'https://compute.googleapis.com/compute/v1/', file: 'compute/resource_compute_global_address.go' },
  google_sql_database_instance: { endpoint: 'https://sqladmin.googleapis.com/sql/v1beta4/', file: 'sql/resource_sql_database_instance.go (SQLBasePath)' },
  google_service_networking_connection: { endpoint: 'https://servicenetworking.googleapis.com/v1/', file: 'servicenetworking/resource_service_networking_connection.go (ServiceNetworkingBasePath)' },
  google_project_service: { endpoint: 'https://serviceusage.googleapis.com/v1/', file: 'resourcemanager/resource_google_project_service.go (ServiceUsageBasePath)' },
  google_storage_bucket: { endpoint: 'https://storage.googleapis.com/storage/v1/', file: 'storage/resource_storage_bucket.go (StorageBasePath)' },
  google_apikeys_key: { endpoint: 'https://apikeys.googleapis.com/v2/', file: 'apikeys/resource_apikeys_key.go (ApikeysEndpointEntry)' },
};

describe('the API table, cross-checked', () => {
  const envs = ['dev', 'prod'].map((env) => synthEnvironment(env).json);
  const typesOf = (tf: TerraformJson) => new Set([...nodesOf(tf).values()].map((n) => n.type));

  it('names, for each spot-checked type, the API whose host the provider calls', () => {
    for (const [type, { endpoint }] of Object.entries(PROVIDER_ENDPOINTS)) expect([type, API_REQUIREMENTS[type].apis[0]]).toEqual([type, new URL(endpoint).hostname]);
  });

  it('enables, in the platform stack, only APIs that a type present there needs or that its runtime uses', () => {
    for (const json of envs) {
      const [platform] = Object.entries(json).filter(([id]) => id.startsWith('platform-')).map(([, tf]) => tf);
      const needed = new Set([...typesOf(platform)].flatMap((t) => API_REQUIREMENTS[t]?.apis ?? []));
      expect(PLATFORM_APIS.filter((api) => !needed.has(api) && !(api in RUNTIME_APIS))).toEqual([]);
      // And a runtime API is one no resource needs: otherwise it would not need the exception.
      expect(Object.keys(RUNTIME_APIS).filter((api) => needed.has(api))).toEqual([]);
    }
  });

  it('has every API a present type needs enabled by its stack or, for later stacks, by the bootstrap', () => {
    for (const json of envs) {
      for (const [id, tf] of Object.entries(json)) {
        const available = new Set([...(id.startsWith('bootstrap-') ? [] : BOOTSTRAP_APIS), ...enabledBy(tf)]);
        const missing = [...typesOf(tf)].flatMap((t) => (API_REQUIREMENTS[t]?.apis ?? []).filter((api) => !available.has(api)).map((api) => `${t}: ${api}`));
        expect([id, missing]).toEqual([id, []]);
      }
    }
  });
});
