/**
 * The Cloud Run v2 service, run as its runtime account (made by the bootstrap stack, looked up
 * here): secrets as references pinned to their versions, egress to private ranges through the
 * connector, probes on /readyz and /healthz, and no public invoker (grantInvoke names who may call it).
 */
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { DataGoogleServiceAccount } from '@cdktf/provider-google/lib/data-google-service-account';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Sleep } from '@cdktf/provider-time/lib/sleep';
import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig, isProduction, labelsFor } from '../config';
import { namePrefix, serviceAccountIds } from '../naming';
import type { Database } from './database';
import { EphemeralPassword } from './ephemeral-password';
import { Grantee, grantId } from './grantee';
import type { Network } from './network';
import type { ResultsBucket } from './results-bucket';
import { rotationVersion } from './rotation';
import { StoredSecret } from './secret';

export const SERVICE_ROLES = ['roles/cloudsql.client', 'roles/logging.logWriter', 'roles/monitoring.metricWriter', 'roles/cloudtrace.agent'] as const;

/**
 * Probe timings. Cloud Run's bounds (google.cloud.run.v2.Probe): period ≥ timeout; startup
 * period and initial delay ≤ 240 s, liveness ≤ 3600 s. /readyz answers from memory, so 1 s is
 * ample; the startup probe allows 2 s × 60 = 120 s for the models to load.
 */
export const PROBES = {
  startup: { path: '/readyz', periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 60, initialDelaySeconds: 0 },
  liveness: { path: '/healthz', periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 3 },
} as const;

export interface InferenceServiceProps {
  config: EnvironmentConfig;
  /** Egress to the database's private IP goes through its connector. */
  network: Network;
  /** Its connection URL secret becomes DATABASE_URL. */
  database: Database;
  /** Full image reference without the tag; CI supplies the tag. */
  imageRepository: string;
  imageTag: string;
  /**
   * The API_TOKENS value Secret Manager holds before this apply (newest first; empty on the first
   * apply), from an ephemeral input: the previous token is kept beside a new one during a rotation
   * without any token being stored in state.
   */
  currentApiTokens: string;
  /** Kept answers go here (RESULTS_BUCKET, RESULTS_RETENTION_DAYS); the service may create and read objects in it. */
  results: ResultsBucket;
  /**
   * How long to wait after granting secret access before creating the service, which checks
   * that access at deploy time. Google: access changes usually take effect within 2 minutes,
   * sometimes 7 or more (https://cloud.google.com/iam/docs/access-change-propagation).
   * @default '120s'
   */
  iamPropagation?: string;
}

export class InferenceService extends Construct {
  readonly service: CloudRunV2Service;
  /** Created by the bootstrap stack, which lets the deploy account act as it and as no other account. */
  readonly serviceAccount: DataGoogleServiceAccount;
  /** API_TOKENS: the live generations of the bearer token, comma-separated. */
  readonly apiTokens: StoredSecret;

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id);
    const { config } = props;
    const propagation = props.iamPropagation ?? '120s';
    if (!/^\d+[smh]$/.test(propagation)) throw new Error(`${this.node.path}: iamPropagation must be a duration such as 120s or 2m (got "${propagation}")`);
    const prefix = namePrefix(config);
    const labels = labelsFor(config);
    this.serviceAccount = new DataGoogleServiceAccount(this, 'identity', { accountId: serviceAccountIds(config).run, project: config.projectId });
    for (const role of SERVICE_ROLES) new ProjectIamMember(this, role.split('/')[1], { project: config.projectId, role, member: this.serviceAccount.member });

    // Tokens are generated ephemeral and never stored, so the previous one comes from Secret
    // Manager (props.currentApiTokens). A version is written only when the rotation step changes:
    // keeping the previous generation puts a new token before the current newest one; dropping it
    // leaves the current newest alone; a first or direct rotation starts with a new token.
    const fresh = new EphemeralPassword(this, 'api-token', { length: 48 }).result;
    const current = Fn.split(',', props.currentApiTokens);
    const newest = Fn.element(current, 0);
    const value = config.secrets.apiToken.keepPrevious
      ? `${fresh},${newest}`
      : Token.asString(Fn.conditional(Op.gt(Fn.lengthOf(current), 1), newest, fresh));
    this.apiTokens = new StoredSecret(this, 'api-tokens', {
      secretId: `${prefix}-api-tokens`,
      value,
      valueVersion: rotationVersion(config.secrets.apiToken),
      labels,
    });
    const secrets = { API_TOKENS: this.apiTokens, DATABASE_URL: props.database.url };
    // Only its own secrets, and only to read them.
    const access = [...Object.values(secrets).map((s) => s.grantSecretAccess(this.serviceAccount)), ...props.results.grantObjectCreateRead(this.serviceAccount)];
    const propagated = new Sleep(this, 'iam-propagation', {
      createDuration: propagation,
      dependsOn: access,
      // A changed grant waits again.
      triggers: Object.fromEntries(access.map((a) => [a.node.scope?.node.id ?? a.node.id, a.id])),
    });

    const { startup, liveness } = PROBES;
    const probe = ({ path, ...timing }: { path: string; periodSeconds: number; timeoutSeconds: number; failureThreshold: number }) => ({ httpGet: { path, port: 8080 }, ...timing });
    this.service = new CloudRunV2Service(this, 'service', {
      name: prefix,
      location: config.region,
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: isProduction(config),
      labels,
      dependsOn: [propagated],
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
              // Pinned versions, not `latest` (resolved only when an instance starts): a new
              // value changes the template, so Cloud Run rolls a revision that reads it.
              ...Object.entries(secrets).map(([name, s]) => ({ name, valueSource: { secretKeyRef: { secret: s.secretId, version: s.versionNumber } } })),
              { name: 'GOOGLE_CLOUD_PROJECT', value: config.projectId },
              { name: 'INFERENCE_THREADS', value: config.service.cpu },
              { name: 'LOG_LEVEL', value: 'info' },
              // Defence in depth: the service verifies the page users' Access assertions itself.
              ...(config.edge.accessAudience && config.edge.accessTeamDomain
                ? [
                    { name: 'ACCESS_TEAM_DOMAIN', value: config.edge.accessTeamDomain },
                    { name: 'ACCESS_AUD', value: config.edge.accessAudience },
                  ]
                : []),
              ...(config.edge.adminEmails.length ? [{ name: 'ADMIN_EMAILS', value: config.edge.adminEmails.join(',') }] : []),
              { name: 'RESULTS_BUCKET', value: props.results.name },
              { name: 'RESULTS_RETENTION_DAYS', value: String(props.results.retentionDays) },
            ],
            startupProbe: probe(startup),
            livenessProbe: probe(liveness),
          },
        ],
      },
    });
  }

  get serviceName(): string {
    return this.service.name;
  }

  /** The service's run.app URL. */
  get uri(): string {
    return this.service.uri;
  }

  /** Lets a service account call the service (roles/run.invoker on this service only). */
  grantInvoke(grantee: Grantee): CloudRunV2ServiceIamMember {
    return new CloudRunV2ServiceIamMember(this, grantId('invoker', grantee), {
      name: this.service.name,
      location: this.service.location,
      role: 'roles/run.invoker',
      member: grantee.member,
    });
  }
}
