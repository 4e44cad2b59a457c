/** A Secret Manager secret with one version holding a value made in Terraform (never a literal). */
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version';
import { Construct } from 'constructs';

export class StoredSecret extends Construct {
  readonly secret: SecretManagerSecret;
  readonly version: SecretManagerSecretVersion;

  constructor(scope: Construct, id: string, props: { secretId: string; value: string; labels: Record<string, string> }) {
    super(scope, id);
    this.secret = new SecretManagerSecret(this, 'secret', { secretId: props.secretId, replication: { auto: {} }, labels: props.labels });
    this.version = new SecretManagerSecretVersion(this, 'version', { secret: this.secret.id, secretData: props.value });
  }
}
