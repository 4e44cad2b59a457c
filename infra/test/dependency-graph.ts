/**
 * The Terraform dependency graph of a synthesized stack: which resources and data sources each one
 * waits for (references and depends_on), by address (`type.name`, `data.type.name`).
 */
import { TerraformJson } from './synth';

export interface Node {
  address: string;
  type: string;
  /** A data source is read, not created (at plan time unless what it depends on is still to change). */
  data: boolean;
  config: Record<string, any>;
}

export function nodesOf(tf: TerraformJson): Map<string, Node> {
  const nodes = new Map<string, Node>();
  const add = (blocks: TerraformJson['resource'] | undefined, data: boolean) => {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      for (const [name, config] of Object.entries(byName)) {
        const address = `${data ? 'data.' : ''}${type}.${name}`;
        nodes.set(address, { address, type, data, config });
      }
    }
  };
  add(tf.resource, false);
  add(tf.data, true);
  return nodes;
}

/** Every `${…}` expression in a value, nested braces included (jsonencode({…}) holds references too). */
function expressions(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    for (let start = value.indexOf('${'); start >= 0; start = value.indexOf('${', start + 2)) {
      let depth = 0;
      let end = start + 1;
      for (; end < value.length; end++) {
        if (value[end] === '{') depth++;
        else if (value[end] === '}' && --depth === 0) break;
      }
      into.push(value.slice(start + 2, end));
    }
  } else if (Array.isArray(value)) {
    for (const v of value) expressions(v, into);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) if (key !== '//') expressions(v, into);
  }
  return into;
}

const ADDRESS = /(?<![\w.])(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+/g;

/** The addresses of the stack a node refers to or depends on directly. */
export function directDependencies(nodes: Map<string, Node>, node: Node): string[] {
  const { depends_on: dependsOn = [], ...rest } = node.config;
  const candidates = [...expressions(rest), ...(dependsOn as string[])].flatMap((e) => e.match(ADDRESS) ?? []);
  return [...new Set(candidates.filter((a) => nodes.has(a)))];
}

/** Every node a node waits for, directly or through others. */
export function transitiveDependencies(nodes: Map<string, Node>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = directDependencies(nodes, nodes.get(start)!);
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...directDependencies(nodes, nodes.get(next)!));
  }
  return seen;
}

/** The APIs whose enablement (google_project_service) a node waits for. */
export function enabledBefore(nodes: Map<string, Node>, start: string): Set<string> {
  return new Set([...transitiveDependencies(nodes, start)].map((a) => nodes.get(a)!).filter((n) => n.type === 'google_project_service' && !n.data).map((n) => n.config.service as string));
}

/** The APIs a stack's google_project_service resources enable. */
export const enabledBy = (tf: TerraformJson): Set<string> => new Set(Object.values(tf.resource.google_project_service ?? {}).map((r) => r.service as string));
