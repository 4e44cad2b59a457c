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
  ...page('storage', ['objectAdmin', 'objectViewer']),
  ...page('vpcaccess', ['admin', 'viewer']),
];

const KNOWN = new Map(GCP_ROLES.map((e) => [e.role, e.page]));

/** The reference page of a catalogued role, or undefined for a role the catalogue does not know. */
export const rolePage = (role: string): string | undefined => KNOWN.get(role);

/** Every role named anywhere in a synthesized stack's JSON: bindings, members and IAM condition expressions. */
export const rolesIn = (terraformJson: string): string[] => [...new Set(terraformJson.match(/roles\/[A-Za-z0-9_.]+/g) ?? [])].sort();
