/**
 * Which Google API each resource type's create call goes to: on a fresh project that API is off
 * until a google_project_service enables it, and the call fails with 403 SERVICE_DISABLED, so a
 * resource must reach that enablement through references or depends_on. Sources: the REST
 * reference each provider resource links to (storage/v1 buckets, artifactregistry/v1,
 * iam/v1 workloadIdentityPools and serviceAccounts, cloudresourcemanager/v1 setIamPolicy).
 * Bootstrap types for now; platform types go here too as their tests come.
 */
export const REQUIRED_APIS: Record<string, readonly string[]> = {
  google_storage_bucket: ['storage.googleapis.com'],
  google_storage_bucket_iam_member: ['storage.googleapis.com'],
  google_artifact_registry_repository: ['artifactregistry.googleapis.com'],
  google_artifact_registry_repository_iam_member: ['artifactregistry.googleapis.com'],
  // Federated tokens are exchanged by STS and turned into service-account tokens by IAM Credentials.
  google_iam_workload_identity_pool: ['iam.googleapis.com', 'sts.googleapis.com', 'iamcredentials.googleapis.com'],
  google_iam_workload_identity_pool_provider: ['iam.googleapis.com'],
  google_service_account: ['iam.googleapis.com'],
  google_service_account_iam_member: ['iam.googleapis.com'],
  google_project_iam_member: ['cloudresourcemanager.googleapis.com'],
};
