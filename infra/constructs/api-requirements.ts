/**
 * Which Google API each Terraform resource type calls, so every resource can wait for that API's
 * enablement (a fresh project answers 403 SERVICE_DISABLED otherwise). Each entry names the
 * page that gives the API: the resource's REST reference, whose host is the API's service name.
 */

export interface ApiRequirement {
  apis: readonly string[];
  source: string;
}

const REST = 'https://cloud.google.com';

export const API_REQUIREMENTS: Readonly<Record<string, ApiRequirement>> = {
  google_project_service: { apis: ['serviceusage.googleapis.com'], source: `${REST}/service-usage/docs/reference/rest/v1/services/enable` },
  google_project_iam_member: { apis: ['cloudresourcemanager.googleapis.com'], source: `${REST}/resource-manager/reference/rest/v1/projects/setIamPolicy` },
  google_service_account: { apis: ['iam.googleapis.com'], source: `${REST}/iam/docs/reference/rest/v1/projects.serviceAccounts/create` },
  google_service_account_iam_member: { apis: ['iam.googleapis.com'], source: `${REST}/iam/docs/reference/rest/v1/projects.serviceAccounts/setIamPolicy` },
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
  // Not Google APIs: made inside Terraform by the random and time providers.
  random_password: { apis: [], source: 'https://registry.terraform.io/providers/hashicorp/random/3.7.2/docs/resources/password' },
  time_sleep: { apis: [], source: 'https://registry.terraform.io/providers/hashicorp/time/0.13.1/docs/resources/sleep' },
};

export function apisFor(type: string): readonly string[] | undefined {
  return API_REQUIREMENTS[type]?.apis;
}
