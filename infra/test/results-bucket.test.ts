/** The kept-results bucket (issue 18): its settings, its lifecycle from resultRetentionDays, and who may touch its objects. */
import { ConfigError, parseEnvironment, loadEnvironment } from '../config';
import { RESULT_OBJECT_ROLES } from '../constructs/results-bucket';
import { rolePage } from '../policies/gcp-roles';
import { resources, synthEnvironment } from './synth';

describe.each(['dev', 'prod'])('results bucket in platform-%s', (env) => {
  const { json, config } = synthEnvironment(env, (c) => ({ ...c, resultRetentionDays: 14 }));
  const tf = json[`platform-${env}`];
  const bucketRef = `\${google_storage_bucket.${Object.keys(tf.resource.google_storage_bucket)[0]}.name}`;
  const runAccount = Object.keys(tf.data!.google_service_account).find((k) => k.startsWith('inference_identity'));

  it('is private with uniform access, unversioned, without soft delete, and deletes answers after the retention', () => {
    const buckets = resources(tf, 'google_storage_bucket');
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatchObject({
      name: `${config.projectId}-${env}-results`,
      location: config.region,
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      versioning: { enabled: false },
      soft_delete_policy: { retention_duration_seconds: 0 },
      force_destroy: env !== 'prod',
      lifecycle_rule: [{ action: { type: 'Delete' }, condition: { age: 14 } }],
      labels: { app: config.app, environment: env },
    });
  });

  it('grants only the service account, only object create and read, only on this bucket', () => {
    const grants = resources(tf, 'google_storage_bucket_iam_member');
    expect(grants.map((g) => [g.bucket, g.role, g.member]).sort()).toEqual(
      [...RESULT_OBJECT_ROLES].map((role) => [bucketRef, role, `\${data.google_service_account.${runAccount}.member}`]).sort(),
    );
    for (const role of RESULT_OBJECT_ROLES) expect(rolePage(role)).toBe('https://cloud.google.com/iam/docs/roles-permissions/storage');
    // No project-wide storage role for the service, and nothing for allUsers / allAuthenticatedUsers.
    expect(resources(tf, 'google_project_iam_member').filter((m) => /storage/.test(m.role))).toEqual([]);
    expect(JSON.stringify(tf)).not.toMatch(/allUsers|allAuthenticatedUsers/);
  });

  it('tells the service the bucket and the retention, and creates it only after the grants have propagated', () => {
    const service = resources(tf, 'google_cloud_run_v2_service')[0];
    const vars = Object.fromEntries(service.template.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(vars.RESULTS_BUCKET).toBe(bucketRef);
    expect(vars.RESULTS_RETENTION_DAYS).toBe('14');
    const sleep = resources(tf, 'time_sleep')[0];
    for (const role of RESULT_OBJECT_ROLES) expect(sleep.depends_on.join(' ')).toContain(`google_storage_bucket_iam_member.results_${role.split('.')[1]}`);
  });
});

/** The condition's terms as IAM evaluates them for one resource: only the three shapes resultsBucketAdminCondition writes. */
function allows(expression: string, resource: { type: string; name: string }): boolean {
  return expression.split(' || ').some((term) => {
    const m = /^resource\.(type|name)(?: == "([^"]+)"|\.startsWith\("([^"]+)"\))$/.exec(term);
    if (!m) throw new Error(`not a term this test reads: ${term}`);
    const value = resource[m[1] as 'type' | 'name'];
    return m[2] !== undefined ? value === m[2] : value.startsWith(m[3]);
  });
}

describe.each(['dev', 'prod'])('the deploy account and the results bucket (%s)', (env) => {
  const { json, config } = synthEnvironment(env);
  const bootstrap = json[`bootstrap-${env}`];
  const bucket = resources(json[`platform-${env}`], 'google_storage_bucket')[0].name as string;
  const deployer = resources(bootstrap, 'google_project_iam_member').filter((m) => m.member === 'serviceAccount:${google_service_account.deployer.email}');
  const storage = deployer.filter((m) => /^roles\/storage\./.test(m.role));

  it('holds Storage Admin only under a condition naming the bucket the platform stack creates', () => {
    expect(storage.map((m) => m.role)).toEqual(['roles/storage.admin']);
    expect(storage[0].condition.title).toBe('Results bucket only');
    expect(storage[0].condition.expression).toContain(`"projects/_/buckets/${bucket}"`);
    expect(bucket).toBe(`${config.projectId}-${env}-results`);
  });

  it('reaches the results bucket, its objects and bucket creation, and no other bucket: not the state bucket, not a name that only starts the same', () => {
    const { expression } = storage[0].condition;
    const state = resources(bootstrap, 'google_storage_bucket')[0].name as string;
    const yes = [
      { type: 'storage.googleapis.com/Bucket', name: `projects/_/buckets/${bucket}` },
      { type: 'storage.googleapis.com/Object', name: `projects/_/buckets/${bucket}/objects/0b6f2c1e-answer` },
      { type: 'cloudresourcemanager.googleapis.com/Project', name: `projects/${config.projectId}` },
    ];
    const no = [
      { type: 'storage.googleapis.com/Bucket', name: `projects/_/buckets/${state}` },
      { type: 'storage.googleapis.com/Object', name: `projects/_/buckets/${state}/objects/platform-${env}.tfstate` },
      { type: 'storage.googleapis.com/Bucket', name: `projects/_/buckets/${bucket}-copy` },
      { type: 'storage.googleapis.com/Object', name: `projects/_/buckets/${bucket}2/objects/x` },
    ];
    expect(yes.filter((r) => !allows(expression, r))).toEqual([]);
    expect(no.filter((r) => allows(expression, r))).toEqual([]);
  });
});

describe('resultRetentionDays', () => {
  const dev = loadEnvironment('dev');
  it('defaults to 30 days', () => expect(dev.resultRetentionDays).toBe(30));
  it.each([0, 1.5, 4000])('refuses %s, naming the field', (days) => {
    expect(() => parseEnvironment({ ...dev, resultRetentionDays: days }, 'dev.json')).toThrow(ConfigError);
    expect(() => parseEnvironment({ ...dev, resultRetentionDays: days }, 'dev.json')).toThrow(/resultRetentionDays/);
  });
  it('refuses a project id and environment whose bucket name would pass 63 characters', () => {
    expect(() => parseEnvironment({ ...dev, projectId: 'a-very-long-project-id-here-29', environment: 'staging-tokyo-region-seven' }, 'dev.json')).toThrow(/results bucket name .* 63 characters/);
  });
});
