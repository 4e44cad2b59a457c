/**
 * The service accounts the platform's services run as. The bootstrap stack creates them (so the
 * deploy account needs no right to create or administer service accounts, and may act as these
 * two only); the platform stack looks them up by these ids.
 */
import { ConfigError, EnvironmentConfig } from './config';

export const RUNTIME_ACCOUNTS = {
  run: 'inference service (Cloud Run)',
  gateway: 'API Gateway backend identity',
} as const;
export type RuntimeAccount = keyof typeof RUNTIME_ACCOUNTS;

/** IAM's rule for a service-account id: 6 to 30 lower-case letters, digits and dashes, starting with a letter. */
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** <app>-<env>-<account>, refused with a sentence naming the fields when IAM would refuse it at apply. */
export function runtimeAccountId(config: EnvironmentConfig, account: RuntimeAccount): string {
  const id = `${config.app}-${config.environment}-${account}`;
  if (!ACCOUNT_ID.test(id)) {
    throw new ConfigError(`app "${config.app}" and environment "${config.environment}" make the service-account id ${id} (${id.length} characters); IAM takes 6 to 30: shorten app or environment`);
  }
  return id;
}
