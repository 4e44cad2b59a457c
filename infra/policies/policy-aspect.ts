/** Runs every rule on every resource of a stack; any violation fails synthesis with the rule's message. */
import { Annotations, IAspect, TerraformResource, TerraformStack } from 'cdktf';
// The same resolver stack.toTerraform() uses, so rules see the JSON Terraform will get.
import { resolve } from 'cdktf/lib/_tokens';
import { IConstruct } from 'constructs';
import { API_CONSTRAINTS } from './api-constraints';
import { Config, PolicyContext, ResourceView, Rule, RULES } from './rules';

function viewOf(resource: TerraformResource): ResourceView {
  const rendered = resolve(TerraformStack.of(resource), resource.toTerraform()) as { resource: Record<string, Record<string, Config>> };
  const config = Object.values(rendered.resource[resource.terraformResourceType])[0];
  // Generated provider classes expose a getter for each attribute the schema has.
  const labelAttribute = 'userLabels' in resource ? 'user_labels' : 'labels' in resource ? 'labels' : undefined;
  return { type: resource.terraformResourceType, config, labelAttribute };
}

export class PolicyAspect implements IAspect {
  constructor(
    private readonly context: PolicyContext,
    private readonly rules: readonly Rule[] = [...RULES, ...API_CONSTRAINTS],
  ) {}

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node)) return;
    const view = viewOf(node);
    for (const rule of this.rules) {
      for (const message of rule.check(view, this.context)) Annotations.of(node).addError(`[${rule.id}] ${message}`);
    }
  }
}
