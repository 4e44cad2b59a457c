/**
 * No import circles between the folders of service/src (STYLE.md: data flows down the floors,
 * routes → jobs of work → readers and writers → models, never back). Every import, export-from,
 * require and import() of every source file is resolved with the TypeScript compiler's own
 * pre-processor; type-only imports count too (they tie the folders' designs together all the same).
 * A file at the top of src/ is a node of its own.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '../src');

type Edge = { from: string; to: string; file: string; imported: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|cjs|mjs|js)$/.test(e.name) ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, `${base}.ts`, `${base}.cjs`, `${base}.js`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** The folder (or top-level file) of src/ a file belongs to. */
function nodeOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? `${parts[0]}/` : parts[0];
}

function folderEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      const target = resolveImport(file, fileName);
      if (!target || !target.startsWith(SRC)) continue;
      const [from, to] = [nodeOf(file), nodeOf(target)];
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), imported: fileName });
    }
  }
  return edges;
}

/** The strongly connected groups of more than one node (Tarjan), each with the imports inside it. */
export function circles(edges: Edge[]): Array<{ nodes: string[]; imports: string[] }> {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return groups.map((nodes) => ({
    nodes,
    imports: edges.filter((e) => nodes.includes(e.from) && nodes.includes(e.to)).map((e) => `${e.file} imports ${e.imported}`),
  }));
}

describe('imports between the folders of service/src', () => {
  it('finds a circle where there is one (the check can fail)', () => {
    const edge = (from: string, to: string): Edge => ({ from, to, file: `${from}x.ts`, imported: `../${to}y` });
    expect(circles([edge('csv/', 'models/'), edge('inference/', 'csv/'), edge('csv/', 'inference/')])).toEqual([
      { nodes: ['csv/', 'inference/'], imports: ['inference/x.ts imports ../csv/y', 'csv/x.ts imports ../inference/y'] },
    ]);
    expect(circles([edge('a/', 'b/'), edge('b/', 'c/'), edge('c/', 'a/'), edge('c/', 'd/')]).map((c) => c.nodes)).toEqual([['a/', 'b/', 'c/']]);
  });

  it('reads the real imports', () => {
    const edges = folderEdges();
    expect(edges.length).toBeGreaterThan(20);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'routes/', to: 'inference/' }));
  });

  it('has no circles', () => {
    expect(circles(folderEdges())).toEqual([]);
  });
});
