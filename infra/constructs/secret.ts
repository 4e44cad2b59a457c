/**
 * A Secret Manager secret whose value is made in Terraform (never a literal), ephemeral, and written
 * write-only (secret_data_wo, Terraform ≥ 1.11): the version resource keeps no copy in state,
 * and refreshing it never reads the payload, so a plan needs no secretAccessor. Readers are
 * granted through grantSecretAccess; consumers pin `versionNumber`.
 */
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { Grantee, grantId } from './grantee';

export interface StoredSecretProps {
  /** The Secret Manager secret id. */
  secretId: string;
  /** The value: an ephemeral one (EphemeralPassword) or built from one; never a literal. */
  value: string;
  /**
   * Change it whenever `value` changes: Terraform cannot see a write-only value change, so this
   * number is what makes a new version. A whole number, or a Terraform expression that yields one.
   */
  valueVersion: number;
  labels: Record<string, string>;
}

export class StoredSecret extends Construct {
  readonly secret: SecretManagerSecret;
  readonly version: SecretManagerSecretVersion;

  constructor(scope: Construct, id: string, props: StoredSecretProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.valueVersion) && (!Number.isInteger(props.valueVersion) || props.valueVersion < 1)) throw new Error(`${this.node.path}: valueVersion must be a whole number from 1 (got ${props.valueVersion})`);
    this.secret = new SecretManagerSecret(this, 'secret', { secretId: props.secretId, replication: { auto: {} }, labels: props.labels });
    this.version = new SecretManagerSecretVersion(this, 'version', {
      secret: this.secret.id,
      secretDataWo: props.value,
      secretDataWoVersion: props.valueVersion,
      // secret_data_wo_version is immutable in the provider (magic-modules SecretVersion.yaml), so a
      // new value is a new version; the old one stays (ABANDON) so a revision still pinned to it
      // can start until it is retired, and a rollback to it works.
      deletionPolicy: 'ABANDON',
      lifecycle: { createBeforeDestroy: true },
    });
  }

  /** The secret's id, for a Cloud Run secret reference. */
  get secretId(): string {
    return this.secret.secretId;
  }

  /** The current version's number: pin consumers to it so a new value rolls them. */
  get versionNumber(): string {
    return this.version.version;
  }

  /** Lets a service account read this secret's values (and no other secret's). */
  grantSecretAccess(grantee: Grantee): SecretManagerSecretIamMember {
    return new SecretManagerSecretIamMember(this, grantId('reader', grantee), {
      secretId: this.secret.id,
      role: 'roles/secretmanager.secretAccessor',
      member: grantee.member,
    });
  }
}
