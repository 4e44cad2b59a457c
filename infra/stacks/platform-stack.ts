/**
 * One environment's Google Cloud platform: APIs, network, database, secrets, the inference
 * service, the API Gateway in front of it, and monitoring. State lives in the bootstrap bucket.
 */
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { GoogleBetaProvider } from '@cdktf/provider-google-beta/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Aspects, GcsBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config';
import { ApiGateway } from '../constructs/api-gateway';
import { Database } from '../constructs/database';
import { InferenceService } from '../constructs/inference-service';
import { Monitoring } from '../constructs/monitoring';
import { Network } from '../constructs/network';
import { ProjectApis, WaitForApis } from '../constructs/project-apis';
import { imageRepository } from './bootstrap-stack';

/** Write-only arguments (secret_data_wo, password_wo) need Terraform 1.11. */
export const REQUIRED_TERRAFORM = '>= 1.11';

export class PlatformStack extends TerraformStack {
  readonly network: Network;
  readonly database: Database;
  readonly inference: InferenceService;
  readonly gateway: ApiGateway;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    new GcsBackend(this, { bucket: config.stateBucket, prefix: `platform/${config.environment}` });
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM);
    new GoogleProvider(this, 'google', { project: config.projectId, region: config.region });
    const beta = new GoogleBetaProvider(this, 'google-beta', { project: config.projectId, region: config.region });
    new RandomProvider(this, 'random');
    new TimeProvider(this, 'time');

    const imageTag = new TerraformVariable(this, 'image_tag', {
      type: 'string',
      description: 'Tag of the service image in Artifact Registry; CI sets the commit SHA (TF_VAR_image_tag)',
      nullable: false,
    });
    const apis = new ProjectApis(this, 'apis', { project: config.projectId });
    Aspects.of(this).add(new WaitForApis(apis));
    this.network = new Network(this, 'network', { config });
    this.database = new Database(this, 'database', { config, network: this.network });
    this.inference = new InferenceService(this, 'inference', {
      config,
      network: this.network,
      database: this.database,
      imageRepository: imageRepository(config),
      imageTag: imageTag.stringValue,
    });
    this.gateway = new ApiGateway(this, 'gateway', { config, backend: this.inference, betaProvider: beta });
    this.monitoring = new Monitoring(this, 'monitoring', {
      config,
      serviceName: this.inference.serviceName,
      databaseInstance: this.database.instanceName,
      gatewayHost: this.gateway.hostname,
    });

    new TerraformOutput(this, 'gateway_url', { value: this.gateway.url, description: 'Public API base URL (API key required)' });
    new TerraformOutput(this, 'service_url', { value: this.inference.uri, description: 'Cloud Run URL; only the gateway may invoke it' });
    new TerraformOutput(this, 'api_key', { value: this.gateway.apiKey, sensitive: true, description: 'Newest API key, for the Pages Function' });
    new TerraformOutput(this, 'api_token', { value: this.inference.apiToken, sensitive: true, description: 'Newest bearer token, for the Pages Function' });
  }
}
