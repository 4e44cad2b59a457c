/** Enables the Google APIs the platform uses; everything else depends on this construct. */
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { Construct } from 'constructs';

export const PLATFORM_APIS = [
  'apigateway.googleapis.com', 'apikeys.googleapis.com', 'cloudresourcemanager.googleapis.com', 'compute.googleapis.com', 'iam.googleapis.com',
  'logging.googleapis.com', 'monitoring.googleapis.com', 'run.googleapis.com', 'secretmanager.googleapis.com', 'servicecontrol.googleapis.com',
  'servicemanagement.googleapis.com', 'servicenetworking.googleapis.com', 'sqladmin.googleapis.com', 'vpcaccess.googleapis.com',
] as const;

export class ProjectApis extends Construct {
  readonly services: ProjectService[];

  constructor(scope: Construct, id: string, project: string, apis: readonly string[] = PLATFORM_APIS) {
    super(scope, id);
    // disableOnDestroy false: destroying one stack must not switch off an API another still uses.
    this.services = apis.map((service) => new ProjectService(this, service.split('.')[0], { project, service, disableOnDestroy: false }));
  }
}
