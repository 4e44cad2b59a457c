/**
 * Cloud SQL for PostgreSQL on a private IP only, SSL required, backups with point-in-time
 * recovery, and the job-log database, user and connection URL (kept in Secret Manager).
 */
import { Password } from '@cdktf/provider-random/lib/password';
import { SqlDatabase } from '@cdktf/provider-google/lib/sql-database';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import { SqlUser } from '@cdktf/provider-google/lib/sql-user';
import { Construct } from 'constructs';
import { EnvironmentConfig, isProduction, labelsFor } from '../config';
import type { Network } from './network';
import { StoredSecret } from './secret';

export const DATABASE_NAME = 'inference';
export const DATABASE_USER = 'inference';

export class Database extends Construct {
  readonly instance: SqlDatabaseInstance;
  readonly url: StoredSecret;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, network: Network) {
    super(scope, id);
    const prefix = `${config.app}-${config.environment}`;
    const protect = config.database.deletionProtection || isProduction(config);
    this.instance = new SqlDatabaseInstance(this, 'instance', {
      name: `${prefix}-pg`,
      region: config.region,
      databaseVersion: config.database.version,
      deletionProtection: protect,
      dependsOn: [network.privateServices],
      settings: {
        tier: config.database.tier,
        edition: 'ENTERPRISE',
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
    });
    const database = new SqlDatabase(this, 'database', { name: DATABASE_NAME, instance: this.instance.name });
    const password = new Password(this, 'password', { length: 40, special: false });
    const user = new SqlUser(this, 'user', { name: DATABASE_USER, instance: this.instance.name, password: password.result });
    // The private address stays inside the VPC; ENCRYPTED_ONLY refuses unencrypted connections, and
    // no-verify encrypts without pinning Cloud SQL's per-instance CA in the image.
    this.url = new StoredSecret(this, 'url', {
      secretId: `${prefix}-database-url`,
      labels: labelsFor(config),
      value: `postgresql://${user.name}:${password.result}@${this.instance.privateIpAddress}:5432/${database.name}?sslmode=no-verify`,
    });
  }
}
