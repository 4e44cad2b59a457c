/**
 * Builds the CDKTF app: for each environment, bootstrap-<env>, platform-<env> and edge-<env>,
 * each guarded by the policy aspect. INFRA_ENV (or the cdktf context "env") picks one
 * environment; without it every environment under infra/environments is synthesized.
 */
import { App, Aspects } from 'cdktf';
import { EnvironmentConfig, isProduction, listEnvironments, loadEnvironment } from './config';
import { PolicyAspect } from './policies/policy-aspect';
import { BootstrapStack } from './stacks/bootstrap-stack';
import { EdgeStack } from './stacks/edge-stack';
import { PlatformStack } from './stacks/platform-stack';

export interface EnvironmentStacks {
  bootstrap: BootstrapStack;
  platform: PlatformStack;
  edge: EdgeStack;
}

export function addEnvironment(app: App, config: EnvironmentConfig): EnvironmentStacks {
  const env = config.environment;
  const bootstrap = new BootstrapStack(app, `bootstrap-${env}`, config);
  const platform = new PlatformStack(app, `platform-${env}`, config);
  const edge = new EdgeStack(app, `edge-${env}`, config, { gatewayUrl: platform.gateway.url });
  edge.addDependency(platform);
  for (const stack of [bootstrap, platform, edge]) {
    Aspects.of(stack).add(new PolicyAspect({ app: config.app, environment: env, production: isProduction(config) }));
  }
  return { bootstrap, platform, edge };
}

export function selectedEnvironments(app: App, env = process.env.INFRA_ENV): string[] {
  const chosen = env ?? (app.node.tryGetContext('env') as string | undefined);
  return chosen ? [chosen] : listEnvironments();
}

export function buildApp(options: { outdir?: string; env?: string } = {}): App {
  const app = new App({ outdir: options.outdir, skipValidation: false });
  for (const env of selectedEnvironments(app, options.env)) addEnvironment(app, loadEnvironment(env));
  return app;
}
