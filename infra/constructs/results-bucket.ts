/**
 * The bucket kept answers go to (RESULTS_BUCKET of the service): uniform bucket-level access,
 * public access prevented, no versions, and a lifecycle rule that deletes an object once it is
 * `retentionDays` old. Soft delete is off, so an expired answer is gone rather than held (and
 * billed) seven more days. Only grantObjectCreateRead's grantee may write or read objects in it.
 */
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Construct } from 'constructs';
import { EnvironmentConfig, isProduction, labelsFor } from '../config';
import { resultsBucketName } from '../naming';
import type { GrantCondition } from './delegated-grants';
import { Grantee, grantId } from './grantee';

/**
 * Create an object and read one: roles/storage.objectCreator (storage.objects.create, no delete
 * or overwrite) and roles/storage.objectViewer (storage.objects.get, .list), both listed on
 * https://cloud.google.com/iam/docs/roles-permissions/storage.
 */
export const RESULT_OBJECT_ROLES = ['roles/storage.objectCreator', 'roles/storage.objectViewer'] as const;

/** The role the deploy account manages the bucket with (create, lifecycle, its IAM), held only under resultsBucketAdminCondition. */
export const RESULTS_BUCKET_ADMIN_ROLE = 'roles/storage.admin';

/**
 * Limits a project-level grant of RESULTS_BUCKET_ADMIN_ROLE to the results bucket and its objects
 * (Cloud Storage's resource names in IAM conditions: projects/_/buckets/<bucket>[/objects/<name>]),
 * and to the project itself, which storage.buckets.create and .list are checked on. Without it
 * Storage Admin would reach every bucket of the project: the Terraform state bucket's IAM policy
 * and its deletion included. No narrower predefined role both creates a bucket and sets its IAM
 * policy (https://cloud.google.com/iam/docs/roles-permissions/storage).
 */
export function resultsBucketAdminCondition(bucketName: string): GrantCondition {
  const bucket = `projects/_/buckets/${bucketName}`;
  return {
    title: 'Results bucket only',
    description: `Storage Admin on the kept-results bucket ${bucketName} and its objects, and bucket creation in the project; no other bucket`,
    expression: `resource.type == "cloudresourcemanager.googleapis.com/Project" || resource.name == "${bucket}" || resource.name.startsWith("${bucket}/")`,
  };
}

export interface ResultsBucketProps {
  config: EnvironmentConfig;
  /**
   * Days after which the lifecycle rule deletes a kept answer (whole days: the rule's `age` condition).
   * @default config.resultRetentionDays
   */
  retentionDays?: number;
}

export class ResultsBucket extends Construct {
  readonly bucket: StorageBucket;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: ResultsBucketProps) {
    super(scope, id);
    const { config } = props;
    const days = props.retentionDays ?? config.resultRetentionDays;
    if (!Number.isInteger(days) || days < 1) throw new Error(`${this.node.path}: retentionDays must be a whole number of days, 1 or more (got ${days})`);
    this.retentionDays = days;
    this.bucket = new StorageBucket(this, 'bucket', {
      name: resultsBucketName(config),
      location: config.region,
      labels: labelsFor(config),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: false },
      softDeletePolicy: { retentionDurationSeconds: 0 },
      // Kept answers are disposable by design; outside production the bucket goes with the stack.
      forceDestroy: !isProduction(config),
      lifecycleRule: [{ action: { type: 'Delete' }, condition: { age: days } }],
    });
  }

  get name(): string {
    return this.bucket.name;
  }

  /** Lets a service account create objects and read them, on this bucket only (bucket-level IAM). */
  grantObjectCreateRead(grantee: Grantee): StorageBucketIamMember[] {
    return RESULT_OBJECT_ROLES.map((role) => new StorageBucketIamMember(this, grantId(role.split('.')[1], grantee), { bucket: this.bucket.name, role, member: grantee.member }));
  }
}
