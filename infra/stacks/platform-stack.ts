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
import { ResultsBucket } from '../constructs/results-bucket';
import { imageRepository } from './bootstrap-stack';

/** Write-only arguments (secret_data_wo, password_wo) need Terraform 1.11; ephemeral blocks and variables 1.10. */
export const REQUIRED_TERRAFORM = '>= 1.11';

/** The ephemeral input variable carrying the current API_TOKENS value (TF_VAR_api_tokens_now). */
export const API_TOKENS_NOW = 'api_tokens_now';

export class PlatformStack extends TerraformStack {
  readonly network: Network;
  readonly database: Database;
  readonly results: ResultsBucket;
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
    // Ephemeral (Terraform ≥ 1.10): never written to state or plan. The deploy job reads it from
    // Secret Manager (.github/scripts/api-tokens-now.sh); plans pass "" (they write nothing).
    const currentApiTokens = new TerraformVariable(this, API_TOKENS_NOW, {
      type: 'string',
      description: 'The API_TOKENS value Secret Manager holds now, newest first; "" before the first apply (TF_VAR_api_tokens_now)',
      nullable: false,
      sensitive: true,
    });
    currentApiTokens.addOverride('ephemeral', true);
    const apis = new ProjectApis(this, 'apis', { project: config.projectId });
    Aspects.of(this).add(new WaitForApis(apis));
    this.network = new Network(this, 'network', { config });
    this.database = new Database(this, 'database', { config, network: this.network });
    this.results = new ResultsBucket(this, 'results', { config });
    this.inference = new InferenceService(this, 'inference', {
      config,
      network: this.network,
      database: this.database,
      imageRepository: imageRepository(config),
      imageTag: imageTag.stringValue,
      currentApiTokens: currentApiTokens.stringValue,
      results: this.results,
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
    // Names, not values: whoever needs the key or token reads it from the API with its own rights.
    new TerraformOutput(this, 'api_key_id', { value: this.gateway.apiKeyId, description: 'Newest API key: gcloud services api-keys get-key-string <id>' });
    new TerraformOutput(this, 'api_tokens_secret', {
      value: this.inference.apiTokens.secretId,
      description: 'Bearer tokens, newest first: gcloud secrets versions access latest --secret=<name> | cut -d, -f1',
    });
  }
}
