import { App } from 'cdktf';
import { selectedEnvironments } from '../app';
import { ConfigError, listEnvironments, loadEnvironment, parseEnvironment } from '../config';

const dev = () => JSON.parse(JSON.stringify(loadEnvironment('dev')));

describe('environment config', () => {
  it('ships dev and prod examples that validate', () => {
    expect(listEnvironments()).toEqual(['dev', 'prod']);
    expect(loadEnvironment('prod')).toMatchObject({ environment: 'prod', database: { deletionProtection: true, highAvailability: true } });
  });

  it.each([
    ['a missing field', (c: any) => delete c.projectId, 'infra/environments/dev.json: projectId is missing (expected string)'],
    ['a value outside its set', (c: any) => (c.service.memory = '3Gi'), 'service.memory must be one of "512Mi", "1Gi", "2Gi", "4Gi", "8Gi", "16Gi", "32Gi" (got "3Gi")'],
    ['a region without API Gateway', (c: any) => (c.region = 'europe-north1'), 'region must be one of "asia-east1"'],
    ['a malformed id', (c: any) => (c.edge.cloudflareAccountId = 'xyz'), 'edge.cloudflareAccountId must be the 32 hex digits of a Cloudflare account id'],
    ['a misspelt field', (c: any) => (c.service.maxInstance = 3), 'service: unknown field(s) maxInstance'],
    ['inconsistent sizing', (c: any) => ((c.service.minInstances = 5), (c.service.maxInstances = 2)), 'service.minInstances must not exceed service.maxInstances (2)'],
    ['too little memory for the CPUs', (c: any) => ((c.service.cpu = '4'), (c.service.memory = '1Gi')), "service.memory must be at least 2048 MiB for 4 CPUs (Cloud Run's minimum)"],
    ['a percentage where a ratio belongs', (c: any) => (c.alerts.errorRatio = 5), 'alerts.errorRatio must be at most 1 (a ratio, not a percentage)'],
  ])('fails on %s with a sentence naming the field and what is allowed', (_what, edit, message) => {
    const config = dev();
    edit(config);
    expect(() => parseEnvironment(config, 'infra/environments/dev.json')).toThrow(ConfigError);
    expect(() => parseEnvironment(config, 'infra/environments/dev.json')).toThrow(message);
  });

  it('is chosen by INFRA_ENV or the cdktf context "env", else every environment', () => {
    expect(selectedEnvironments(new App(), 'prod')).toEqual(['prod']);
    expect(selectedEnvironments(new App({ context: { env: 'dev' } }), undefined)).toEqual(['dev']);
    expect(selectedEnvironments(new App(), undefined)).toEqual(['dev', 'prod']);
    expect(() => loadEnvironment('staging')).toThrow('environment "staging" has no config; INFRA_ENV must be one of dev, prod');
  });
});
