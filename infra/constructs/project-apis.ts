/** Enables the Google APIs a stack uses, and makes every resource of the stack wait for its own. */
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { IAspect, TerraformResource } from 'cdktf';
// What cdktf renders a `dependsOn` entry with: the bare address, as depends_on requires.
import { dependable } from 'cdktf/lib/tfExpression';
import { Construct, IConstruct } from 'constructs';
import { apisFor } from './api-requirements';

/**
 * APIs the platform enables for what runs in it rather than for a Terraform resource: no type in
 * API_REQUIREMENTS needs them, so each says why it is on.
 */
export const RUNTIME_APIS: Readonly<Record<string, string>> = {
  'logging.googleapis.com': 'the service writes its structured logs to Cloud Logging (roles/logging.logWriter, SERVICE_ROLES)',
};

export const PLATFORM_APIS = [
  'apigateway.googleapis.com', 'apikeys.googleapis.com', 'cloudresourcemanager.googleapis.com', 'compute.googleapis.com', 'iam.googleapis.com',
  'logging.googleapis.com', 'monitoring.googleapis.com', 'run.googleapis.com', 'secretmanager.googleapis.com', 'servicecontrol.googleapis.com',
  'servicemanagement.googleapis.com', 'servicenetworking.googleapis.com', 'sqladmin.googleapis.com', 'vpcaccess.googleapis.com',
] as const;

/**
 * Enabled first, and by hand (README "Setting up an environment"): every other enablement calls
 * Service Usage, and the provider's refresh of a google_project_service first reads the project
 * from Cloud Resource Manager (projects.get in resourceGoogleProjectServiceRead,
 * terraform-provider-google v6.50.0 google/services/resourcemanager/resource_google_project_service.go;
 * hashicorp/terraform-provider-google#11435), so neither can wait for itself in Terraform.
 * In this order: Cloud Resource Manager's own enablement goes through Service Usage.
 */
export const PREREQUISITE_APIS = ['serviceusage.googleapis.com', 'cloudresourcemanager.googleapis.com'] as const;

/** The runbook's command that enables PREREQUISITE_APIS before the first apply; a test finds it in the README. */
export const enablePrerequisitesCommand = (projectId: string): string => `gcloud services enable ${PREREQUISITE_APIS.join(' ')} --project=${projectId}`;

export interface ProjectApisProps {
  /** The project the APIs are enabled in. */
  project: string;
  /**
   * The APIs (service names such as run.googleapis.com) to enable.
   * @default PLATFORM_APIS
   */
  apis?: readonly string[];
}

export class ProjectApis extends Construct {
  readonly services: ProjectService[];
  private readonly byApi = new Map<string, ProjectService>();

  constructor(scope: Construct, id: string, props: ProjectApisProps) {
    super(scope, id);
    const apis = props.apis ?? PLATFORM_APIS;
    const unknown = apis.filter((api) => !/^[a-z][a-z0-9-]*\.googleapis\.com$/.test(api));
    if (unknown.length > 0) throw new Error(`${this.node.path}: apis must be service names such as run.googleapis.com (got ${unknown.join(', ')})`);
    // disableOnDestroy false: destroying one stack must not switch off an API another still uses.
    const enable = (service: string, after: ProjectService[]) => {
      const enabled = new ProjectService(this, service.split('.')[0], { project: props.project, service, disableOnDestroy: false, dependsOn: after.length > 0 ? after : undefined });
      this.byApi.set(service, enabled);
      return enabled;
    };
    // The prerequisites in their order, then every other API after all of them.
    const first: ProjectService[] = [];
    for (const api of PREREQUISITE_APIS.filter((a) => apis.includes(a))) first.push(enable(api, [...first]));
    this.services = [...first, ...apis.filter((api) => !this.byApi.has(api)).map((api) => enable(api, first))];
  }

  /** The enablement of an API in this construct, if this stack enables it. */
  enablementOf(api: string): ProjectService | undefined {
    return this.byApi.get(api);
  }
}

/**
 * Adds depends_on from each resource to the enablement of the APIs it calls (API_REQUIREMENTS),
 * where its stack enables them; APIs enabled by the bootstrap stack are there before any
 * other stack is applied. The bootstrap and platform stacks both carry it. A Google resource type
 * missing from the table fails synthesis, so a new resource cannot be added without saying which
 * API it needs. Data sources get no edge: depends_on would defer their read to apply, so the APIs
 * they read through are the bootstrap's (infra/test/api-dependencies.test.ts holds both).
 */
export class WaitForApis implements IAspect {
  constructor(private readonly apis: ProjectApis) {}

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node) || node.node.scope === this.apis) return;
    const needed = apisFor(node.terraformResourceType);
    if (!needed) {
      throw new Error(`${node.node.path}: ${node.terraformResourceType} is not in infra/constructs/api-requirements.ts; add the Google API it calls (or none) with its source`);
    }
    const waits = needed.map((api) => this.apis.enablementOf(api)).filter((s): s is ProjectService => s !== undefined);
    if (waits.length > 0) node.dependsOn = [...(node.dependsOn ?? []), ...waits.map(dependable)];
  }
}
