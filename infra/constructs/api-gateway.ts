/**
 * API Gateway in front of the service (google-beta): the OpenAPI document generated from the
 * service's contract, a config id that changes with the document (created before the old one is
 * destroyed, so a change rolls without downtime), its runtime account (the bootstrap's) as the only invoker,
 * and API keys restricted to this API, named by generation so a rotated key gets a fresh name.
 */
import { ApikeysKey } from '@cdktf/provider-google/lib/apikeys-key';
import { DataGoogleServiceAccount } from '@cdktf/provider-google/lib/data-google-service-account';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { GoogleApiGatewayApi } from '@cdktf/provider-google-beta/lib/google-api-gateway-api';
import { GoogleApiGatewayApiConfigA } from '@cdktf/provider-google-beta/lib/google-api-gateway-api-config';
import { GoogleApiGatewayGateway } from '@cdktf/provider-google-beta/lib/google-api-gateway-gateway';
import { GoogleBetaProvider } from '@cdktf/provider-google-beta/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig, labelsFor } from '../config';
import { apiKeyName, namePrefix, serviceAccountIds } from '../naming';
import { documentHash, openApiDocument } from '../openapi';
import type { InferenceService } from './inference-service';
import { liveGenerations } from './rotation';

export interface ApiGatewayProps {
  config: EnvironmentConfig;
  /** The service behind the gateway; the gateway's identity is granted its invoker role. */
  backend: InferenceService;
  /** API Gateway resources exist only in google-beta. */
  betaProvider: GoogleBetaProvider;
}

export class ApiGateway extends Construct {
  readonly gateway: GoogleApiGatewayGateway;
  /** Created by the bootstrap stack, which lets the deploy account act as it and as no other account. */
  readonly serviceAccount: DataGoogleServiceAccount;
  readonly document: Record<string, unknown>;
  /** API keys of the live generations, newest first. */
  readonly apiKeys: ApikeysKey[];

  constructor(scope: Construct, id: string, props: ApiGatewayProps) {
    super(scope, id);
    const { config, backend, betaProvider: provider } = props;
    const prefix = namePrefix(config);
    const labels = labelsFor(config);
    this.serviceAccount = new DataGoogleServiceAccount(this, 'identity', { accountId: serviceAccountIds(config).gateway, project: config.projectId });
    backend.grantInvoke(this.serviceAccount);

    const api = new GoogleApiGatewayApi(this, 'api', { provider, apiId: prefix, displayName: `${prefix} inference API`, labels });
    const title = `${prefix} inference API`;
    this.document = openApiDocument({ address: backend.uri, deadlineSeconds: config.service.timeoutSeconds, title });
    const apiConfig = new GoogleApiGatewayApiConfigA(this, 'config', {
      provider,
      api: api.apiId,
      apiConfigId: `${prefix}-${documentHash(config.service.timeoutSeconds, title)}`,
      labels,
      // JSON is YAML, so the document goes as openapi.yaml.
      openapiDocuments: [{ document: { path: 'openapi.yaml', contents: Fn.base64encode(Fn.jsonencode(this.document)) } }],
      gatewayConfig: { backendConfig: { googleServiceAccount: this.serviceAccount.email } },
      lifecycle: { createBeforeDestroy: true },
    });
    this.gateway = new GoogleApiGatewayGateway(this, 'gateway', { provider, gatewayId: prefix, apiConfig: apiConfig.id, region: config.region, labels });

    // The API is a service of its own that keys can be restricted to once it is enabled.
    const managed = new ProjectService(this, 'managed-service', { project: config.projectId, service: api.managedService, disableOnDestroy: false });
    this.apiKeys = liveGenerations(config.secrets.apiKey).map(
      (g) =>
        new ApikeysKey(this, `key-g${g}`, {
          name: apiKeyName(config, g),
          displayName: `${prefix} upload page proxy (generation ${g})`,
          restrictions: { apiTargets: [{ service: api.managedService }] },
          dependsOn: [managed],
        }),
    );
  }

  get url(): string {
    return `https://${this.gateway.defaultHostname}`;
  }

  get hostname(): string {
    return this.gateway.defaultHostname;
  }

  /** The newest key's resource name (projects/…/locations/global/keys/…), for `gcloud services api-keys get-key-string`. */
  get apiKeyId(): string {
    return this.apiKeys[0].id;
  }
}
