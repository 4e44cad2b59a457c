/** Each policy rule fails synthesis, with its message, on a construct that breaks it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { PagesProject } from '@cdktf/provider-cloudflare/lib/pages-project';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { App, Aspects, TerraformStack } from 'cdktf';
import { PolicyAspect } from '../policies/policy-aspect';

const labels = { app: 'inference', environment: 'prod' };

function synthWith(build: (stack: TerraformStack) => void, production = true): () => void {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'policy-')) });
  const stack = new TerraformStack(app, 'policy-test');
  new GoogleProvider(stack, 'google', { project: 'p-123456', region: 'asia-northeast1' });
  new CloudflareProvider(stack, 'cloudflare', {});
  build(stack);
  Aspects.of(stack).add(new PolicyAspect({ app: 'inference', environment: production ? 'prod' : 'dev', production }));
  return () => app.synth();
}

const sql = (stack: TerraformStack, ipv4Enabled: boolean, protect: boolean, environment = 'prod') =>
  new SqlDatabaseInstance(stack, 'sql', {
    name: 'db',
    databaseVersion: 'POSTGRES_16',
    deletionProtection: protect,
    settings: { tier: 'db-f1-micro', userLabels: { ...labels, environment }, deletionProtectionEnabled: protect, ipConfiguration: { ipv4Enabled, privateNetwork: 'vpc' } },
  });

const run = (stack: TerraformStack, env: { name: string; value?: string }[]) =>
  new CloudRunV2Service(stack, 'run', { name: 'svc', location: 'asia-northeast1', labels, deletionProtection: true, template: { containers: [{ image: 'img', env }] } });

describe('policies fail synthesis', () => {
  it.each([
    ['a public IP on Cloud SQL', (s: TerraformStack) => sql(s, true, true), /\[no-public-database-ip\] Cloud SQL must not have a public IP/],
    [
      'allUsers as Cloud Run invoker',
      (s: TerraformStack) => new CloudRunV2ServiceIamMember(s, 'public', { name: 'svc', location: 'asia-northeast1', role: 'roles/run.invoker', member: 'allUsers' }),
      /\[no-public-access\] google_cloud_run_v2_service_iam_member grants roles\/run.invoker to allUsers/,
    ],
    ['a disabled invoker check', (s: TerraformStack) => (run(s, []).invokerIamDisabled = true), /\[no-public-access\] Cloud Run must not disable its invoker IAM check/],
    ['a token in a plain env value', (s: TerraformStack) => run(s, [{ name: 'API_TOKEN', value: 'hunter2-hunter2-hunter2' }]), /\[no-plain-secrets\] env API_TOKEN is a plain value; reference a Secret Manager secret/],
    [
      'a plain-text secret on Pages',
      (s: TerraformStack) =>
        new PagesProject(s, 'pages', { accountId: 'a', name: 'p', productionBranch: 'main', deploymentConfigs: { production: { envVars: { API_KEY: { type: 'plain_text', value: 'k' } } } } }),
      /\[no-plain-secrets\] Pages production env var API_KEY is plain text/,
    ],
    ['a primitive role', (s: TerraformStack) => new ProjectIamMember(s, 'editor', { project: 'p-123456', role: 'roles/editor', member: 'user:a@example.com' }), /\[no-primitive-roles\] google_project_iam_member grants the primitive role roles\/editor/],
    ['production without deletion protection', (s: TerraformStack) => sql(s, false, false), /\[production-deletion-protection\] Cloud SQL in production needs deletionProtection \(Terraform\) on/],
    ['a resource without labels', (s: TerraformStack) => new StorageBucket(s, 'bucket', { name: 'b', location: 'ASIA' }), /\[labelled\] google_storage_bucket needs labels app=inference and environment=prod/],
  ])('on %s', (_what, build, message) => {
    expect(synthWith(build)).toThrow(message);
  });

  it('lists every violation at once, with the construct path', () => {
    const attempt = synthWith((s) => {
      sql(s, true, false);
      new ProjectIamMember(s, 'owner', { project: 'p-123456', role: 'roles/owner', member: 'user:a@example.com' });
    });
    expect(attempt).toThrow(/\[policy-test\/sql\] \[no-public-database-ip\][\s\S]*\[policy-test\/sql\] \[production-deletion-protection\][\s\S]*\[policy-test\/owner\] \[no-primitive-roles\]/);
  });

  it('passes compliant resources, and outside production does not require deletion protection', () => {
    expect(synthWith((s) => sql(s, false, false, 'dev'), false)).not.toThrow();
    expect(synthWith((s) => run(s, [{ name: 'LOG_LEVEL', value: 'info' }]))).not.toThrow();
  });
});
