/**
 * Cloud SQL for PostgreSQL on a private IP only, SSL required, backups with point-in-time
 * recovery, and the job-log database, user and connection URL (kept in Secret Manager).
 */
import { SqlDatabase } from '@cdktf/provider-google/lib/sql-database';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import { SqlUser } from '@cdktf/provider-google/lib/sql-user';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { EnvironmentConfig, isProduction, labelsFor } from '../config';
import { editionForTier } from '../sql-tiers';
import { namePrefix } from '../naming';
import { EphemeralPassword } from './ephemeral-password';
import type { Network } from './network';
import { StoredSecret } from './secret';

export const DATABASE_NAME = 'inference';
export const DATABASE_USER = 'inference';

/**
 * Auto-resize grows the disk past `disk_size`; without this, the next plan would shrink it back,
 * which Cloud SQL can only do by replacing the instance (provider doc, settings.disk_autoresize).
 */
export const DISK_SIZE_IGNORED = 'settings[0].disk_size';

export interface DatabaseProps {
  config: EnvironmentConfig;
  /** Its VPC and private services access: the instance has a private IP only. */
  network: Network;
}

export class Database extends Construct {
  readonly instance: SqlDatabaseInstance;
  /** The connection URL, with the generated password, for the service. */
  readonly url: StoredSecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { config, network } = props;
    const prefix = namePrefix(config);
    const protect = config.database.deletionProtection || isProduction(config);
    this.instance = new SqlDatabaseInstance(this, 'instance', {
      name: `${prefix}-pg`,
      region: config.region,
      databaseVersion: config.database.version,
      deletionProtection: protect,
      dependsOn: [network.privateServices],
      settings: {
        tier: config.database.tier,
        // The config refuses a tier no series has, so the tier always names its edition.
        edition: config.database.edition ?? editionForTier(config.database.tier)!,
        availabilityType: config.database.highAvailability ? 'REGIONAL' : 'ZONAL',
        diskSize: config.database.diskSizeGb,
        diskAutoresize: true,
        deletionProtectionEnabled: protect,
        userLabels: labelsFor(config),
        ipConfiguration: { ipv4Enabled: false, privateNetwork: network.network.id, sslMode: 'ENCRYPTED_ONLY' },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
          startTime: '18:00',
          transactionLogRetentionDays: Math.min(7, config.database.backupRetentionDays),
          backupRetentionSettings: { retainedBackups: config.database.backupRetentionDays, retentionUnit: 'COUNT' },
        },
        // Sunday 19:00 UTC is Monday 04:00 in Tokyo, the quietest hour for the business users.
        maintenanceWindow: { day: 7, hour: 19, updateTrack: 'stable' },
        insightsConfig: { queryInsightsEnabled: true, queryStringLength: 1024, recordApplicationTags: true, recordClientAddress: false },
        databaseFlags: [{ name: 'log_min_duration_statement', value: '1000' }],
      },
      lifecycle: { ignoreChanges: [DISK_SIZE_IGNORED] },
    });
    const database = new SqlDatabase(this, 'database', { name: DATABASE_NAME, instance: this.instance.name });
    const generation = config.secrets.databasePassword.generation;
    // Generated on every run and never stored; the user and the URL take it only when `version` changes.
    const password = new EphemeralPassword(this, 'password', { length: 40 });
    const address = this.instance.privateIpAddress;
    // The URL's parts: a new generation, or a replaced instance (new address), changes the version,
    // so the user gets a new password and the URL a new version with it, in the same apply.
    const version = urlVersion(generation, [DATABASE_USER, address, database.name]);
    const user = new SqlUser(this, 'user', {
      name: DATABASE_USER,
      instance: this.instance.name,
      passwordWo: password.result,
      passwordWoVersion: version,
      // Cloud SQL cannot delete a PostgreSQL user that owns objects (provider doc, sql_user deletion_policy).
      deletionPolicy: 'ABANDON',
    });
    // The private address stays inside the VPC; ENCRYPTED_ONLY refuses unencrypted connections, and
    // no-verify encrypts without pinning Cloud SQL's per-instance CA in the image.
    this.url = new StoredSecret(this, 'url', {
      secretId: `${prefix}-database-url`,
      labels: labelsFor(config),
      value: `postgresql://${user.name}:${password.result}@${address}:5432/${database.name}?sslmode=no-verify`,
      valueVersion: version,
    });
  }

  /** The instance name, for monitoring filters. */
  get instanceName(): string {
    return this.instance.name;
  }
}

/**
 * A write-only version number that changes with any of `parts` (known only at apply, such as the
 * instance address) and with the generation: the first 12 hex digits of their SHA-256, a whole
 * number below 2^48 (the provider's *_wo_version are integers).
 */
export function urlVersion(generation: number, parts: string[]): number {
  return Token.asNumber(Fn.parseint(Fn.substr(Fn.sha256(Fn.join('/', [`g${generation}`, ...parts])), 0, 12), 16));
}
