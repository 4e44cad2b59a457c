/**
 * A password Terraform generates on every run and never stores: an `ephemeral "random_password"`
 * block (random provider ≥ 3.7, Terraform ≥ 1.10), for write-only arguments (secret_data_wo,
 * password_wo), which accept ephemeral values and keep nothing in state or plan
 * (https://developer.hashicorp.com/terraform/language/resources/ephemeral). A fresh value is
 * generated each run; the resource it feeds writes it only when its *_wo_version changes.
 *
 * CDKTF 0.21 has no class for ephemeral blocks, so this writes the block with a stack override. In
 * .tf.json each top-level block type is a property of the root object and each label one level of
 * nesting, as for `resource` (https://developer.hashicorp.com/terraform/language/syntax/json,
 * "JSON File Structure"):
 * `{"ephemeral": {"random_password": {"<name>": {...}}}}`, referred to as
 * `ephemeral.random_password.<name>.result`.
 */
import { ref, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';

export const EPHEMERAL_PASSWORD_TYPE = 'random_password';

export interface EphemeralPasswordProps {
  /** Characters, 1 or more (random_password's length). */
  length: number;
  /**
   * Whether punctuation may appear.
   * @default false: the value goes into URLs and comma-separated lists unescaped
   */
  special?: boolean;
}

export class EphemeralPassword extends Construct {
  /** The Terraform block's name: the construct path, unique in the stack. */
  readonly blockName: string;
  /** The generated value: usable only where Terraform accepts ephemeral values. */
  readonly result: string;

  constructor(scope: Construct, id: string, props: EphemeralPasswordProps) {
    super(scope, id);
    if (!Number.isInteger(props.length) || props.length < 1) throw new Error(`${this.node.path}: length must be a whole number from 1 (got ${props.length})`);
    const stack = TerraformStack.of(this);
    this.blockName = this.node.path.split('/').slice(1).join('_');
    stack.addOverride(`ephemeral.${EPHEMERAL_PASSWORD_TYPE}.${this.blockName}`, { length: props.length, special: props.special ?? false });
    this.result = Token.asString(ref(`ephemeral.${EPHEMERAL_PASSWORD_TYPE}.${this.blockName}.result`, stack));
  }
}
