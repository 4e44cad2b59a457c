/** The GitHub and bootstrap-state fields of the environment config: what Workload Identity Federation and the runbook accept. */
import { ConfigError, loadEnvironment, parseEnvironment } from '../config';

const dev = () => JSON.parse(JSON.stringify(loadEnvironment('dev')));
const parse = (edit: (c: any) => void) => {
  const config = dev();
  edit(config);
  return () => parseEnvironment(config, 'infra/environments/dev.json');
};

describe('github and bootstrapState settings', () => {
  it.each([
    ['a missing repository id', (c: any) => delete c.github.repositoryId, 'github.repositoryId is missing (expected string)'],
    ['a repository id as a number', (c: any) => (c.github.repositoryId = 812345678), 'github.repositoryId is invalid: expected string, received number'],
    ['an owner id that is a name', (c: any) => (c.github.repositoryOwnerId = 'acme'), 'github.repositoryOwnerId must be the GitHub repository owner id: its decimal digits as a string, such as "123456789"'],
    ['a leading zero', (c: any) => (c.github.repositoryId = '0123'), 'github.repositoryId must be the GitHub repository id'],
    ['a quote that would break the attribute condition', (c: any) => (c.github.repositoryId = '1" || true || "'), 'github.repositoryId must be the GitHub repository id'],
    ['the removed deployBranch', (c: any) => (c.github.deployBranch = 'main'), 'github: unknown field(s) deployBranch'],
    ['an unknown state location', (c: any) => (c.bootstrapState = 'gcs'), 'bootstrapState must be one of "local", "bucket" (got "gcs")'],
  ])('fails on %s with a sentence naming the field', (_what, edit, message) => {
    expect(parse(edit)).toThrow(ConfigError);
    expect(parse(edit)).toThrow(message);
  });

  it('refuses a repository whose deploy subject is longer than the 127 bytes WIF maps to google.subject', () => {
    const name = (n: number) => `acme/${'r'.repeat(n)}`;
    // repo:acme/<name>:environment:dev is 26 bytes plus the name.
    expect(parse((c) => (c.github.repository = name(101)))).not.toThrow();
    expect(parse((c) => (c.github.repository = name(102)))).toThrow('github.repository makes the deploy token’s subject');
  });

  it('keeps the bootstrap state local until told otherwise', () => {
    expect(loadEnvironment('dev').bootstrapState).toBe('local');
    expect(parse((c) => (c.bootstrapState = 'bucket'))().bootstrapState).toBe('bucket');
  });
});
