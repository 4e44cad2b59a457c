/**
 * The CI identities' limits hold against what the platform stack really does: the deploy account's
 * delegated IAM grant names exactly the project roles the synthesized platform stacks grant, the
 * only accounts it may act as are the ones the platform's services run as, and the plan account,
 * which cannot read secret values, has none to read because every secret is written write-only.
 */
import { rolesOfGrantCondition } from '../constructs/delegated-grants';
import { PLAN_ROLES } from '../stacks/bootstrap-stack';
import { resources, synthEnvironment } from './synth';

describe.each(['dev', 'prod'])('%s', (env) => {
  const s = synthEnvironment(env);
  const bootstrap = s.json[`bootstrap-${env}`];
  const platform = s.json[`platform-${env}`];

  it('lets the deployer grant exactly the project roles the platform stack grants', () => {
    const [admin] = resources(bootstrap, 'google_project_iam_member').filter((m) => m.role === 'roles/resourcemanager.projectIamAdmin');
    const granted = [...new Set(resources(platform, 'google_project_iam_member').map((m) => m.role))].sort();
    expect(rolesOfGrantCondition(admin.condition.expression)).toEqual(granted);
  });

  it('creates the runtime accounts in the bootstrap stack only, and the platform runs as exactly those', () => {
    for (const stack of [`platform-${env}`, `edge-${env}`]) expect(resources(s.json[stack], 'google_service_account')).toEqual([]);
    const lookedUp = Object.values(platform.data?.google_service_account ?? {}).map((d) => d.account_id).sort();
    const actAs = resources(bootstrap, 'google_service_account_iam_member').filter((b) => b.role === 'roles/iam.serviceAccountUser');
    const created = Object.entries(bootstrap.resource.google_service_account);
    const actAsIds = actAs.map((b) => created.find(([name]) => b.service_account_id === `\${google_service_account.${name}.name}`)![1].account_id).sort();
    expect(lookedUp).toEqual([`inference-${env}-gateway`, `inference-${env}-run`]);
    expect(actAsIds).toEqual(lookedUp);
  });

  it('plans without reading a secret value: no stack writes a secret readably, and the plan account has no role that reads one', () => {
    for (const [id, tf] of Object.entries(s.json)) {
      const readable = resources(tf, 'google_secret_manager_secret_version').filter((v) => v.secret_data !== undefined || v.secret_data_wo === undefined);
      expect([id, readable]).toEqual([id, []]);
      expect([id, Object.keys(tf.data ?? {}).filter((t) => t.startsWith('google_secret_manager_secret_version'))]).toEqual([id, []]);
    }
    const planner = resources(bootstrap, 'google_project_iam_member').filter((m) => m.member === 'serviceAccount:${google_service_account.planner.email}');
    expect(planner.map((m) => m.role).sort()).toEqual([...PLAN_ROLES].sort());
    // The roles that carry secretmanager.versions.access: Secret Manager's secretAccessor and admin, and the basic owner and editor.
    const readers = ['roles/secretmanager.secretAccessor', 'roles/secretmanager.admin', 'roles/owner', 'roles/editor'];
    expect(planner.filter((m) => readers.includes(m.role))).toEqual([]);
  });
});
