/**
 * Which Google API each Terraform type of the google and google-beta providers calls, for every
 * stack (bootstrap, platform), so each resource can wait for that API's enablement (a fresh project
 * answers 403 SERVICE_DISABLED otherwise). A data source of a type calls the same API to read.
 * Each entry names the page that gives the API: the resource's REST reference, whose host is the
 * API's service name. Other providers' types (random, time, cloudflare) call no Google API.
 */

export interface ApiRequirement {
  apis: readonly string[];
  source: string;
}

const REST = 'https://cloud.google.com';

export const API_REQUIREMENTS: Readonly<Record<string, ApiRequirement>> = {
  // Enabling goes to Service Usage; the provider's refresh first reads the project through Resource
  // Manager (projects.get in resourceGoogleProjectServiceRead, terraform-provider-google v6.50.0,
  // hashicorp/terraform-provider-google#11435).
  google_project_service: {
    apis: ['serviceusage.googleapis.com', 'cloudresourcemanager.googleapis.com'],
    source: `${REST}/service-usage/docs/reference/rest/v1/services/enable`,
  },
  google_project_iam_member: { apis: ['cloudresourcemanager.googleapis.com'], source: `${REST}/resource-manager/reference/rest/v1/projects/setIamPolicy` },
  google_service_account: { apis: ['iam.googleapis.com'], source: `${REST}/iam/docs/reference/rest/v1/projects.serviceAccounts/create` },
  google_service_account_iam_member: { apis: ['iam.googleapis.com'], source: `${REST}/iam/docs/reference/rest/v1/projects.serviceAccounts/setIamPolicy` },
  // Federated tokens are exchanged by STS and turned into service-account tokens by IAM Credentials:
  // the pool is no use without both (https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines).
  google_iam_workload_identity_pool: {
    apis: ['iam.googleapis.com', 'sts.googleapis.com', 'iamcredentials.googleapis.com'],
    source: `${REST}/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create`,
  },
  google_iam_workload_identity_pool_provider: { apis: ['iam.googleapis.com'], source: `${REST}/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/create` },
  google_storage_bucket: { apis: ['storage.googleapis.com'], source: `${REST}/storage/docs/json_api/v1/buckets/insert` },
  google_storage_bucket_iam_member: { apis: ['storage.googleapis.com'], source: `${REST}/storage/docs/json_api/v1/buckets/setIamPolicy` },
  google_artifact_registry_repository: { apis: ['artifactregistry.googleapis.com'], source: `${REST}/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/create` },
  google_artifact_registry_repository_iam_member: {
    apis: ['artifactregistry.googleapis.com'],
    source: `${REST}/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/setIamPolicy`,
  },
  google_compute_network: { apis: ['compute.googleapis.com'], source: `${REST}/compute/docs/reference/rest/v1/networks/insert` },
  google_compute_subnetwork: { apis: ['compute.googleapis.com'], source: `${REST}/compute/docs/reference/rest/v1/subnetworks/insert` },
  google_compute_global_address: { apis: ['compute.googleapis.com'], source: `${REST}/compute/docs/reference/rest/v1/globalAddresses/insert` },
  // Private services access peers the VPC with Google's producer network (Service Networking).
  google_service_networking_connection: {
    apis: ['servicenetworking.googleapis.com', 'compute.googleapis.com'],
    source: `${REST}/service-infrastructure/docs/service-networking/reference/rest/v1/services.connections/create`,
  },
  google_vpc_access_connector: { apis: ['vpcaccess.googleapis.com'], source: `${REST}/vpc/docs/reference/vpcaccess/rest/v1/projects.locations.connectors/create` },
  google_sql_database_instance: { apis: ['sqladmin.googleapis.com'], source: `${REST}/sql/docs/postgres/admin-api/rest/v1/instances/insert` },
  google_sql_database: { apis: ['sqladmin.googleapis.com'], source: `${REST}/sql/docs/postgres/admin-api/rest/v1/databases/insert` },
  google_sql_user: { apis: ['sqladmin.googleapis.com'], source: `${REST}/sql/docs/postgres/admin-api/rest/v1/users/insert` },
  google_secret_manager_secret: { apis: ['secretmanager.googleapis.com'], source: `${REST}/secret-manager/docs/reference/rest/v1/projects.secrets/create` },
  google_secret_manager_secret_version: { apis: ['secretmanager.googleapis.com'], source: `${REST}/secret-manager/docs/reference/rest/v1/projects.secrets/addVersion` },
  google_secret_manager_secret_iam_member: { apis: ['secretmanager.googleapis.com'], source: `${REST}/secret-manager/docs/reference/rest/v1/projects.secrets/setIamPolicy` },
  google_cloud_run_v2_service: { apis: ['run.googleapis.com'], source: `${REST}/run/docs/reference/rest/v2/projects.locations.services/create` },
  google_cloud_run_v2_service_iam_member: { apis: ['run.googleapis.com'], source: `${REST}/run/docs/reference/rest/v2/projects.locations.services/setIamPolicy` },
  // API Gateway's own setup asks for all three (https://cloud.google.com/api-gateway/docs/secure-traffic-gcloud#enabling_required_services):
  // an API is a Service Management service, and its configs are rolled out through Service Control.
  google_api_gateway_api: { apis: ['apigateway.googleapis.com', 'servicemanagement.googleapis.com'], source: `${REST}/api-gateway/docs/reference/rest/v1/projects.locations.apis/create` },
  google_api_gateway_api_config: {
    apis: ['apigateway.googleapis.com', 'servicemanagement.googleapis.com', 'servicecontrol.googleapis.com'],
    source: `${REST}/api-gateway/docs/reference/rest/v1/projects.locations.apis.configs/create`,
  },
  google_api_gateway_gateway: { apis: ['apigateway.googleapis.com'], source: `${REST}/api-gateway/docs/reference/rest/v1/projects.locations.gateways/create` },
  google_apikeys_key: { apis: ['apikeys.googleapis.com'], source: `${REST}/api-keys/docs/reference/rest/v2/projects.locations.keys/create` },
  google_monitoring_notification_channel: { apis: ['monitoring.googleapis.com'], source: `${REST}/monitoring/api/ref_v3/rest/v3/projects.notificationChannels/create` },
  google_monitoring_alert_policy: { apis: ['monitoring.googleapis.com'], source: `${REST}/monitoring/api/ref_v3/rest/v3/projects.alertPolicies/create` },
  google_monitoring_uptime_check_config: { apis: ['monitoring.googleapis.com'], source: `${REST}/monitoring/api/ref_v3/rest/v3/projects.uptimeCheckConfigs/create` },
  google_monitoring_dashboard: { apis: ['monitoring.googleapis.com'], source: `${REST}/monitoring/api/ref_v1/rest/v1/projects.dashboards/create` },
};

/** Types of the google and google-beta providers; the table must name their APIs. */
export const callsGoogle = (type: string): boolean => type.startsWith('google_');

/** The APIs a type calls: none for other providers, undefined for a Google type the table lacks. */
export function apisFor(type: string): readonly string[] | undefined {
  return callsGoogle(type) ? API_REQUIREMENTS[type]?.apis : [];
}
