/**
 * Applied by hand per Google Cloud project, first with local state (kept outside cdktf.out, which
 * synthesis rewrites), then from the bucket it creates: the bucket every stack keeps its state in,
 * the image repository, the platform's runtime service accounts, and GitHub Actions' keyless
 * identity (Workload Identity Federation) with a read-only plan account and a deploy account.
 */
import { join } from 'node:path';
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
import { Aspects, GcsBackend, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig, labelsFor } from '../config';
import { delegatedGrantCondition, type GrantCondition } from '../constructs/delegated-grants';
import { SERVICE_ROLES } from '../constructs/inference-service';
import { ProjectApis, WaitForApis } from '../constructs/project-apis';
import { RESULTS_BUCKET_ADMIN_ROLE, resultsBucketAdminCondition } from '../constructs/results-bucket';
import { CI_ACCOUNT_IDS, environmentSubject, namePrefix, pullRequestSubject, resultsBucketName, RUNTIME_ACCOUNTS, RuntimeAccount, serviceAccountIds } from '../naming';

/** What `terraform apply` of the platform stack needs, and nothing wider (no owner/editor, no service-account admin). */
export const DEPLOY_ROLES = [
  'roles/run.admin', 'roles/cloudsql.admin', 'roles/secretmanager.admin', 'roles/compute.networkAdmin', 'roles/vpcaccess.admin',
  'roles/servicenetworking.networksAdmin', 'roles/apigateway.admin', 'roles/servicemanagement.admin', 'roles/serviceusage.serviceUsageAdmin',
  'roles/monitoring.admin', 'roles/serviceusage.apiKeysAdmin',
] as const;

/**
 * The project-level roles the platform stack grants (to its runtime accounts): the only ones the
 * deploy account's Project IAM Admin grant may add or remove. A test holds this equal to what the
 * synthesized platform stacks grant.
 */
export const DELEGATED_PROJECT_ROLES = [...SERVICE_ROLES];

/**
 * What `terraform plan` reads: every resource's current state, never a secret's value (no
 * secretAccessor; the platform's secrets are written with write-only attributes). apiKeysViewer
 * does include apikeys.keys.getKeyString: the provider reads the key string on every refresh.
 */
export const PLAN_ROLES = [
  'roles/run.viewer', 'roles/cloudsql.viewer', 'roles/secretmanager.viewer', 'roles/compute.networkViewer', 'roles/vpcaccess.viewer',
  'roles/apigateway.viewer', 'roles/monitoring.viewer', 'roles/iam.securityReviewer', 'roles/iam.serviceAccountViewer',
  'roles/serviceusage.serviceUsageViewer', 'roles/serviceusage.apiKeysViewer', 'roles/storage.bucketViewer',
] as const;

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** The bootstrap's local state, relative to the stack's folder cdktf.out/stacks/<stack>: the repository's .bootstrap-state/. */
export const BOOTSTRAP_STATE_DIR = '.bootstrap-state';
export const localStatePath = (stackId: string) => join('..', '..', '..', BOOTSTRAP_STATE_DIR, `${stackId}.tfstate`);


/** APIs this stack's own resources call; the platform's are enabled by the platform stack. */
export const BOOTSTRAP_APIS = [
  'artifactregistry.googleapis.com', 'cloudresourcemanager.googleapis.com', 'iam.googleapis.com', 'iamcredentials.googleapis.com',
  'serviceusage.googleapis.com', 'storage.googleapis.com', 'sts.googleapis.com',
] as const;

export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StorageBucket;
  readonly repository: ArtifactRegistryRepository;
  readonly deployer: ServiceAccount;
  readonly planner: ServiceAccount;
  readonly runtimeAccounts: Record<RuntimeAccount, ServiceAccount>;
  readonly provider: IamWorkloadIdentityPoolProvider;

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    if (config.bootstrapState === 'bucket') new GcsBackend(this, { bucket: config.stateBucket, prefix: `bootstrap/${config.environment}` });
    else new LocalBackend(this, { path: localStatePath(id) });
    // Applied by a person with user credentials: every call names the project itself as its quota
    // project (X-Goog-User-Project), so the apply does not depend on the ADC quota project, and
    // client-based APIs (Service Usage, Resource Manager) bill the project being built. Provider
    // reference, user_project_override and billing_project (terraform-provider-google v6.50.0,
    // website/docs/guides/provider_reference.html.markdown). Needs Service Usage on in the project:
    // the runbook enables PREREQUISITE_APIS first.
    new GoogleProvider(this, 'google', { project: config.projectId, region: config.region, userProjectOverride: true, billingProject: config.projectId });
    const labels = labelsFor(config);
    // On a fresh project these APIs are still off: each resource waits for the ones its calls go to.
    Aspects.of(this).add(new WaitForApis(new ProjectApis(this, 'apis', { project: config.projectId, apis: BOOTSTRAP_APIS })));

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
    });
    this.repository = new ArtifactRegistryRepository(this, 'images', {
      repositoryId: config.app,
      location: config.region,
      format: 'DOCKER',
      description: 'Inference service images, tagged with the commit SHA',
      labels,
      dockerConfig: { immutableTags: true },
    });

    const pool = new IamWorkloadIdentityPool(this, 'github-pool', { workloadIdentityPoolId: 'github', displayName: 'GitHub Actions' });
    this.provider = new IamWorkloadIdentityPoolProvider(this, 'github-provider', {
      workloadIdentityPoolId: pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: 'github-oidc',
      displayName: 'GitHub OIDC',
      oidc: { issuerUri: GITHUB_ISSUER },
      attributeMapping: {
        'google.subject': 'assertion.sub',
        'attribute.repository_id': 'assertion.repository_id',
        'attribute.repository_owner_id': 'assertion.repository_owner_id',
      },
      // By the ids, which never pass to another repository: a deleted and re-created owner/name gets new ones.
      attributeCondition: `assertion.repository_id == "${config.github.repositoryId}" && assertion.repository_owner_id == "${config.github.repositoryOwnerId}"`,
    });

    const account = (construct: string, accountId: string, displayName: string) => new ServiceAccount(this, construct, { accountId, displayName });
    this.deployer = account('deployer', CI_ACCOUNT_IDS.deployer, 'GitHub Actions: apply and deploy');
    this.planner = account('planner', CI_ACCOUNT_IDS.planner, 'GitHub Actions: read-only plan');
    const runtimeIds = serviceAccountIds(config);
    this.runtimeAccounts = Object.fromEntries(
      Object.entries(RUNTIME_ACCOUNTS).map(([name, what]) => [name, account(`runtime-${name}`, runtimeIds[name as RuntimeAccount], `${namePrefix(config)} ${what}`)]),
    ) as Record<RuntimeAccount, ServiceAccount>;

    const subject = (value: string) => `principal://iam.googleapis.com/${pool.name}/subject/${value}`;
    // The deployer only from jobs of the GitHub environment of the same name (its reviewers and branch rules apply);
    // the planner only from pull-request runs.
    new ServiceAccountIamMember(this, 'deployer-wif', { serviceAccountId: this.deployer.name, role: 'roles/iam.workloadIdentityUser', member: subject(environmentSubject(config)) });
    new ServiceAccountIamMember(this, 'planner-wif', { serviceAccountId: this.planner.name, role: 'roles/iam.workloadIdentityUser', member: subject(pullRequestSubject(config)) });

    const deployer = `serviceAccount:${this.deployer.email}`;
    const planner = `serviceAccount:${this.planner.email}`;
    const projectRole = (construct: string, role: string, member: string, condition?: GrantCondition) =>
      new ProjectIamMember(this, construct, { project: config.projectId, role, member, condition });
    for (const role of DEPLOY_ROLES) projectRole(`deployer-${role.split('/')[1]}`, role, deployer);
    // Project IAM Admin without the condition could grant itself owner.
    projectRole('deployer-projectIamAdmin', 'roles/resourcemanager.projectIamAdmin', deployer, delegatedGrantCondition(
      DELEGATED_PROJECT_ROLES,
      'Platform stack grants only',
      'Grants and revokes only the project roles the platform stack gives its runtime accounts (DELEGATED_PROJECT_ROLES)',
    ));
    // The results bucket: Storage Admin on it alone (the condition), not on the state bucket or any other.
    projectRole('deployer-storage-results', RESULTS_BUCKET_ADMIN_ROLE, deployer, resultsBucketAdminCondition(resultsBucketName(config)));
    for (const role of PLAN_ROLES) projectRole(`planner-${role.split('/')[1]}`, role, planner);
    // Deploying a service or gateway that runs as an account needs actAs on that account, and on no other.
    // The role also carries iam.serviceAccounts.get, which the platform's lookup of the two accounts needs.
    for (const [name, runtime] of Object.entries(this.runtimeAccounts)) {
      new ServiceAccountIamMember(this, `deployer-acts-as-${name}`, { serviceAccountId: runtime.name, role: 'roles/iam.serviceAccountUser', member: deployer });
    }

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
