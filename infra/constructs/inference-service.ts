/**
 * The Cloud Run v2 service with its own service account: secrets as secret references, egress to
 * private ranges through the connector, probes on /readyz and /healthz, and no public invoker.
 */
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { DataGoogleServiceAccount } from '@cdktf/provider-google/lib/data-google-service-account';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { Password } from '@cdktf/provider-random/lib/password';
import { Construct } from 'constructs';
import { EnvironmentConfig, isProduction, labelsFor } from '../config';
import { runtimeAccountId } from '../runtime-accounts';
import type { Database } from './database';
import type { Network } from './network';
import { StoredSecret } from './secret';

export const SERVICE_ROLES = ['roles/cloudsql.client', 'roles/logging.logWriter', 'roles/monitoring.metricWriter', 'roles/cloudtrace.agent'] as const;

export interface InferenceServiceProps {
  config: EnvironmentConfig;
  network: Network;
  database: Database;
  /** Full image reference without the tag; CI supplies the tag. */
  imageRepository: string;
  imageTag: string;
}

export class InferenceService extends Construct {
  readonly service: CloudRunV2Service;
  /** Created by the bootstrap stack, which lets the deploy account act as it and as no other account. */
  readonly serviceAccount: DataGoogleServiceAccount;
  readonly apiToken: StoredSecret;

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `${config.app}-${config.environment}`;
    const labels = labelsFor(config);
    this.serviceAccount = new DataGoogleServiceAccount(this, 'identity', { accountId: runtimeAccountId(config, 'run'), project: config.projectId });
    const member = `serviceAccount:${this.serviceAccount.email}`;
    for (const role of SERVICE_ROLES) new ProjectIamMember(this, role.split('/')[1], { project: config.projectId, role, member });

    const token = new Password(this, 'api-token', { length: 48, special: false });
    this.apiToken = new StoredSecret(this, 'api-tokens', { secretId: `${prefix}-api-tokens`, value: token.result, labels });
    const secrets = { API_TOKENS: this.apiToken, DATABASE_URL: props.database.url };
    // Only its own secrets, and only to read them.
    const access = Object.entries(secrets).map(
      ([name, s]) => new SecretManagerSecretIamMember(this, `reads-${name.toLowerCase()}`, { secretId: s.secret.id, role: 'roles/secretmanager.secretAccessor', member }),
    );

    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: 8080 }, periodSeconds, failureThreshold, timeoutSeconds: 3 });
    this.service = new CloudRunV2Service(this, 'service', {
      name: prefix,
      location: config.region,
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: isProduction(config),
      labels,
      dependsOn: [...access, props.database.url.version, this.apiToken.version],
      template: {
        serviceAccount: this.serviceAccount.email,
        labels,
        maxInstanceRequestConcurrency: config.service.concurrency,
        timeout: `${config.service.timeoutSeconds}s`,
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        scaling: { minInstanceCount: config.service.minInstances, maxInstanceCount: config.service.maxInstances },
        vpcAccess: { connector: props.network.connector.id, egress: 'PRIVATE_RANGES_ONLY' },
        containers: [
          {
            image: `${props.imageRepository}:${props.imageTag}`,
            ports: { containerPort: 8080, name: 'http1' },
            resources: { limits: { cpu: config.service.cpu, memory: config.service.memory }, startupCpuBoost: true, cpuIdle: true },
            env: [
              ...Object.entries(secrets).map(([name, s]) => ({ name, valueSource: { secretKeyRef: { secret: s.secret.secretId, version: 'latest' } } })),
              { name: 'GOOGLE_CLOUD_PROJECT', value: config.projectId },
              { name: 'INFERENCE_THREADS', value: config.service.cpu },
              { name: 'LOG_LEVEL', value: 'info' },
            ],
            startupProbe: { ...probe('/readyz', 2, 30), initialDelaySeconds: 0 },
            livenessProbe: probe('/healthz', 15, 3),
          },
        ],
      },
    });
  }
}
