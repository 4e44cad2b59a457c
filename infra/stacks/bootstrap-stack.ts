/**
 * Applied once by hand per Google Cloud project, with local state: the bucket every other stack
 * keeps its state in, the image repository, and GitHub Actions' keyless identity (Workload
 * Identity Federation) with a read-only plan account and a deploy account.
 */
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig, labelsFor } from '../config';
import { ProjectApis } from '../constructs/project-apis';

/** What `terraform apply` of the platform stack needs, and nothing wider (no owner/editor). */
export const DEPLOY_ROLES = [
  'roles/run.admin', 'roles/cloudsql.admin', 'roles/secretmanager.admin', 'roles/compute.networkAdmin', 'roles/vpcaccess.admin',
  'roles/servicenetworking.networksAdmin', 'roles/apigateway.admin', 'roles/servicemanagement.admin', 'roles/serviceusage.serviceUsageAdmin',
  'roles/monitoring.admin', 'roles/iam.serviceAccountAdmin', 'roles/iam.serviceAccountUser', 'roles/resourcemanager.projectIamAdmin', 'roles/apikeys.admin',
] as const;

/** What `terraform plan` reads: every resource's current state, and secret versions on refresh. */
export const PLAN_ROLES = [
  'roles/run.viewer', 'roles/cloudsql.viewer', 'roles/secretmanager.viewer', 'roles/secretmanager.secretAccessor', 'roles/compute.networkViewer',
  'roles/vpcaccess.viewer', 'roles/apigateway.viewer', 'roles/monitoring.viewer', 'roles/iam.securityReviewer', 'roles/serviceusage.serviceUsageViewer',
  'roles/apikeys.viewer', 'roles/servicemanagement.serviceConsumer',
] as const;

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StorageBucket;
  readonly repository: ArtifactRegistryRepository;
  readonly deployer: ServiceAccount;
  readonly planner: ServiceAccount;
  readonly provider: IamWorkloadIdentityPoolProvider;

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    new GoogleProvider(this, 'google', { project: config.projectId, region: config.region });
    const labels = labelsFor(config);
    const apis = new ProjectApis(this, 'apis', config.projectId, [
      'artifactregistry.googleapis.com', 'iam.googleapis.com', 'iamcredentials.googleapis.com', 'sts.googleapis.com', 'storage.googleapis.com',
      'cloudresourcemanager.googleapis.com', 'serviceusage.googleapis.com',
    ]);
    const dependsOn = apis.services;

    this.stateBucket = new StorageBucket(this, 'state', {
      name: config.stateBucket,
      location: config.region,
      labels,
      versioning: { enabled: true },
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: false,
      // Old state versions are the undo of a bad apply; keep the last 30 for 90 days.
      lifecycleRule: [{ action: { type: 'Delete' }, condition: { numNewerVersions: 30, daysSinceNoncurrentTime: 90 } }],
      dependsOn,
    });
    this.repository = new ArtifactRegistryRepository(this, 'images', {
      repositoryId: config.app,
      location: config.region,
      format: 'DOCKER',
      description: 'Inference service images, tagged with the commit SHA',
      labels,
      dockerConfig: { immutableTags: true },
      dependsOn,
    });

    const pool = new IamWorkloadIdentityPool(this, 'github-pool', { workloadIdentityPoolId: 'github', displayName: 'GitHub Actions', dependsOn });
    this.provider = new IamWorkloadIdentityPoolProvider(this, 'github-provider', {
      workloadIdentityPoolId: pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: 'github-oidc',
      displayName: 'GitHub OIDC',
      oidc: { issuerUri: GITHUB_ISSUER },
      attributeMapping: {
        'google.subject': 'assertion.sub',
        'attribute.repository': 'assertion.repository',
        'attribute.ref': 'assertion.ref',
        'attribute.event_name': 'assertion.event_name',
      },
      // Tokens from any other repository are refused before any binding is looked at.
      attributeCondition: `assertion.repository == "${config.github.repository}"`,
    });

    this.deployer = new ServiceAccount(this, 'deployer', { accountId: 'github-deploy', displayName: 'GitHub Actions: apply and deploy' });
    this.planner = new ServiceAccount(this, 'planner', { accountId: 'github-plan', displayName: 'GitHub Actions: read-only plan' });
    const principals = `principalSet://iam.googleapis.com/${pool.name}`;
    // Only workflows on the deploy branch may act as the deployer; any workflow of the repository may plan.
    new ServiceAccountIamMember(this, 'deployer-wif', {
      serviceAccountId: this.deployer.name,
      role: 'roles/iam.workloadIdentityUser',
      member: `${principals}/attribute.ref/refs/heads/${config.github.deployBranch}`,
    });
    new ServiceAccountIamMember(this, 'planner-wif', {
      serviceAccountId: this.planner.name,
      role: 'roles/iam.workloadIdentityUser',
      member: `${principals}/attribute.repository/${config.github.repository}`,
    });
    const deployer = `serviceAccount:${this.deployer.email}`;
    const planner = `serviceAccount:${this.planner.email}`;
    for (const role of DEPLOY_ROLES) new ProjectIamMember(this, `deployer-${role.split('/')[1]}`, { project: config.projectId, role, member: deployer });
    for (const role of PLAN_ROLES) new ProjectIamMember(this, `planner-${role.split('/')[1]}`, { project: config.projectId, role, member: planner });
    new StorageBucketIamMember(this, 'deployer-state', { bucket: this.stateBucket.name, role: 'roles/storage.objectAdmin', member: deployer });
    // Plans run with -lock=false, so reading state is all the plan account needs.
    new StorageBucketIamMember(this, 'planner-state', { bucket: this.stateBucket.name, role: 'roles/storage.objectViewer', member: planner });
    new ArtifactRegistryRepositoryIamMember(this, 'deployer-push', {
      repository: this.repository.name,
      location: config.region,
      role: 'roles/artifactregistry.writer',
      member: deployer,
    });

    const output = (name: string, value: string, description: string) => new TerraformOutput(this, name, { value, description });
    output('workload_identity_provider', this.provider.name, 'GitHub variable GCP_WORKLOAD_IDENTITY_PROVIDER');
    output('deploy_service_account', this.deployer.email, 'GitHub variable GCP_DEPLOY_SERVICE_ACCOUNT');
    output('plan_service_account', this.planner.email, 'GitHub variable GCP_PLAN_SERVICE_ACCOUNT');
    output('state_bucket', this.stateBucket.name, 'GitHub variable TF_STATE_BUCKET');
    output('image_repository', imageRepository(config), 'GitHub variable IMAGE_REPOSITORY');
  }
}

/** Where CI pushes images and Cloud Run pulls them: <region>-docker.pkg.dev/<project>/<app>/service. */
export function imageRepository(config: EnvironmentConfig): string {
  return `${config.region}-docker.pkg.dev/${config.projectId}/${config.app}/service`;
}
