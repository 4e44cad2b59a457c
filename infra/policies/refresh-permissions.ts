/**
 * What `terraform plan` calls to refresh each Google type, and the IAM permission each call needs:
 * the "IAM Permissions" section of the method's REST reference page, or, where the provider makes
 * more than one call, its read function (terraform-provider-google v6.50.0). A plan also reads
 * the state (the GCS backend, and terraform_remote_state in the edge stack). A test holds the plan
 * account's roles (their permissions in gcp-roles.ts, from Google's IAM role reference) to every
 * type of the stacks it plans, and this table to every Google type of every stack.
 */

export interface RefreshRequirement {
  permissions: readonly string[];
  /** The REST method page(s), or the provider read function, the permissions come from. */
  source: string;
}

const REST = 'https://cloud.google.com';
const PROVIDER = 'terraform-provider-google v6.50.0';
const get = (permission: string, source: string): RefreshRequirement => ({ permissions: [permission], source });

export const REFRESH_PERMISSIONS: Readonly<Record<string, RefreshRequirement>> = {
  // resourceGoogleProjectServiceRead: projects.get on the project, then services.list of enabled services.
  google_project_service: {
    permissions: ['resourcemanager.projects.get', 'serviceusage.services.list'],
    source: `${PROVIDER} google/services/resourcemanager/resource_google_project_service.go; ${REST}/resource-manager/reference/rest/v1/projects/get, ${REST}/service-usage/docs/reference/rest/v1/services/list`,
  },
  google_project_iam_member: get('resourcemanager.projects.getIamPolicy', `${REST}/resource-manager/reference/rest/v1/projects/getIamPolicy`),
  google_service_account: get('iam.serviceAccounts.get', `${REST}/iam/docs/reference/rest/v1/projects.serviceAccounts/get`),
  google_service_account_iam_member: get('iam.serviceAccounts.getIamPolicy', `${REST}/iam/docs/reference/rest/v1/projects.serviceAccounts/getIamPolicy`),
  google_iam_workload_identity_pool: get('iam.workloadIdentityPools.get', `${REST}/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/get`),
  google_iam_workload_identity_pool_provider: get('iam.workloadIdentityPoolProviders.get', `${REST}/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/get`),
  google_storage_bucket: get('storage.buckets.get', `${REST}/storage/docs/json_api/v1/buckets/get`),
  google_storage_bucket_iam_member: get('storage.buckets.getIamPolicy', `${REST}/storage/docs/json_api/v1/buckets/getIamPolicy`),
  google_artifact_registry_repository: get('artifactregistry.repositories.get', `${REST}/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/get`),
  google_artifact_registry_repository_iam_member: get(
    'artifactregistry.repositories.getIamPolicy',
    `${REST}/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/getIamPolicy`,
  ),
  google_compute_network: get('compute.networks.get', `${REST}/compute/docs/reference/rest/v1/networks/get`),
  google_compute_subnetwork: get('compute.subnetworks.get', `${REST}/compute/docs/reference/rest/v1/subnetworks/get`),
  google_compute_global_address: get('compute.globalAddresses.get', `${REST}/compute/docs/reference/rest/v1/globalAddresses/get`),
  // resourceServiceNetworkingConnectionRead: the project's number (projects.get), then services.connections.list.
  google_service_networking_connection: {
    permissions: ['resourcemanager.projects.get', 'servicenetworking.services.get'],
    source: `${PROVIDER} google/services/servicenetworking/resource_service_networking_connection.go; ${REST}/service-infrastructure/docs/service-networking/reference/rest/v1/services.connections/list`,
  },
  google_vpc_access_connector: get('vpcaccess.connectors.get', `${REST}/vpc/docs/reference/vpcaccess/rest/v1/projects.locations.connectors/get`),
  google_sql_database_instance: get('cloudsql.instances.get', `${REST}/sql/docs/postgres/admin-api/rest/v1/instances/get`),
  google_sql_database: get('cloudsql.databases.get', `${REST}/sql/docs/postgres/admin-api/rest/v1/databases/get`),
  // resourceSqlUserRead: instances.get, then users.list (it finds the user in the list).
  google_sql_user: {
    permissions: ['cloudsql.instances.get', 'cloudsql.users.list'],
    source: `${PROVIDER} google/services/sql/resource_sql_user.go; ${REST}/sql/docs/postgres/admin-api/rest/v1/users/list`,
  },
  google_secret_manager_secret: get('secretmanager.secrets.get', `${REST}/secret-manager/docs/reference/rest/v1/projects.secrets/get`),
  // With secret_data_wo_version set, the read never calls versions.access (flattenSecretManagerSecretVersionPayload).
  google_secret_manager_secret_version: get('secretmanager.versions.get', `${REST}/secret-manager/docs/reference/rest/v1/projects.secrets.versions/get`),
  google_secret_manager_secret_iam_member: get('secretmanager.secrets.getIamPolicy', `${REST}/secret-manager/docs/reference/rest/v1/projects.secrets/getIamPolicy`),
  google_cloud_run_v2_service: get('run.services.get', `${REST}/run/docs/reference/rest/v2/projects.locations.services/get`),
  google_cloud_run_v2_service_iam_member: get('run.services.getIamPolicy', `${REST}/run/docs/reference/rest/v2/projects.locations.services/getIamPolicy`),
  google_api_gateway_api: get('apigateway.apis.get', `${REST}/api-gateway/docs/reference/rest/v1/projects.locations.apis/get`),
  google_api_gateway_api_config: get('apigateway.apiconfigs.get', `${REST}/api-gateway/docs/reference/rest/v1/projects.locations.apis.configs/get`),
  google_api_gateway_gateway: get('apigateway.gateways.get', `${REST}/api-gateway/docs/reference/rest/v1/projects.locations.gateways/get`),
  // The provider reads the key and its key string on every refresh (resource_apikeys_key.go sets key_string).
  google_apikeys_key: {
    permissions: ['apikeys.keys.get', 'apikeys.keys.getKeyString'],
    source: `${REST}/api-keys/docs/reference/rest/v2/projects.locations.keys/get, ${REST}/api-keys/docs/reference/rest/v2/projects.locations.keys/getKeyString`,
  },
  google_monitoring_notification_channel: get('monitoring.notificationChannels.get', `${REST}/monitoring/api/ref_v3/rest/v3/projects.notificationChannels/get`),
  google_monitoring_alert_policy: get('monitoring.alertPolicies.get', `${REST}/monitoring/api/ref_v3/rest/v3/projects.alertPolicies/get`),
  google_monitoring_uptime_check_config: get('monitoring.uptimeCheckConfigs.get', `${REST}/monitoring/api/ref_v3/rest/v3/projects.uptimeCheckConfigs/get`),
  google_monitoring_dashboard: get('monitoring.dashboards.get', `${REST}/monitoring/api/ref_v1/rest/v1/projects.dashboards/get`),
  // Reading another stack's state, and every stack's own state (GCS backend): objects in the state bucket.
  terraform_remote_state: { permissions: ['storage.objects.get', 'storage.objects.list'], source: `${REST}/storage/docs/json_api/v1/objects/get, ${REST}/storage/docs/json_api/v1/objects/list` },
};

/** The state every plan reads through its GCS backend. */
export const BACKEND_READ = REFRESH_PERMISSIONS.terraform_remote_state;

/** Types whose refresh calls no Google API: other providers' (Cloudflare's token is scoped in Cloudflare) and Terraform's own. */
export const refreshesGoogle = (type: string): boolean => type.startsWith('google_') || type === 'terraform_remote_state';
