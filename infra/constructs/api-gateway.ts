/**
 * API Gateway in front of the service (google-beta): the OpenAPI document generated from the
 * service's contract, a config id that changes with the document (created before the old one is
 * destroyed, so a change rolls without downtime), its own service account as the only invoker,
 * and an API key restricted to this API.
 */
import { ApikeysKey } from '@cdktf/provider-google/lib/apikeys-key';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { DataGoogleServiceAccount } from '@cdktf/provider-google/lib/data-google-service-account';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { GoogleApiGatewayApi } from '@cdktf/provider-google-beta/lib/google-api-gateway-api';
import { GoogleApiGatewayApiConfigA } from '@cdktf/provider-google-beta/lib/google-api-gateway-api-config';
import { GoogleApiGatewayGateway } from '@cdktf/provider-google-beta/lib/google-api-gateway-gateway';
import { GoogleBetaProvider } from '@cdktf/provider-google-beta/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig, labelsFor } from '../config';
import { documentHash, openApiDocument } from '../openapi';
import { runtimeAccountId } from '../runtime-accounts';
import type { InferenceService } from './inference-service';

export class ApiGateway extends Construct {
  readonly gateway: GoogleApiGatewayGateway;
  readonly apiKey: ApikeysKey;
  /** Created by the bootstrap stack, which lets the deploy account act as it and as no other account. */
  readonly serviceAccount: DataGoogleServiceAccount;
  readonly document: Record<string, unknown>;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, backend: InferenceService, beta: GoogleBetaProvider) {
    super(scope, id);
    const prefix = `${config.app}-${config.environment}`;
    const labels = labelsFor(config);
    this.serviceAccount = new DataGoogleServiceAccount(this, 'identity', { accountId: runtimeAccountId(config, 'gateway'), project: config.projectId });
    new CloudRunV2ServiceIamMember(this, 'invoker', {
      name: backend.service.name,
      location: config.region,
      role: 'roles/run.invoker',
      member: `serviceAccount:${this.serviceAccount.email}`,
    });

    const api = new GoogleApiGatewayApi(this, 'api', { provider: beta, apiId: prefix, displayName: `${prefix} inference API`, labels });
    const title = `${prefix} inference API`;
    this.document = openApiDocument({ address: backend.service.uri, deadlineSeconds: config.service.timeoutSeconds, title });
    const apiConfig = new GoogleApiGatewayApiConfigA(this, 'config', {
      provider: beta,
      api: api.apiId,
      apiConfigId: `${prefix}-${documentHash(config.service.timeoutSeconds, title)}`,
      labels,
      // JSON is YAML, so the document goes as openapi.yaml.
      openapiDocuments: [{ document: { path: 'openapi.yaml', contents: Fn.base64encode(Fn.jsonencode(this.document)) } }],
      gatewayConfig: { backendConfig: { googleServiceAccount: this.serviceAccount.email } },
      lifecycle: { createBeforeDestroy: true },
    });
    this.gateway = new GoogleApiGatewayGateway(this, 'gateway', { provider: beta, gatewayId: prefix, apiConfig: apiConfig.id, region: config.region, labels });

    const managed = new ProjectService(this, 'managed-service', { project: config.projectId, service: api.managedService, disableOnDestroy: false });
    this.apiKey = new ApikeysKey(this, 'key', {
      name: `${prefix}-pages`,
      displayName: `${prefix} upload page proxy`,
      restrictions: { apiTargets: [{ service: api.managedService }] },
      dependsOn: [managed],
    });
  }

  get url(): string {
    return `https://${this.gateway.defaultHostname}`;
  }
}
