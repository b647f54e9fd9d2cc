import { Template } from 'aws-cdk-lib/assertions';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RateLimit, type WebhookGateway, type WebhookGatewayProps, WebhookSource } from 'aws-webhook-gateway';
import { shardOf } from '../../lib/private/naming';
import { WEBHOOK_STACK_COUNT } from '../../lib/private/webhook-stacks';
import { gatewayFixture, type Json, logicalIdOf, webhookStacks } from './helpers';

const SECRET_TYPES = new Set(['AWS::SecretsManager::Secret', 'Custom::WebhookGatewaySecret']);
const PREFIX = 'Test/Webhooks';

/** What must never change for a webhook that stays: read from the synthesized templates only. */
interface Placement {
  readonly nestedStack: string;
  readonly usagePlan: string;
  readonly apiKey: string;
  readonly usagePlanKey: string;
  readonly keyValue: string;
  readonly secrets: readonly string[];
}

function templates(gateway: WebhookGateway) {
  return webhookStacks(gateway).map((stack) => ({
    id: logicalIdOf(stack.nestedStackResource!),
    resources: Template.fromStack(stack).toJSON().Resources as Record<string, Json>,
  }));
}

/** Per webhook: its nested stack (logical id in the parent), the logical ids of its resources, key value and secret names. */
function placements(gateway: WebhookGateway): Map<string, Placement> {
  const found = new Map<string, Placement>();
  for (const { id, resources } of templates(gateway)) {
    for (const [planKeyId, planKey] of Object.entries(resources)) {
      if (planKey.Type !== 'AWS::ApiGateway::UsagePlanKey') continue;
      const keyId = planKey.Properties.KeyId.Ref as string;
      const key = resources[keyId];
      const name = /webhook "([^"]+)"/.exec(key.Properties.Description)![1]!;
      const secrets = Object.entries(resources)
        .filter(([, r]) => SECRET_TYPES.has(r.Type))
        .map(([secretId, r]) => [secretId, String(r.Properties.Name ?? r.Properties.SecretName)])
        .filter(([, secretName]) => secretName === `${PREFIX}/${name}` || secretName!.startsWith(`${PREFIX}/${name}/`))
        .map(([secretId, secretName]) => `${secretId}=${secretName}`)
        .sort();
      expect(found.has(name), `webhook ${name} has one usage-plan key`).toBe(false);
      found.set(name, {
        nestedStack: id,
        usagePlan: planKey.Properties.UsagePlanId.Ref,
        apiKey: keyId,
        usagePlanKey: planKeyId,
        keyValue: key.Properties.Value,
        secrets,
      });
    }
  }
  return found;
}

/** Every resource a resource waits for: DependsOn and Ref/GetAtt within its template. */
function dependenciesOf(resource: Json, ids: ReadonlySet<string>): string[] {
  const out = new Set<string>([resource.DependsOn ?? []].flat());
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const ref = (value as { Ref?: unknown }).Ref;
    const getAtt = (value as { 'Fn::GetAtt'?: unknown[] })['Fn::GetAtt'];
    if (typeof ref === 'string' && ids.has(ref)) out.add(ref);
    if (Array.isArray(getAtt) && ids.has(String(getAtt[0]))) out.add(String(getAtt[0]));
    Object.values(value).forEach(visit);
  };
  visit(resource.Properties);
  return [...out];
}

/**
 * The order CloudFormation must follow, across nested stacks: "a before b" when b waits for a.
 * A resource of a nested stack waits for whatever its nested stack resource waits for in the
 * parent, and a nested stack resource completes after every resource of its template.
 */
function createdBefore(f: ReturnType<typeof gatewayFixture>): (a: string, b: string) => boolean {
  const parent = Template.fromStack(f.stack).toJSON().Resources as Record<string, Json>;
  const parentIds = new Set(Object.keys(parent));
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(parent)) edges.set(id, dependenciesOf(resource, parentIds));
  for (const { id: stackId, resources } of templates(f.gateway)) {
    const ids = new Set(Object.keys(resources));
    const outer = edges.get(stackId)!;
    for (const [id, resource] of Object.entries(resources)) {
      edges.set(`${stackId}/${id}`, [...dependenciesOf(resource, ids).map((d) => `${stackId}/${d}`), ...outer]);
      outer.push(`${stackId}/${id}`);
    }
  }
  const reach = new Map<string, Set<string>>();
  const reachable = (from: string): Set<string> => {
    let seen = reach.get(from);
    if (seen) return seen;
    seen = new Set();
    const stack = [...(edges.get(from) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(edges.get(next) ?? []));
    }
    reach.set(from, seen);
    return seen;
  };
  return (a, b) => reachable(b).has(a);
}

/** Names that land in many different nested stacks. */
const spread = Array.from({ length: 40 }, (_, i) => `hook-${i}`);

describe('one chain of usage-plan keys', () => {
  it('puts every usage-plan key of the gateway on one dependency chain, across nested stacks', () => {
    const f = gatewayFixture();
    // Added in an order that visits nested stacks back and forth.
    for (const name of [...spread].reverse())
      f.gateway.addWebhook(name, { source: WebhookSource.github(), eventKey: "'x'" });
    const stacks = webhookStacks(f.gateway);
    expect(stacks.length).toBeGreaterThan(8);
    const before = createdBefore(f);
    const all = [...placements(f.gateway).entries()].map(([name, p]) => ({
      name,
      planKey: `${p.nestedStack}/${p.usagePlanKey}`,
      creates: [`${p.nestedStack}/${p.usagePlan}`, `${p.nestedStack}/${p.apiKey}`],
    }));
    expect(all).toHaveLength(spread.length);
    for (const a of all) {
      for (const b of all) {
        if (a === b) continue;
        const ordered = before(a.planKey, b.planKey) || before(b.planKey, a.planKey);
        expect(ordered, `usage-plan keys of ${a.name} and ${b.name} are ordered`).toBe(true);
        // Plans and keys are created one webhook at a time too (CreateApiKey: 5 per second per account).
        for (const create of a.creates) {
          expect(before(create, b.planKey) || before(b.planKey, create), `${create} and ${b.name}`).toBe(true);
        }
      }
    }
    // The nested stacks themselves deploy one after another, in index order.
    const parent = Template.fromStack(f.stack).toJSON().Resources as Record<string, Json>;
    const ids = stacks
      .sort((a, b) => a.node.id.localeCompare(b.node.id, 'en', { numeric: true }))
      .map((s) => logicalIdOf(s.nestedStackResource!));
    for (let i = 0; i < ids.length; i++) {
      const waitsFor = (parent[ids[i]!].DependsOn as string[]).filter((d) => ids.includes(d));
      expect(waitsFor).toEqual(i === 0 ? [] : [ids[i - 1]]);
    }
  });
});

describe('placement', () => {
  it('puts a webhook in the nested stack its name hashes to, whatever else the gateway has', () => {
    const alone = gatewayFixture();
    alone.gateway.addWebhook('stripe', { source: WebhookSource.stripe(), eventKey: "'s'" });
    const crowded = gatewayFixture({ defaultRateLimit: { rate: 7 } });
    for (const name of spread) crowded.gateway.addWebhook(name, { source: WebhookSource.github(), eventKey: "'x'" });
    crowded.gateway.addWebhook('stripe', {
      source: WebhookSource.stripe(),
      eventKey: "'other'",
      rateLimit: { rate: 1 },
    });
    const expected = `Webhooks${shardOf('stripe', WEBHOOK_STACK_COUNT)}`;
    expect(placements(alone.gateway).get('stripe')).toEqual(placements(crowded.gateway).get('stripe'));
    expect(webhookStacks(alone.gateway).map((s) => s.node.id)).toEqual([expected]);
  });

  it('fails synth on webhookStacks (from JavaScript), saying why placement is fixed', () => {
    const f = gatewayFixture({ webhookStacks: 4 } as WebhookGatewayProps);
    f.gateway.addWebhook('a', { source: WebhookSource.github(), eventKey: "'a'" });
    expect(() => f.app.synth()).toThrow(
      /webhookStacks is no longer a prop: a webhook's nested stack is a hash of its name over 16 fixed nested stacks, so adding, removing or reconfiguring webhooks never moves another one; remove webhookStacks/,
    );
  });
});

// A gateway's webhooks as the test changes them: name → options.
type Model = Map<string, { source: number; eventKey: string; rateLimit?: RateLimit }>;

/** Sources with the same secrets (one, the default), so a reconfigured webhook keeps its secret. */
const SOURCES = [
  () => WebhookSource.github(),
  () => WebhookSource.stripe(),
  () => WebhookSource.hmac({ header: 'x-signature' }),
  () => WebhookSource.slack(),
];

const name = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
const rateLimit = fc.option(
  fc.record(
    {
      rate: fc.integer({ min: 1, max: 500 }),
      burst: fc.integer({ min: 0, max: 1000 }),
      quota: fc.record({
        limit: fc.integer({ min: 1, max: 1_000_000 }),
        period: fc.constantFrom(Period.DAY, Period.WEEK, Period.MONTH),
      }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const options = fc.record({
  source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
  eventKey: fc.constantFrom("'a'", "'b:' + input.type"),
  rateLimit,
});
/** One deployment's worth of changes: webhooks added, removed and reconfigured at once. */
const change = fc.record({
  add: fc.uniqueArray(fc.tuple(name, options), { maxLength: 4, selector: ([n]) => n }),
  remove: fc.array(fc.nat(), { maxLength: 2 }),
  reconfigure: fc.array(fc.tuple(fc.nat(), options), { maxLength: 3 }),
  defaultRateLimit: rateLimit,
});

function synthesize(model: Model, defaultRateLimit: RateLimit | undefined) {
  const f = gatewayFixture({ ...(defaultRateLimit && { defaultRateLimit }) });
  for (const [webhook, o] of model) {
    f.gateway.addWebhook(webhook, {
      source: SOURCES[o.source]!(),
      eventKey: o.eventKey,
      ...(o.rateLimit && { rateLimit: o.rateLimit }),
    });
  }
  return placements(f.gateway);
}

describe('a webhook never moves (property)', () => {
  it('keeps every remaining webhook in the same nested stack, with the same logical ids, secret names and key value', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, options), { minLength: 1, maxLength: 6, selector: ([n]) => n }),
        change,
        (initial, next) => {
          const before: Model = new Map(initial.map(([n, o]) => [n, o]));
          const after: Model = new Map(before);
          const names = [...before.keys()];
          for (const i of next.remove) after.delete(names[i % names.length]!);
          for (const [i, o] of next.reconfigure) {
            const target = names[i % names.length]!;
            if (after.has(target)) after.set(target, o);
          }
          for (const [n, o] of next.add) if (!before.has(n)) after.set(n, o);
          const was = synthesize(before, undefined);
          const is = synthesize(after, next.defaultRateLimit ?? undefined);
          expect([...was.keys()].sort()).toEqual([...before.keys()].sort());
          expect([...is.keys()].sort()).toEqual([...after.keys()].sort());
          for (const [webhook, placement] of was) {
            if (is.has(webhook)) expect(is.get(webhook), webhook).toEqual(placement);
          }
        },
      ),
      { seed: 20_260_917, numRuns: 6 },
    );
  });
});
