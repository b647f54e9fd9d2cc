import { CfnResource, NestedStack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { Construct, IConstruct } from 'constructs';
import { type RateLimit, Webhook, type WebhookBinding } from '../webhook';
import { DEFAULTS } from './defaults';
import { shardOf } from './naming';

/**
 * How many nested stacks a gateway's webhooks are spread over. Fixed for the life of every gateway:
 * a webhook's nested stack is a hash of its name modulo this, so changing it would move webhooks,
 * which CloudFormation cannot do (it creates the same secret name and key value in the new nested
 * stack before deleting them from the old one). 16 × 450 resources at about 4 per webhook: room
 * for well over 1,000 webhooks, beyond API Gateway's usage-plan quota.
 */
export const WEBHOOK_STACK_COUNT = 16;

/** Limits after defaults: the throttle and quota of the webhook's own usage plan. */
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

/**
 * A nested stack holding the per-webhook resources (secrets, usage plan, API key, usage-plan key).
 * A webhook's nested stack is a hash of its name over a fixed number of them, so it never moves.
 */
export class WebhookStack extends NestedStack {
  readonly index: number;
  private readonly webhooks: Webhook[] = [];

  constructor(scope: Construct, index: number) {
    super(scope, `Webhooks${index}`, { description: 'Webhook gateway: per-webhook secrets, usage plans and keys' });
    this.index = index;
    this.node.addValidation({ validate: () => this.checkBudget() });
  }

  /** The webhooks of this nested stack, in the order they were added. */
  get members(): readonly Webhook[] {
    return this.webhooks;
  }

  addWebhook(binding: WebhookBinding): Webhook {
    const webhook = Webhook._create(this, binding);
    const previous = this.webhooks.at(-1);
    if (previous) webhook._createAfter(previous);
    this.webhooks.push(webhook);
    return webhook;
  }

  private checkBudget(): string[] {
    const count = countResources(this);
    if (count <= DEFAULTS.resourceBudget) return [];
    const names = this.webhooks.map((w) => w.name).join(', ');
    return [
      `nested stack ${this.node.id} would hold ${count} resources (CloudFormation allows 500; the gateway keeps ${DEFAULTS.resourceBudget}): its webhooks (${names}) are placed there by a hash of their names, which never changes so that no webhook ever moves between nested stacks; add further webhooks to another WebhookGateway`,
    ];
  }
}

/**
 * The nested stacks of a gateway, created where a webhook lands. API Gateway runs one
 * CreateUsagePlanKey at a time per account and region (concurrent calls fail with 409), so every
 * webhook's plan, key and plan key are created one webhook after another: in a nested stack in the
 * order the webhooks were added, and nested stacks one after another in index order.
 */
export class WebhookStacks {
  private readonly stacks = new Map<number, WebhookStack>();

  constructor(
    private readonly scope: Construct,
    /** Called with each new nested stack (e.g. so that the config waits for it). */
    private readonly created: (stack: WebhookStack) => void,
  ) {}

  /** Every nested stack, in index order (the order CloudFormation deploys them in). */
  get all(): WebhookStack[] {
    return [...this.stacks.values()].sort((a, b) => a.index - b.index);
  }

  /** The nested stack of a webhook: a hash of its name alone. */
  stackFor(name: string): WebhookStack {
    const index = shardOf(name, WEBHOOK_STACK_COUNT);
    let stack = this.stacks.get(index);
    if (!stack) {
      stack = new WebhookStack(this.scope, index);
      this.stacks.set(index, stack);
      this.chain(stack);
      this.created(stack);
    }
    return stack;
  }

  /** Puts a new nested stack between its neighbours in index order: each waits for the one before. */
  private chain(stack: WebhookStack): void {
    const ordered = this.all;
    const at = ordered.indexOf(stack);
    const before = ordered[at - 1];
    const after = ordered[at + 1];
    if (before) resourceOf(stack).addResourceDependency(resourceOf(before));
    if (after) {
      if (before) resourceOf(after).removeResourceDependency(resourceOf(before));
      resourceOf(after).addResourceDependency(resourceOf(stack));
    }
  }
}

function resourceOf(stack: NestedStack): CfnResource {
  return stack.nestedStackResource!;
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
