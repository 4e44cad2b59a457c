/** Every problem the code raises is in the catalogue (problem.ts) with the status it is raised with. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEMS, ProblemType } from '../src/http/problem';
import { PROJECT_ROOT } from '../src/paths';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the problem catalogue', () => {
  it('lists each raised problem with the statuses it is raised with', () => {
    const raised: [string, number, string][] = [];
    for (const file of [...sources(join(PROJECT_ROOT, 'service/src')), ...sources(join(PROJECT_ROOT, 'frontend/proxy'))]) {
      const text = readFileSync(file, 'utf8');
      // new HttpProblem(413, 'too-large', …), problemBody(401, 'unauthorized', …), problem(411, 'length-required', …)
      for (const m of text.matchAll(/(?:HttpProblem|problemBody|problem)\(\s*([^,]+?),\s*'([a-z-]+)'/g)) {
        for (const status of m[1].match(/\d{3}/g) ?? []) raised.push([file.slice(PROJECT_ROOT.length + 1), Number(status), m[2]]);
      }
    }
    expect(raised.length).toBeGreaterThan(20);
    const misfits = raised.filter(([, status, slug]) => !(PROBLEMS[slug as ProblemType]?.status as readonly number[] | undefined)?.includes(status));
    expect(misfits).toEqual([]);
  });
});
