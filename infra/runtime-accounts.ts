/**
 * The service accounts the platform's services run as. The bootstrap stack creates them (so the
 * deploy account needs no right to create or administer service accounts, and may act as these
 * two only); the platform stack looks them up by these ids.
 */
import { EnvironmentConfig } from './config';

export const RUNTIME_ACCOUNTS = {
  run: 'inference service (Cloud Run)',
  gateway: 'API Gateway backend identity',
} as const;
export type RuntimeAccount = keyof typeof RUNTIME_ACCOUNTS;

/** <app>-<env>-<role>; a service-account id has at most 30 characters (config.ts holds app and env short enough). */
export const runtimeAccountId = (config: EnvironmentConfig, account: RuntimeAccount) => `${config.app}-${config.environment}-${account}`;
