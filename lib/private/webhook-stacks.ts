import { CfnResource, NestedStack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { Construct, IConstruct } from 'constructs';
import { type RateLimit, Webhook, type WebhookBinding } from '../webhook';
import { DEFAULTS } from './defaults';
import { limitsId } from './naming';

/** Limits after defaults: one usage plan per distinct set, shared by the webhooks of a nested stack. */
export interface PlanLimits {
  readonly rate: number;
  readonly burst: number;
  readonly quota?: { readonly limit: number; readonly period: apigw.Period };
}

/** A webhook's limits: its own, else the gateway's defaultRateLimit, field by field, else 100/s burst 200. */
export function resolveLimits(
  own: RateLimit | undefined,
  defaults: RateLimit | undefined,
): { limits: PlanLimits; windows?: RateLimit['windows'] } {
  const quota = own?.quota ?? defaults?.quota;
  const limits = {
    rate: own?.rate ?? defaults?.rate ?? DEFAULTS.rate,
    burst: own?.burst ?? defaults?.burst ?? DEFAULTS.burst,
    ...(quota ? { quota } : {}),
  };
  const windows = own?.windows ?? defaults?.windows;
  return windows ? { limits, windows } : { limits };
}

export function planLimitsId(limits: PlanLimits): string {
  return limitsId([limits.rate, limits.burst, limits.quota?.limit, limits.quota?.period]);
}

/**
 * A nested stack holding the per-webhook resources (secrets, API keys, usage-plan keys) and the
 * usage plans they use. Webhooks are spread over a fixed number of these by a hash of their name,
 * so no template nears CloudFormation's 500-resource limit and a webhook never moves.
 */
export class WebhookStack extends NestedStack {
  private readonly plans = new Map<string, apigw.UsagePlan>();
  private previous?: Webhook;

  constructor(
    scope: Construct,
    id: string,
    private readonly api: apigw.RestApi,
  ) {
    super(scope, id, { description: 'Webhook gateway: per-webhook secrets, usage plans and keys' });
    this.node.addValidation({ validate: () => this.checkBudget() });
  }

  /** The usage plan for these limits: throttle and quota apply per API key, so webhooks can share it. */
  planFor(limits: PlanLimits): apigw.UsagePlan {
    const id = planLimitsId(limits);
    let plan = this.plans.get(id);
    if (!plan) {
      const quota = limits.quota ? ` quota ${limits.quota.limit}/${limits.quota.period}` : '';
      plan = new apigw.UsagePlan(this, `Plan-${id}`, {
        description: `Webhooks limited to ${limits.rate}/s burst ${limits.burst}${quota}`,
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
        throttle: { rateLimit: limits.rate, burstLimit: limits.burst },
        quota: limits.quota ? { limit: limits.quota.limit, period: limits.quota.period } : undefined,
      });
      this.plans.set(id, plan);
    }
    return plan;
  }

  addWebhook(binding: WebhookBinding): Webhook {
    const webhook = new Webhook(this, binding);
    // API Gateway's control plane throttles key and plan-key creation: create them one at a time.
    if (this.previous) webhook.apiKey.node.addDependency(this.previous.usagePlanKey);
    this.previous = webhook;
    return webhook;
  }

  private checkBudget(): string[] {
    const count = countResources(this);
    return count > DEFAULTS.resourceBudget
      ? [
          `nested stack ${this.node.id} holds ${count} resources (CloudFormation allows 500): raise webhookStacks so that webhooks spread over more nested stacks`,
        ]
      : [];
  }
}

function countResources(root: IConstruct): number {
  let count = 0;
  const visit = (node: IConstruct) => {
    if (CfnResource.isCfnResource(node)) count++;
    for (const child of node.node.children) if (!(child instanceof NestedStack)) visit(child);
  };
  for (const child of root.node.children) visit(child);
  return count;
}
