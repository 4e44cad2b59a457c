/** Each apply-time constraint rule fails synthesis on a construct that breaks it, and only then. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApikeysKey } from '@cdktf/provider-google/lib/apikeys-key';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { SqlDatabaseInstance, SqlDatabaseInstanceSettings } from '@cdktf/provider-google/lib/sql-database-instance';
import { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector';
import { App, Aspects, TerraformStack } from 'cdktf';
import { cloudRunProbeBounds, PROBE_LIMITS } from '../policies/api-constraints';
import { PolicyAspect } from '../policies/policy-aspect';
import { MACHINE_SERIES } from '../sql-tiers';

const labels = { app: 'inference', environment: 'dev' };

function synthWith(build: (stack: TerraformStack) => void): () => void {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'constraints-')) });
  const stack = new TerraformStack(app, 'constraints');
  new GoogleProvider(stack, 'google', { project: 'p-123456', region: 'asia-northeast1' });
  build(stack);
  Aspects.of(stack).add(new PolicyAspect({ app: 'inference', environment: 'dev', production: false }));
  return () => app.synth();
}

type Probe = { periodSeconds?: number; timeoutSeconds?: number; initialDelaySeconds?: number; failureThreshold?: number };
const run = (startupProbe: Probe, livenessProbe: Probe = {}) => (s: TerraformStack) =>
  new CloudRunV2Service(s, 'run', {
    name: 'svc',
    location: 'asia-northeast1',
    labels,
    template: { containers: [{ name: 'app', image: 'img', startupProbe: { httpGet: { path: '/readyz' }, ...startupProbe }, livenessProbe: { httpGet: { path: '/healthz' }, ...livenessProbe } }] },
  });

const sql = (settings: Partial<SqlDatabaseInstanceSettings>, ignoreChanges?: string[]) => (s: TerraformStack) =>
  new SqlDatabaseInstance(s, 'sql', {
    name: 'db',
    databaseVersion: 'POSTGRES_16',
    deletionProtection: false,
    settings: { tier: 'db-f1-micro', edition: 'ENTERPRISE', userLabels: labels, ipConfiguration: { ipv4Enabled: false, privateNetwork: 'vpc' }, ...settings },
    lifecycle: ignoreChanges ? { ignoreChanges } : undefined,
  });

describe('apply-time constraints fail synthesis', () => {
  it.each([
    ['a startup probe whose period is shorter than its timeout (the shipped 2 s / 3 s)', run({ periodSeconds: 2, timeoutSeconds: 3 }), /\[cloud-run-probe-bounds\] startup_probe of container app: periodSeconds \(2\) must be at least timeoutSeconds \(3\)/],
    ['a timeout above the default period', run({ timeoutSeconds: 11 }), /periodSeconds \(10\) must be at least timeoutSeconds \(11\)/],
    ['a startup period above 240 s', run({ periodSeconds: 241, timeoutSeconds: 1 }), /startup_probe of container app: periodSeconds must be 1 to 240 \(got 241\)/],
    ['a liveness initial delay above 3600 s', run({}, { initialDelaySeconds: 3601 }), /liveness_probe of container app: initialDelaySeconds must be 0 to 3600 \(got 3601\)/],
    ['a failure threshold of 0', run({ failureThreshold: 0 }), /failureThreshold must be at least 1 \(got 0\)/],
    ['a fixed disk size with auto-resize and no ignore_changes', sql({ diskSize: 10, diskAutoresize: true }), /\[sql-disk-growth\] settings.diskSize is set with disk auto-resize on: add lifecycle.ignoreChanges \["settings\[0\].disk_size"\]/],
    ['a fixed disk size with auto-resize left at its default (on)', sql({ diskSize: 10 }), /\[sql-disk-growth\]/],
    ['a performance-optimized tier in ENTERPRISE', sql({ tier: 'db-perf-optimized-N-4', edition: 'ENTERPRISE' }), /\[sql-edition-tier\] tier db-perf-optimized-N-4 exists only in edition ENTERPRISE_PLUS \(settings.edition is ENTERPRISE\)/],
    ['ENTERPRISE_PLUS with a custom tier', sql({ tier: 'db-custom-2-7680', edition: 'ENTERPRISE_PLUS' }), /\[sql-edition-tier\] tier db-custom-2-7680 exists only in edition ENTERPRISE \(settings.edition is ENTERPRISE_PLUS\)/],
    ['a C4A tier in ENTERPRISE', sql({ tier: 'db-c4a-highmem-4', edition: 'ENTERPRISE' }), /\[sql-edition-tier\] tier db-c4a-highmem-4 exists only in edition ENTERPRISE_PLUS/],
    ['a tier no machine series has', sql({ tier: 'db-n1-standard-2', edition: 'ENTERPRISE' }), /\[sql-edition-tier\] tier db-n1-standard-2 is in no Cloud SQL machine series/],
    ['a 31-character service-account id', (s: TerraformStack) => new ServiceAccount(s, 'sa', { accountId: 'inference-staging01-gateway-abc' }), /\[resource-ids\] service-account id "inference-staging01-gateway-abc" \(31 characters\) must be 6 to 30/],
    ['a 5-character service-account id', (s: TerraformStack) => new ServiceAccount(s, 'sa', { accountId: 'abcde' }), /\[resource-ids\] service-account id "abcde" \(5 characters\)/],
    ['a service-account id ending with a dash', (s: TerraformStack) => new ServiceAccount(s, 'sa', { accountId: 'inference-dev-' }), /\[resource-ids\] service-account id "inference-dev-"/],
    ['an API key name over 63 characters', (s: TerraformStack) => new ApikeysKey(s, 'key', { name: `k${'x'.repeat(63)}` }), /\[resource-ids\] API key name "kx+" must be 1 to 63/],
    [
      'a secret env ref on latest',
      (s: TerraformStack) =>
        new CloudRunV2Service(s, 'run', {
          name: 'svc',
          location: 'asia-northeast1',
          labels,
          template: { containers: [{ image: 'img', env: [{ name: 'API_TOKENS', valueSource: { secretKeyRef: { secret: 'tokens', version: 'latest' } } }] }] },
        }),
      /\[pinned-secret-versions\] env API_TOKENS reads secret version "latest"/,
    ],
    ['a connector name ending with a dash', (s: TerraformStack) => new VpcAccessConnector(s, 'conn', { name: 'inference-staging01-conn-', region: 'asia-northeast1' }), /\[resource-ids\] connector name "inference-staging01-conn-"/],
  ])('on %s', (_what, build, message) => {
    expect(synthWith(build)).toThrow(message);
  });

  it('passes what the APIs accept', () => {
    expect(synthWith(run({ periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 60, initialDelaySeconds: 0 }, { periodSeconds: 15, timeoutSeconds: 3 }))).not.toThrow();
    expect(synthWith(run({ periodSeconds: 3, timeoutSeconds: 3 }))).not.toThrow();
    expect(synthWith(sql({ diskSize: 10, diskAutoresize: true }, ['settings[0].disk_size']))).not.toThrow();
    expect(synthWith(sql({ diskSize: 10, diskAutoresize: false }))).not.toThrow();
    expect(synthWith(sql({ diskAutoresize: true }))).not.toThrow();
    expect(synthWith(sql({ tier: 'db-perf-optimized-N-2', edition: 'ENTERPRISE_PLUS' }))).not.toThrow();
    // Every machine series of the overview, in its edition.
    for (const { example, edition } of MACHINE_SERIES) expect(synthWith(sql({ tier: example, edition }))).not.toThrow();
    expect(synthWith((s) => new ServiceAccount(s, 'sa', { accountId: 'inference-prod-gateway' }))).not.toThrow();
  });
});

describe('the probe rule against the documented bounds, over every timing up to past the limits', () => {
  // Straight from google.cloud.run.v2.Probe: what a reader of the reference would accept.
  const accepted = (kind: keyof typeof PROBE_LIMITS, period: number, timeout: number) => period >= timeout && period >= 1 && period <= PROBE_LIMITS[kind].period && timeout >= 1 && timeout <= 3600;
  const view = (kind: string, period: number, timeout: number) => ({
    type: 'google_cloud_run_v2_service',
    config: { template: { containers: [{ name: 'app', [kind]: { period_seconds: period, timeout_seconds: timeout } }] } },
  });

  it.each(Object.keys(PROBE_LIMITS) as (keyof typeof PROBE_LIMITS)[])('%s', (kind) => {
    const edges = [0, 1, 2, 3, 9, 10, 11, 239, 240, 241, 3599, 3600, 3601];
    for (const period of edges) {
      for (const timeout of edges) {
        const problems = cloudRunProbeBounds.check(view(kind, period, timeout), { app: 'a', environment: 'dev', production: false });
        expect([kind, period, timeout, problems.length === 0]).toEqual([kind, period, timeout, accepted(kind, period, timeout)]);
      }
    }
  });
});
