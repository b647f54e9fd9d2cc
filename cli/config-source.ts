import type { RouteConfig, WebhookConfig } from '../lambdas/core/config/webhook';
import { gatewayFor, gatewaysOf } from './app-model';
import { synthesize } from './assembly';
import { runningGateway, type LocalGatewayState } from './state';
import { resolveTarget, type Target, type TargetOptions } from './target';

export interface WebhookLookup {
  readonly config: WebhookConfig;
  /** Routes that can match the webhook's events, in configuration order (as the ingest loads them). */
  readonly routes: readonly RouteConfig[];
  /** `deployed` (the config table), `local` (the running local gateway) or `app` (synthesized now). */
  readonly from: 'deployed' | 'local' | 'app';
  /** The deployed target, when `from` is `deployed` (the caller closes it). */
  readonly target?: Target;
  /** The running local gateway, if there is one. */
  readonly local?: LocalGatewayState;
}

/** A gateway as the command line names it (see targetOptions): a deployed stack, `--app`, or the local gateway. */
export interface SourceOptions extends TargetOptions {
  /** The CDK app to synthesize, as the cdk CLI takes it. */
  readonly app?: string;
  readonly cwd: string;
  readonly signal: AbortSignal;
}

const routesOf = (routes: readonly RouteConfig[], name: string) =>
  routes.filter((r) => r.webhook === undefined || r.webhook === name);

/**
 * A webhook's config: with `--stack`, the deployed config table; with `--app`, that app
 * synthesized; otherwise the running local gateway's, or else cdk.json's app synthesized.
 */
export async function webhookSource(name: string, options: SourceOptions): Promise<WebhookLookup> {
  if (options.stack !== undefined) {
    const target = await resolveTarget(options);
    try {
      const found = await target.webhook(name);
      return { config: found.config, routes: found.routes, from: 'deployed', target };
    } catch (error) {
      target.close();
      throw error;
    }
  }
  const local = await runningGateway(options.stateDir);
  if (local && options.app === undefined) {
    const gateway = gatewayFor(local.gateways, name);
    const config = gateway.config.webhooks.find((w) => w.name === name)!;
    return { config, routes: routesOf(gateway.config.routes, name), from: 'local', local };
  }
  const stacks = await synthesize({
    cwd: options.cwd,
    signal: options.signal,
    ...(options.app !== undefined && { app: options.app }),
  });
  const gateway = gatewayFor(gatewaysOf(stacks), name);
  const config = gateway.config.webhooks.find((w) => w.name === name)!;
  return { config, routes: routesOf(gateway.config.routes, name), from: 'app', ...(local && { local }) };
}
