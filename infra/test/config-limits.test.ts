/** Config values that would fail at apply are refused with a sentence naming the field. */
import { ConfigError, environmentSchema, loadEnvironment, parseEnvironment } from '../config';
import { MACHINE_SERIES } from '../sql-tiers';
import { CI_ACCOUNT_IDS, serviceAccountIdProblem, serviceAccountIds } from '../naming';
import { resources, synthEnvironment } from './synth';

const dev = () => JSON.parse(JSON.stringify(loadEnvironment('dev')));
const parse = (c: unknown) => () => parseEnvironment(c, 'infra/environments/dev.json');

describe('Cloud SQL edition and tier', () => {
  it('refuses a db-perf-optimized tier with edition ENTERPRISE, naming the field', () => {
    const c = dev();
    c.database.tier = 'db-perf-optimized-N-4';
    c.database.edition = 'ENTERPRISE';
    expect(parse(c)).toThrow(ConfigError);
    expect(parse(c)).toThrow('database.edition must be ENTERPRISE_PLUS for tier db-perf-optimized-N-4');
  });

  it('refuses ENTERPRISE_PLUS with a tier it does not offer', () => {
    const c = dev();
    c.database.edition = 'ENTERPRISE_PLUS';
    expect(parse(c)).toThrow('database.edition must be ENTERPRISE for tier db-f1-micro');
  });

  it('takes every machine series of the overview in its edition only, C4A and N4 included, and refuses unknown tiers', () => {
    for (const { example, edition } of MACHINE_SERIES) {
      const c = dev();
      c.database.tier = example;
      expect(parse(c)).not.toThrow();
      c.database.edition = edition;
      expect(parse(c)).not.toThrow();
      c.database.edition = edition === 'ENTERPRISE' ? 'ENTERPRISE_PLUS' : 'ENTERPRISE';
      expect(parse(c)).toThrow(`database.edition must be ${edition} for tier ${example}`);
    }
    const c = dev();
    c.database.tier = 'db-n1-standard-2';
    expect(parse(c)).toThrow(/database.tier must be a Cloud SQL for PostgreSQL machine type of one of the series shared core .*C4A \(such as db-c4a-highmem-2\)/);
  });

  it('derives the edition from the tier when it is left out, and the instance gets it', () => {
    const s = synthEnvironment('dev', (c) => ({ ...c, database: { ...c.database, tier: 'db-perf-optimized-N-2' } }));
    expect(resources(s.json['platform-dev'], 'google_sql_database_instance')[0].settings).toMatchObject({ tier: 'db-perf-optimized-N-2', edition: 'ENTERPRISE_PLUS' });
  });
});

describe('generated service-account ids', () => {
  it('refuses an app and environment that make an id longer than 30 characters, naming the fields', () => {
    const c = dev();
    c.app = 'inferencepro';
    c.environment = 'staging01';
    expect(parse(c)).not.toThrow(); // inferencepro-staging01-gateway: 30, IAM's limit
    c.environment = 'staging012';
    expect(parse(c)).toThrow(/app with environment "staging012" makes the gateway service-account id "inferencepro-staging012-gateway" is 31 characters; IAM allows 6 to 30: shorten app or environment/);
  });

  it('accepts exactly the names whose every id fits IAM, over every length the schema allows', () => {
    const base = dev();
    for (let appLength = 2; appLength <= 12; appLength++) {
      for (let envLength = 2; envLength <= 10; envLength++) {
        const c = { ...base, app: 'a'.repeat(appLength), environment: 'e'.repeat(envLength) };
        // The reference: the longest id is <app>-<env>-gateway.
        const fits = appLength + 1 + envLength + '-gateway'.length <= 30;
        const result = environmentSchema.safeParse(c);
        expect([appLength, envLength, result.success]).toEqual([appLength, envLength, fits]);
        if (result.success) for (const id of Object.values(serviceAccountIds(c))) expect(id.length).toBeLessThanOrEqual(30);
      }
    }
  });
});

describe('fixed service-account ids', () => {
  it('pass IAM’s rule, which refuses its own counter-examples', () => {
    for (const id of Object.values(CI_ACCOUNT_IDS)) expect([id, serviceAccountIdProblem(id)]).toEqual([id, undefined]);
    for (const bad of ['short', 'a'.repeat(31), 'ends-with-dash-', '9starts-with-digit', 'Upper-case']) expect(serviceAccountIdProblem(bad)).toBeDefined();
  });
});

describe('secrets and edge settings', () => {
  it('refuses keeping a previous generation when there is none, and overlapping database passwords', () => {
    const c = dev();
    c.secrets = { apiToken: { generation: 1, keepPrevious: true } };
    expect(parse(c)).toThrow('secrets.apiToken.keepPrevious needs generation 2 or more');
    c.secrets = { databasePassword: { generation: 3, keepPrevious: true } };
    expect(parse(c)).toThrow('secrets.databasePassword.keepPrevious is not supported: the database user has one password at a time');
    c.secrets = { apiKey: { generation: 0 } };
    expect(parse(c)).toThrow('secrets.apiKey.generation must be 1 or more (raise it by one to rotate)');
  });

  it('refuses a zone id without a custom domain', () => {
    const c = dev();
    c.edge.zoneId = '0123456789abcdef0123456789abcdef';
    expect(parse(c)).toThrow('edge.zoneId is only used with edge.customDomain');
  });
});
