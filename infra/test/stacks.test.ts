/** Every stack of both example environments, asserted resource by resource on the synthesized JSON. */
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector';
import { Testing } from 'cdktf';
import 'cdktf/lib/testing/adapters/jest';
import { ROUTES } from '../../service/src/http/contract';
import { documentHash, openApiDocument } from '../openapi';
import { rolesOfGrantCondition } from '../constructs/delegated-grants';
import { DELEGATED_PROJECT_ROLES, DEPLOY_ROLES, PLAN_ROLES } from '../stacks/bootstrap-stack';
import { PLATFORM_APIS } from '../constructs/project-apis';
import { resources, synthEnvironment, Synthesized } from './synth';

Testing.setupJest();

const environments: Record<string, Synthesized> = { dev: synthEnvironment('dev'), prod: synthEnvironment('prod') };
const EACH = Object.keys(environments);
const allMembers = (s: Synthesized) =>
  Object.values(s.json).flatMap((tf) => Object.entries(tf.resource).flatMap(([type, byId]) => Object.values(byId).map((r) => ({ type, ...r }))));

describe.each(EACH)('bootstrap-%s', (env) => {
  const s = environments[env];
  const tf = s.json[`bootstrap-${env}`];
  const text = s.text[`bootstrap-${env}`];
  /** The project-level grants to one of this stack's service accounts. */
  const members = (account: string) => resources(tf, 'google_project_iam_member').filter((m) => m.member === `serviceAccount:\${google_service_account.${account}.email}`);

  it('keeps its own state in .bootstrap-state/ (outside cdktf.out) and makes a private, versioned state bucket', () => {
    expect(tf.terraform.backend).toEqual({ local: { path: `../../../.bootstrap-state/bootstrap-${env}.tfstate` } });
    expect(text).toHaveResourceWithProperties(StorageBucket, {
      name: s.config.stateBucket,
      versioning: { enabled: true },
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      force_destroy: false,
    });
    expect(text).toHaveResourceWithProperties(ArtifactRegistryRepository, { format: 'DOCKER', repository_id: 'inference', docker_config: { immutable_tags: true } });
  });

  it('moves its state into its own bucket once the config says so', () => {
    const moved = synthEnvironment(env, (c) => ({ ...c, bootstrapState: 'bucket' }));
    expect(moved.json[`bootstrap-${env}`].terraform.backend).toEqual({ gcs: { bucket: s.config.stateBucket, prefix: `bootstrap/${env}` } });
  });

  it('trusts GitHub OIDC tokens of the configured repository by its immutable ids, the deployer from the GitHub environment, the planner from pull requests', () => {
    expect(text).toHaveResourceWithProperties(IamWorkloadIdentityPoolProvider, {
      oidc: { issuer_uri: 'https://token.actions.githubusercontent.com' },
      attribute_condition: 'assertion.repository_id == "812345678" && assertion.repository_owner_id == "91234567"',
    });
    const [provider] = resources(tf, 'google_iam_workload_identity_pool_provider');
    expect(provider.attribute_mapping).toEqual({
      'google.subject': 'assertion.sub',
      'attribute.repository_id': 'assertion.repository_id',
      'attribute.repository_owner_id': 'assertion.repository_owner_id',
    });
    const wif = resources(tf, 'google_service_account_iam_member').filter((b) => b.role === 'roles/iam.workloadIdentityUser');
    expect(wif.map((b) => [b.service_account_id, b.member])).toEqual([
      ['${google_service_account.deployer.name}', `principal://iam.googleapis.com/\${google_iam_workload_identity_pool.github-pool.name}/subject/repo:acme/tabular-inference-platform:environment:${env}`],
      ['${google_service_account.planner.name}', 'principal://iam.googleapis.com/${google_iam_workload_identity_pool.github-pool.name}/subject/repo:acme/tabular-inference-platform:pull_request'],
    ]);
  });

  it('gives the deploy account its job’s roles, Project IAM Admin only for the platform’s grants, and actAs on the runtime accounts only', () => {
    const deployer = members('deployer');
    expect(deployer.filter((m) => !m.condition).map((m) => m.role).sort()).toEqual([...DEPLOY_ROLES].sort());
    const conditioned = deployer.filter((m) => m.condition);
    expect(conditioned.map((m) => m.role).sort()).toEqual(['roles/resourcemanager.projectIamAdmin', 'roles/storage.admin']);
    const iamAdmin = conditioned.find((m) => m.role === 'roles/resourcemanager.projectIamAdmin')!;
    expect(rolesOfGrantCondition(iamAdmin.condition.expression).sort()).toEqual([...DELEGATED_PROJECT_ROLES].sort());
    const iamRoles = deployer.map((m) => m.role);
    for (const wide of ['roles/iam.serviceAccountAdmin', 'roles/iam.serviceAccountUser', 'roles/iam.serviceAccountTokenCreator', 'roles/owner', 'roles/editor']) {
      expect(iamRoles).not.toContain(wide);
    }
    const actAs = resources(tf, 'google_service_account_iam_member').filter((b) => b.role === 'roles/iam.serviceAccountUser');
    expect(actAs.map((b) => [b.service_account_id, b.member]).sort()).toEqual([
      ['${google_service_account.runtime-gateway.name}', 'serviceAccount:${google_service_account.deployer.email}'],
      ['${google_service_account.runtime-run.name}', 'serviceAccount:${google_service_account.deployer.email}'],
    ]);
    expect(resources(tf, 'google_service_account').map((a) => a.account_id).sort()).toEqual(['github-deploy', 'github-plan', `inference-${env}-gateway`, `inference-${env}-run`]);
  });

  it('gives the plan account read-only roles that never read a secret’s value, and outputs the GitHub settings', () => {
    const roles = members('planner').map((m) => m.role).sort();
    expect(roles).toEqual([...PLAN_ROLES].sort());
    expect(roles.some((r) => /admin|writer|editor|secretAccessor|serviceConsumer|owner/i.test(r))).toBe(false);
    expect(resources(tf, 'google_project_iam_member').filter((m) => m.role === 'roles/secretmanager.secretAccessor')).toEqual([]);
    const state = resources(tf, 'google_storage_bucket_iam_member').map((m) => [m.role, m.member]).sort();
    expect(state).toEqual([
      ['roles/storage.objectAdmin', 'serviceAccount:${google_service_account.deployer.email}'],
      ['roles/storage.objectViewer', 'serviceAccount:${google_service_account.planner.email}'],
    ]);
    expect(Object.keys(tf.output!).sort()).toEqual(['deploy_service_account', 'image_repository', 'plan_service_account', 'state_bucket', 'workload_identity_provider']);
  });
});

describe.each(EACH)('platform-%s', (env) => {
  const s = environments[env];
  const tf = s.json[`platform-${env}`];
  const text = s.text[`platform-${env}`];
  const prod = env === 'prod';
  const [service] = resources(tf, 'google_cloud_run_v2_service');
  // The runtime accounts are the bootstrap stack's; the platform looks them up.
  const runSa = '${data.google_service_account.inference_identity';

  it('keeps state in the bootstrap bucket and enables the APIs it uses', () => {
    expect(tf.terraform.backend.gcs).toEqual({ bucket: s.config.stateBucket, prefix: `platform/${env}` });
    expect(resources(tf, 'google_project_service').map((p) => p.service)).toEqual(expect.arrayContaining([...PLATFORM_APIS]));
    expect(resources(tf, 'google_project_service').every((p) => p.disable_on_destroy === false)).toBe(true);
  });

  it('builds a custom-mode VPC with private services access and a connector', () => {
    expect(resources(tf, 'google_compute_network')[0]).toMatchObject({ auto_create_subnetworks: false });
    expect(resources(tf, 'google_compute_global_address')[0]).toMatchObject({ purpose: 'VPC_PEERING', address_type: 'INTERNAL' });
    expect(resources(tf, 'google_service_networking_connection')[0]).toMatchObject({ service: 'servicenetworking.googleapis.com' });
    expect(text).toHaveResourceWithProperties(VpcAccessConnector, { ip_cidr_range: '10.8.0.0/28', region: s.config.region });
  });

  it('runs Cloud SQL on a private IP only, SSL required, with backups, PITR, maintenance and insights', () => {
    // Nested blocks compared partially (cdktf's matcher compares nested objects whole).
    expect(resources(tf, 'google_sql_database_instance')[0]).toMatchObject({
      database_version: s.config.database.version,
      deletion_protection: prod,
      settings: {
        tier: s.config.database.tier,
        availability_type: prod ? 'REGIONAL' : 'ZONAL',
        deletion_protection_enabled: prod,
        ip_configuration: { ipv4_enabled: false, ssl_mode: 'ENCRYPTED_ONLY' },
        backup_configuration: { enabled: true, point_in_time_recovery_enabled: true },
        maintenance_window: { day: 7, hour: 19, update_track: 'stable' },
        insights_config: { query_insights_enabled: true },
      },
    });
    const [instance] = resources(tf, 'google_sql_database_instance');
    expect(instance.settings).toMatchObject({ edition: 'ENTERPRISE', disk_size: s.config.database.diskSizeGb, disk_autoresize: true });
    // Once auto-resize grows the disk, a plan must not try to shrink it back (a replacement).
    expect(instance.lifecycle).toEqual({ ignore_changes: ['settings[0].disk_size'] });
    expect(resources(tf, 'google_sql_database')[0]).toMatchObject({ name: 'inference' });
    const [user] = resources(tf, 'google_sql_user');
    expect(user.password).toBeUndefined();
    expect(user).toMatchObject({ password_wo: '${ephemeral.random_password.database_password.result}', password_wo_version: expect.stringMatching(/^\$\{parseint\(/) });
  });

  it('keeps the generated password and token in Secret Manager, readable only by the service account', () => {
    const versions = resources(tf, 'google_secret_manager_secret_version');
    expect(versions).toHaveLength(2);
    // Write-only: the value never reaches the version's state, and refresh never reads it.
    for (const v of versions) expect(v).toMatchObject({ secret_data_wo: expect.stringMatching(/ephemeral\.random_password\./), secret_data_wo_version: expect.anything() });
    for (const v of versions) expect(v.secret_data).toBeUndefined();
    expect(tf.terraform).toMatchObject({ required_version: '>= 1.11' });
    const access = resources(tf, 'google_secret_manager_secret_iam_member');
    expect(access.map((a) => [a.role, a.member.startsWith(runSa)])).toEqual([
      ['roles/secretmanager.secretAccessor', true],
      ['roles/secretmanager.secretAccessor', true],
    ]);
    const projectRoles = resources(tf, 'google_project_iam_member').map((m) => m.role).sort();
    expect(projectRoles).toEqual(['roles/cloudsql.client', 'roles/cloudtrace.agent', 'roles/logging.logWriter', 'roles/monitoring.metricWriter']);
  });

  it('runs the service with its own identity, secret refs, private egress, probes and the configured sizing', () => {
    expect(service).toMatchObject({
      location: s.config.region,
      deletion_protection: prod,
      template: {
        max_instance_request_concurrency: s.config.service.concurrency,
        timeout: `${s.config.service.timeoutSeconds}s`,
        scaling: { min_instance_count: s.config.service.minInstances, max_instance_count: s.config.service.maxInstances },
        vpc_access: { egress: 'PRIVATE_RANGES_ONLY' },
      },
    });
    const container = service.template.containers[0];
    expect(service.template.service_account).toMatch(/google_service_account\.inference_identity/);
    expect(container.image).toBe(`${s.config.region}-docker.pkg.dev/${s.config.projectId}/inference/service:\${var.image_tag}`);
    expect(container.resources).toMatchObject({ limits: { cpu: s.config.service.cpu, memory: s.config.service.memory }, startup_cpu_boost: true });
    expect(container.startup_probe.http_get.path).toBe('/readyz');
    expect(container.liveness_probe.http_get.path).toBe('/healthz');
    for (const probe of [container.startup_probe, container.liveness_probe]) expect(probe.period_seconds).toBeGreaterThanOrEqual(probe.timeout_seconds);
    const secretEnv = container.env.filter((e: any) => e.value_source).map((e: any) => [e.name, e.value_source.secret_key_ref.version]);
    // Pinned to the version Terraform wrote, never `latest`: a new value rolls a new revision.
    expect(secretEnv).toEqual([
      ['API_TOKENS', expect.stringMatching(/^\$\{google_secret_manager_secret_version\.inference_api-tokens_version_\w+\.version\}$/)],
      ['DATABASE_URL', expect.stringMatching(/^\$\{google_secret_manager_secret_version\.database_url_version_\w+\.version\}$/)],
    ]);
    expect(container.env.find((e: any) => e.name === 'API_TOKENS').value).toBeUndefined();
    expect(tf.variable).toHaveProperty('image_tag');
  });

  it('creates the service only after its secret grants have had time to propagate (Cloud Run checks access at deploy)', () => {
    const grants = Object.keys(tf.resource.google_secret_manager_secret_iam_member).map((name) => `google_secret_manager_secret_iam_member.${name}`);
    const sleeps = Object.entries(tf.resource.time_sleep ?? {});
    const waits = sleeps.filter(([name]) => service.depends_on.includes(`time_sleep.${name}`)).map(([, sleep]) => sleep);
    expect(waits).toHaveLength(1);
    expect(waits[0].depends_on).toEqual(expect.arrayContaining(grants));
    expect(parseInt(waits[0].create_duration, 10)).toBeGreaterThanOrEqual(60);
  });

  it('lets only the gateway invoke the service, and grants nothing to allUsers anywhere', () => {
    const invokers = resources(tf, 'google_cloud_run_v2_service_iam_member');
    expect(invokers.map((i) => [i.role, i.member])).toEqual([['roles/run.invoker', expect.stringMatching(/^\$\{data\.google_service_account\.gateway_identity_\w+\.member\}$/)]]);
    expect(JSON.stringify(allMembers(s))).not.toMatch(/allUsers|allAuthenticatedUsers/);
  });

  it('puts API Gateway (google-beta) in front, with a hash-named config rolled create-before-destroy and a restricted key', () => {
    for (const type of ['google_api_gateway_api', 'google_api_gateway_api_config', 'google_api_gateway_gateway']) {
      expect(resources(tf, type)[0].provider).toBe('google-beta');
    }
    const [config] = resources(tf, 'google_api_gateway_api_config');
    expect(config.api_config_id).toBe(`inference-${env}-${documentHash(s.config.service.timeoutSeconds, `inference-${env} inference API`)}`);
    expect(config.lifecycle).toEqual({ create_before_destroy: true });
    expect(config.gateway_config.backend_config.google_service_account).toMatch(/google_service_account\.gateway_identity/);
    const contents: string = config.openapi_documents[0].document.contents;
    expect(contents).toMatch(/^\$\{base64encode\(jsonencode\(/);
    expect(contents).toContain('"address" = google_cloud_run_v2_service.inference_service');
    expect(contents).toContain('"jwt_audience" = google_cloud_run_v2_service.inference_service');
    for (const route of ROUTES) expect(contents).toContain(`"${route.path}" = {`);
    const [key] = resources(tf, 'google_apikeys_key');
    expect(key.restrictions.api_targets[0].service).toMatch(/^\$\{google_api_gateway_api\.\w+\.managed_service\}$/);
    expect(resources(tf, 'google_project_service').some((p) => /google_api_gateway_api\.\w+\.managed_service/.test(p.service))).toBe(true);
  });

  it('alerts on latency, 5xx ratio, database CPU and disk with thresholds from config, and checks uptime through the gateway', () => {
    const policies = resources(tf, 'google_monitoring_alert_policy');
    const find = (name: string) => policies.find((p) => p.display_name.includes(name))!.conditions[0];
    expect(find('p95 latency').condition_threshold).toMatchObject({ threshold_value: s.config.alerts.p95LatencyMs, aggregations: [{ per_series_aligner: 'ALIGN_PERCENTILE_95' }] });
    expect(find('5xx ratio').condition_prometheus_query_language.query).toMatch(new RegExp(`response_code_class="5xx".* > ${s.config.alerts.errorRatio}$`));
    expect(find('Cloud SQL CPU').condition_threshold.threshold_value).toBe(s.config.alerts.databaseCpu);
    expect(find('Cloud SQL disk').condition_threshold.threshold_value).toBe(s.config.alerts.databaseDisk);
    expect(policies.every((p) => p.notification_channels[0].startsWith('${google_monitoring_notification_channel.'))).toBe(true);
    expect(resources(tf, 'google_monitoring_notification_channel')[0]).toMatchObject({ type: 'email', labels: { email_address: s.config.alerts.notificationEmail } });
    const [uptime] = resources(tf, 'google_monitoring_uptime_check_config');
    expect(uptime).toMatchObject({ http_check: { path: '/healthz', use_ssl: true }, monitored_resource: { type: 'uptime_url' } });
    expect(uptime.monitored_resource.labels.host).toMatch(/google_api_gateway_gateway\.\w+\.default_hostname/);
    const dashboard = JSON.parse(resources(tf, 'google_monitoring_dashboard')[0].dashboard_json);
    const titles = dashboard.mosaicLayout.tiles.map((t: any) => t.widget.title);
    expect(titles).toEqual(['Requests per second by response class', 'Latency p50 / p95 / p99 (ms)', 'Error ratio (5xx share of requests)', 'Instances', 'Cloud SQL CPU']);
  });

  it('outputs the gateway URL, and where the key and token are (not their values)', () => {
    expect(tf.output!.api_key_id.value).toMatch(/^\$\{google_apikeys_key\.[\w-]+\.id\}$/);
    expect(tf.output!.api_tokens_secret.value).toMatch(/^\$\{google_secret_manager_secret\.[\w-]+\.secret_id\}$/);
    expect(tf.output!.gateway_url.value).toMatch(/^https:\/\/\$\{google_api_gateway_gateway\.\w+\.default_hostname\}$/);
  });
});

describe.each(EACH)('edge-%s', (env) => {
  const s = environments[env];
  const tf = s.json[`edge-${env}`];
  const [project] = resources(tf, 'cloudflare_pages_project');

  it('reads the gateway URL from the platform stack state (cross-stack output wired)', () => {
    const [remote] = Object.values(tf.data!.terraform_remote_state);
    expect(remote).toMatchObject({ backend: 'gcs', config: { bucket: s.config.stateBucket, prefix: `platform/${env}` } });
    const url = project.deployment_configs.production.env_vars.API_URL;
    const output = url.value.match(/outputs\.([\w-]+)\}/)[1];
    expect(url).toMatchObject({ type: 'plain_text', value: expect.stringMatching(/^https:\/\/\$\{data\.terraform_remote_state\./) });
    expect(Object.keys(s.json[`platform-${env}`].output!)).toContain(output);
    expect(project.deployment_configs.preview.env_vars.API_URL).toEqual(url);
  });

  it('leaves the Pages secrets to wrangler by default, working around cloudflare 5.14', () => {
    expect(project.deployment_configs.production.env_vars).not.toHaveProperty('API_TOKEN');
    expect(project.lifecycle.ignore_changes).toContain('deployment_configs.production.env_vars["API_TOKEN"]');
    expect(project.deployment_configs.production.compatibility_date).toBe('2026-05-01');
  });

  it(env === 'prod' ? 'adds the custom domain and Zero Trust Access for the allowed email domains' : 'has no domain, and Access for the allowed email domain', () => {
    const apps = resources(tf, 'cloudflare_zero_trust_access_application');
    if (env !== 'prod') {
      expect(apps.map((a) => a.destinations.map((d: any) => d.uri))).toEqual([['inference-upload-dev.pages.dev', '*.inference-upload-dev.pages.dev']]);
      expect(resources(tf, 'cloudflare_zero_trust_access_policy')[0].include).toEqual([{ email_domain: { domain: 'example.com' } }]);
      expect(resources(tf, 'cloudflare_pages_domain')).toHaveLength(0);
      return;
    }
    expect(resources(tf, 'cloudflare_pages_domain')[0]).toMatchObject({ name: 'predict.example.com' });
    // The domain activates only once its CNAME exists: the zone is in the account, so the stack makes it.
    expect(resources(tf, 'cloudflare_dns_record')).toEqual([
      expect.objectContaining({ zone_id: s.config.edge.zoneId, name: 'predict.example.com', type: 'CNAME', proxied: true, content: expect.stringMatching(/^\$\{cloudflare_pages_project\.\w+\.subdomain\}$/) }),
    ]);
    expect(tf.output!.pages_url.value).toBe('https://predict.example.com');
    expect(tf.output).not.toHaveProperty('custom_domain_dns_record');
    expect(apps[0].destinations.map((d: any) => d.uri)).toEqual(['inference-upload.pages.dev', 'predict.example.com', '*.inference-upload.pages.dev']);
    const [policy] = resources(tf, 'cloudflare_zero_trust_access_policy');
    expect(policy).toMatchObject({ decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }, { email_domain: { domain: 'example.co.jp' } }] });
  });
});

describe('edge secrets written by Terraform (cloudflare provider 5.15 and later)', () => {
  it('carries the key and token as secret_text from its sensitive inputs', () => {
    const s = synthEnvironment('dev', (c) => ({ ...c, edge: { ...c.edge, secretsVia: 'terraform' } }));
    const [project] = resources(s.json['edge-dev'], 'cloudflare_pages_project');
    const vars = project.deployment_configs.production.env_vars;
    expect(vars.API_KEY).toEqual({ type: 'secret_text', value: '${var.pages_api_key}' });
    expect(vars.API_TOKEN).toEqual({ type: 'secret_text', value: '${var.pages_api_token}' });
    expect(project.lifecycle).toBeUndefined();
  });
});

describe('the OpenAPI document', () => {
  it('has every contract route with its method, the API key on authenticated ones, and the backend settings', () => {
    const doc = openApiDocument({ address: 'https://svc.run.app', deadlineSeconds: 300, title: 't' }) as any;
    const documented = Object.entries(doc.paths).flatMap(([path, methods]: [string, any]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of ROUTES) expect(doc.paths[r.path][r.method].security).toEqual(r.auth ? [{ api_key: [] }] : []);
    expect(doc['x-google-backend']).toEqual({ address: 'https://svc.run.app', jwt_audience: 'https://svc.run.app', deadline: 300, path_translation: 'APPEND_PATH_TO_ADDRESS' });
    const parameters = doc.paths['/v1/models/{name}/predict'].post.parameters;
    expect(parameters[0]).toEqual({ name: 'name', in: 'path', required: true, type: 'string' });
    // The query parameters the service reads (issue 16, and the CLI's pieces), optional, with their allowed values.
    expect(parameters.slice(1).map((p: { name: string; in: string }) => `${p.in} ${p.name}`)).toEqual(
      ['encoding', 'output_encoding', 'delimiter', 'sheet', 'header_row', 'format', 'filename', 'row_offset', 'batch', 'keep', 'pieces'].map((n) => `query ${n}`),
    );
    expect(parameters.find((p: { name: string }) => p.name === 'delimiter')).toMatchObject({ required: false, type: 'string', enum: ['auto', 'comma', 'tab', 'semicolon'] });
    expect(parameters.find((p: { name: string }) => p.name === 'row_offset')).toMatchObject({ in: 'query', required: false, type: 'integer', minimum: 0 });
    expect(doc.paths['/v1/predict'].post.consumes).toContain('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(documentHash(300, 't')).not.toBe(documentHash(301, 't'));
  });
});
