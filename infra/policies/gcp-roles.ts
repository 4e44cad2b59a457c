/**
 * The predefined Google Cloud roles the stacks may grant, each with the page of Google's IAM
 * reference that lists it (https://cloud.google.com/iam/docs/roles-permissions/<service>). A role
 * that is not on its service's page does not exist and fails the apply that grants it; a test
 * holds every role in the synthesized stacks (bindings and IAM conditions) to this list.
 * Not every service has roles: the API Keys page says "There are no IAM roles for this service";
 * its roles are Service Usage's apiKeysAdmin and apiKeysViewer.
 */

export const ROLE_REFERENCE = 'https://cloud.google.com/iam/docs/roles-permissions/';

export interface CatalogueEntry {
  role: string;
  /** The reference page the role is listed on. */
  page: string;
}

const page = (service: string, names: readonly string[]): CatalogueEntry[] =>
  names.map((name) => ({ role: `roles/${service}.${name}`, page: `${ROLE_REFERENCE}${service}` }));

export const GCP_ROLES: readonly CatalogueEntry[] = [
  ...page('apigateway', ['admin', 'viewer']),
  ...page('artifactregistry', ['writer']),
  ...page('cloudsql', ['admin', 'client', 'viewer']),
  ...page('cloudtrace', ['agent']),
  ...page('compute', ['networkAdmin', 'networkViewer']),
  ...page('iam', ['securityReviewer', 'serviceAccountUser', 'serviceAccountViewer', 'workloadIdentityUser']),
  ...page('logging', ['logWriter']),
  ...page('monitoring', ['admin', 'metricWriter', 'viewer']),
  ...page('resourcemanager', ['projectIamAdmin']),
  ...page('run', ['admin', 'invoker', 'viewer']),
  ...page('secretmanager', ['admin', 'secretAccessor', 'viewer']),
  ...page('servicemanagement', ['admin']),
  ...page('servicenetworking', ['networksAdmin']),
  ...page('serviceusage', ['apiKeysAdmin', 'apiKeysViewer', 'serviceUsageAdmin', 'serviceUsageViewer']),
  ...page('storage', ['admin', 'bucketViewer', 'objectAdmin', 'objectCreator', 'objectViewer']),
  ...page('vpcaccess', ['admin', 'viewer']),
];

const KNOWN = new Map(GCP_ROLES.map((e) => [e.role, e.page]));

/** The reference page of a catalogued role, or undefined for a role the catalogue does not know. */
export const rolePage = (role: string): string | undefined => KNOWN.get(role);

/** Every role named anywhere in a synthesized stack's JSON: bindings, members and IAM condition expressions. */
export const rolesIn = (terraformJson: string): string[] => [...new Set(terraformJson.match(/roles\/[A-Za-z0-9_.]+/g) ?? [])].sort();

/**
 * The permissions we rely on in each role the read-only plan account holds, as the role's page of
 * Google's IAM reference lists them (https://cloud.google.com/iam/docs/roles-permissions/<service>,
 * the same page as the catalogue entry; roles carry more than these). Only permissions the page
 * lists go here: a test checks the plan account's roles against what a refresh of every type it
 * plans needs (infra/policies/refresh-permissions.ts).
 */
export const ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'roles/run.viewer': ['run.services.get', 'run.services.getIamPolicy', 'resourcemanager.projects.get'],
  'roles/cloudsql.viewer': ['cloudsql.instances.get', 'cloudsql.databases.get', 'cloudsql.users.list', 'resourcemanager.projects.get', 'serviceusage.services.list'],
  // No secretmanager.versions.access: metadata only.
  'roles/secretmanager.viewer': ['secretmanager.secrets.get', 'secretmanager.secrets.getIamPolicy', 'secretmanager.versions.get', 'resourcemanager.projects.get'],
  // Includes servicenetworking.services.get, which the private services access connection's refresh needs.
  'roles/compute.networkViewer': [
    'compute.networks.get',
    'compute.subnetworks.get',
    'compute.globalAddresses.get',
    'servicenetworking.services.get',
    'resourcemanager.projects.get',
    'serviceusage.services.list',
  ],
  'roles/vpcaccess.viewer': ['vpcaccess.connectors.get', 'resourcemanager.projects.get'],
  'roles/apigateway.viewer': ['apigateway.apis.get', 'apigateway.apiconfigs.get', 'apigateway.gateways.get', 'resourcemanager.projects.get', 'serviceusage.services.list'],
  'roles/monitoring.viewer': ['monitoring.alertPolicies.get', 'monitoring.dashboards.get', 'monitoring.notificationChannels.get', 'monitoring.uptimeCheckConfigs.get', 'resourcemanager.projects.get'],
  'roles/iam.securityReviewer': ['resourcemanager.projects.getIamPolicy', 'storage.buckets.getIamPolicy'],
  'roles/iam.serviceAccountViewer': ['iam.serviceAccounts.get', 'iam.serviceAccounts.getIamPolicy', 'resourcemanager.projects.get'],
  'roles/serviceusage.serviceUsageViewer': ['serviceusage.services.get', 'serviceusage.services.list'],
  // The reference's Service Usage page lists getKeyString in apiKeysViewer (so it reads the key string too).
  'roles/serviceusage.apiKeysViewer': ['apikeys.keys.get', 'apikeys.keys.getKeyString', 'apikeys.keys.list'],
  'roles/storage.objectViewer': ['storage.objects.get', 'storage.objects.list'],
  // Beta on the reference page; "excluding IAM policies" (those come with iam.securityReviewer).
  'roles/storage.bucketViewer': ['storage.buckets.get', 'storage.buckets.list'],
};

/** The permissions the table above gives a set of roles; a role missing from the table gives none. */
export const permissionsOf = (roles: readonly string[]): Set<string> => new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r] ?? []));
