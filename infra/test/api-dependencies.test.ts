/**
 * Every resource of the platform stacks reaches the enablement of each API it calls through
 * references or depends_on (walked transitively), or that API is enabled by the bootstrap stack,
 * which is applied first. The table of type → API, with sources, is infra/constructs/api-requirements.ts.
 */
import { API_REQUIREMENTS } from '../constructs/api-requirements';
import { synthEnvironment, TerraformJson } from './synth';

type Address = string;

/** type.name addresses a value refers to: `${google_x.name.attr}` references and bare depends_on entries. */
function referencesIn(value: unknown, into: Set<Address>): void {
  if (typeof value === 'string') {
    for (const [, expression] of value.matchAll(/\$\{([^}]*)\}/g)) {
      for (const [address] of expression.matchAll(/\b[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+/g)) into.add(address);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, into);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) if (key !== '//') referencesIn(v, into);
  }
}

function dependencyGraph(tf: TerraformJson): Map<Address, Set<Address>> {
  const graph = new Map<Address, Set<Address>>();
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, config] of Object.entries(byName)) {
      const edges = new Set<Address>();
      const { depends_on: dependsOn = [], ...rest } = config as { depends_on?: string[] };
      referencesIn(rest, edges);
      for (const d of dependsOn) edges.add(d.replace(/^\$\{(.*)\}$/, '$1'));
      graph.set(`${type}.${name}`, edges);
    }
  }
  return graph;
}

function reachable(graph: Map<Address, Set<Address>>, from: Address): Set<Address> {
  const seen = new Set<Address>();
  const queue = [...(graph.get(from) ?? [])];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(graph.get(next) ?? []));
  }
  return seen;
}

/** The API each google_project_service resource enables, by address. */
function enablements(tf: TerraformJson): Map<Address, string> {
  return new Map(Object.entries(tf.resource.google_project_service ?? {}).map(([name, r]) => [`google_project_service.${name}`, r.service as string]));
}

/** Returns the sentences of every resource that can race its API. */
export function apiRaces(platform: TerraformJson, bootstrap: TerraformJson): string[] {
  const graph = dependencyGraph(platform);
  const enabled = enablements(platform);
  const enabledFirst = new Set(enablements(bootstrap).values());
  const problems: string[] = [];
  for (const address of graph.keys()) {
    const type = address.split('.')[0];
    const requirement = API_REQUIREMENTS[type];
    if (!requirement) {
      problems.push(`${address}: type ${type} has no entry in API_REQUIREMENTS`);
      continue;
    }
    const waitsFor = new Set([...reachable(graph, address)].map((a) => enabled.get(a)).filter(Boolean));
    for (const api of requirement.apis) {
      if (!waitsFor.has(api) && !enabledFirst.has(api)) problems.push(`${address} does not wait for ${api} (neither a reference nor depends_on reaches its google_project_service, and bootstrap does not enable it)`);
    }
  }
  return problems;
}

describe.each(['dev', 'prod'])('platform-%s on a fresh project', (env) => {
  const { json } = synthEnvironment(env);
  const platform = json[`platform-${env}`];

  it('has every resource reach the enablement of each API it calls, or the API enabled by bootstrap', () => {
    expect(apiRaces(platform, json[`bootstrap-${env}`])).toEqual([]);
  });

  it('checks something: without bootstrap and without depends_on, resources race their APIs', () => {
    const stripped = JSON.parse(JSON.stringify(platform, (key, value) => (key === 'depends_on' ? undefined : value)));
    const races = apiRaces(stripped, { resource: {} } as TerraformJson);
    expect(races).toEqual(expect.arrayContaining([expect.stringMatching(/^google_secret_manager_secret\.\S+ does not wait for secretmanager\.googleapis\.com/)]));
  });
});

describe('the API table', () => {
  it('names a source page for every entry and only googleapis.com services', () => {
    for (const [type, { apis, source }] of Object.entries(API_REQUIREMENTS)) {
      expect([type, source]).toEqual([type, expect.stringMatching(/^https:\/\/(cloud\.google\.com|registry\.terraform\.io)\//)]);
      for (const api of apis) expect(api).toMatch(/^[a-z]+\.googleapis\.com$/);
    }
  });
});
