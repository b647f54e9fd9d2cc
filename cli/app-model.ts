import { ENV } from '../lambdas/core/config/environment';
import type { GatewayConfig } from '../lambdas/core/config/webhook';
import { GATEWAY_OUTPUTS } from '../lib/outputs';
import type { AssemblyStack, Template } from './assembly';
import { CliError } from './errors';
import { didYouMean } from './suggest';
import { TemplateResolver } from './intrinsics';

/** The resource type of the gateway's config (lib/private/config-resource.ts). */
export const CONFIG_RESOURCE_TYPE = 'Custom::WebhookGatewayConfig';

/** A usage plan's throttle and quota, as API Gateway applies them per webhook. */
export interface PlanLimits {
  readonly rate?: number;
  readonly burst?: number;
  readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' };
}

/** One WebhookGateway of a synthesized app, found through its stack outputs (lib/outputs.ts). */
export interface GatewayModel {
  /** Output key prefix: the construct id without non-alphanumerics. */
  readonly id: string;
  readonly stack: AssemblyStack;
  /** The webhooks and routes, state machine ARNs resolved as local ARNs. */
  readonly config: GatewayConfig;
  /** Logical ids in the stack's template. */
  readonly logicalIds: {
    readonly configTable: string;
    readonly historyTable: string;
    readonly queue: string;
    readonly deadLetterQueue: string;
    readonly payloadBucket: string;
  };
  /** The ingest function's environment, unresolved (resolve with the local resources' names). */
  readonly ingestEnvironment: Readonly<Record<string, unknown>>;
  /** Per webhook, its usage plan's limits. */
  readonly limits: Readonly<Record<string, PlanLimits>>;
}

function refOf(value: unknown): string | undefined {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  return typeof ref === 'string' ? ref : undefined;
}

/** Every gateway of the app; fails with a one-line message when there is none. */
export function gatewaysOf(stacks: readonly AssemblyStack[]): GatewayModel[] {
  const gateways = stacks.flatMap((stack) => gatewaysOfStack(stack, stacks));
  if (gateways.length === 0) {
    throw new CliError(
      `the app defines no WebhookGateway (no stack has a ${CONFIG_RESOURCE_TYPE} resource and its outputs; a gateway with \`outputs: false\` cannot run locally)`,
    );
  }
  const seen = new Map<string, string>();
  for (const g of gateways) {
    for (const w of g.config.webhooks) {
      const other = seen.get(w.name);
      if (other)
        throw new CliError(
          `webhook "${w.name}" is defined by two gateways (${other}, ${g.stack.stackName}/${g.id}): the local gateway serves one path per name; pass --app with an app that defines it once`,
        );
      seen.set(w.name, `${g.stack.stackName}/${g.id}`);
    }
  }
  return gateways;
}

function gatewaysOfStack(stack: AssemblyStack, stacks: readonly AssemblyStack[]): GatewayModel[] {
  const { template } = stack;
  const outputs = template.Outputs ?? {};
  const resources = template.Resources ?? {};
  // Route targets may live in other stacks of the app.
  const resolver = new TemplateResolver(template, {}, stacks);
  const limits = planLimits([template, ...Object.values(stack.nested)]);
  const gateways: GatewayModel[] = [];
  for (const key of Object.keys(outputs)) {
    if (!key.endsWith(GATEWAY_OUTPUTS.apiUrl)) continue;
    const id = key.slice(0, -GATEWAY_OUTPUTS.apiUrl.length);
    const logical = (name: keyof typeof GATEWAY_OUTPUTS) => refOf(outputs[`${id}${GATEWAY_OUTPUTS[name]}`]?.Value);
    const configTable = logical('configTable');
    const historyTable = logical('historyTable');
    const queue = logical('queueUrl');
    const deadLetterQueue = logical('deadLetterQueueUrl');
    const payloadBucket = logical('payloadBucket');
    if (!configTable || !historyTable || !queue || !deadLetterQueue || !payloadBucket) continue;

    const configResource = Object.values(resources).find(
      (r) => r.Type === CONFIG_RESOURCE_TYPE && refOf(r.Properties?.ConfigTableName) === configTable,
    );
    if (!configResource) continue;
    const config = JSON.parse(String(resolver.resolve(configResource.Properties?.Config))) as GatewayConfig;
    const ingest = Object.values(resources).find((r) => {
      const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      return (
        r.Type === 'AWS::Lambda::Function' &&
        refOf(env?.[ENV.configTable]) === configTable &&
        env?.[ENV.queueUrl] !== undefined &&
        env?.[ENV.payloadBucket] !== undefined
      );
    });
    const ingestEnvironment =
      (ingest?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    gateways.push({
      id,
      stack,
      config,
      logicalIds: { configTable, historyTable, queue, deadLetterQueue, payloadBucket },
      ingestEnvironment,
      limits: Object.fromEntries(
        config.webhooks.map((w) => [w.name, (w.usageIdentifierKey && limits.get(w.usageIdentifierKey)) || {}]),
      ),
    });
  }
  return gateways;
}

/** Usage-plan limits by API key value: ApiKey (Value) ← UsagePlanKey → UsagePlan (Throttle, Quota). */
function planLimits(templates: readonly Template[]): Map<string, PlanLimits> {
  const byKey = new Map<string, PlanLimits>();
  for (const template of templates) {
    const resources = template.Resources ?? {};
    for (const link of Object.values(resources)) {
      if (link.Type !== 'AWS::ApiGateway::UsagePlanKey') continue;
      const key = resources[refOf(link.Properties?.KeyId) ?? ''];
      const plan = resources[refOf(link.Properties?.UsagePlanId) ?? ''];
      const value = key?.Properties?.Value;
      if (typeof value !== 'string' || !plan) continue;
      const throttle = plan.Properties?.Throttle as { RateLimit?: number; BurstLimit?: number } | undefined;
      const quota = plan.Properties?.Quota as { Limit?: number; Period?: string } | undefined;
      byKey.set(value, {
        ...(throttle?.RateLimit !== undefined && { rate: Number(throttle.RateLimit) }),
        ...(throttle?.BurstLimit !== undefined && { burst: Number(throttle.BurstLimit) }),
        ...(quota?.Limit !== undefined &&
          ['DAY', 'WEEK', 'MONTH'].includes(String(quota.Period)) && {
            quota: { limit: Number(quota.Limit), period: quota.Period as 'DAY' | 'WEEK' | 'MONTH' },
          }),
      });
    }
  }
  return byKey;
}

/** The gateway that defines `webhook`, or a one-line error naming the known webhooks. */
export function gatewayFor<G extends { config: GatewayConfig }>(gateways: readonly G[], webhook: string): G {
  const found = gateways.find((g) => g.config.webhooks.some((w) => w.name === webhook));
  if (found) return found;
  const known = gateways.flatMap((g) => g.config.webhooks.map((w) => w.name));
  throw new CliError(
    `unknown webhook "${webhook}"${didYouMean(webhook, known)}: ${known.length > 0 ? `the gateway has ${known.join(', ')}` : 'the gateway has no webhooks'}`,
  );
}
