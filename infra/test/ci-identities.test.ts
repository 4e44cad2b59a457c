/**
 * The deploy account's limits hold against what the platform stack really does: its delegated IAM
 * grant names exactly the project roles the synthesized platform stacks grant, and the only
 * accounts it may act as are the ones the platform's services run as.
 */
import { rolesOfGrantCondition } from '../constructs/delegated-grants';
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
});
