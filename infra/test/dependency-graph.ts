/** The Terraform dependency graph of a synthesized stack: which resources each resource waits for (references and depends_on). */
import { TerraformJson } from './synth';

const REFERENCE = /\$\{(?:data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)[.}\[]/g;
const DEPENDENCY = /^(?:data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)$/;

export interface Node {
  address: string;
  type: string;
  config: Record<string, any>;
}

export function nodesOf(tf: TerraformJson): Map<string, Node> {
  const nodes = new Map<string, Node>();
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, config] of Object.entries(byName)) nodes.set(`${type}.${name}`, { address: `${type}.${name}`, type, config });
  }
  return nodes;
}

/** The addresses a resource refers to or depends on directly. */
export function directDependencies(node: Node): string[] {
  const { depends_on: dependsOn = [], ...rest } = node.config;
  const referenced = [...JSON.stringify(rest).matchAll(REFERENCE)].map((m) => `${m[1]}.${m[2]}`);
  const declared = (dependsOn as string[]).map((d) => d.match(DEPENDENCY)).filter((m): m is RegExpMatchArray => !!m).map((m) => `${m[1]}.${m[2]}`);
  return [...new Set([...referenced, ...declared])];
}

/** Every resource a resource waits for, directly or through others. */
export function transitiveDependencies(nodes: Map<string, Node>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...directDependencies(nodes.get(start)!)];
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next) || !nodes.has(next)) continue;
    seen.add(next);
    stack.push(...directDependencies(nodes.get(next)!));
  }
  return seen;
}

/** The APIs whose enablement (google_project_service) a resource waits for. */
export function enabledBefore(nodes: Map<string, Node>, start: string): Set<string> {
  return new Set(
    [...transitiveDependencies(nodes, start)].filter((a) => a.startsWith('google_project_service.')).map((a) => nodes.get(a)!.config.service as string),
  );
}
