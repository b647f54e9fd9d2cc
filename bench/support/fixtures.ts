// The two deliveries the ingest benchmarks time, signed by the providers' own libraries, and the
// webhooks that receive them, bound from the constructs' sources as the tests' profiles bind them.
import { createHash } from 'node:crypto';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, SQSEvent } from 'aws-lambda';
import { toRecord } from '../../cli/local/dispatch-loop';
import type { QueueEntry } from '../../lambdas/adapters/ports';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { githubExample } from '../../test/events/fixtures/github';
import { paymentIntentEvent } from '../../test/events/fixtures/stripe';
import { authorizerEvent as authorizerRequest } from '../../test/support/api-event';
import { PROFILES, secretStrings, toApiEvent, webhookConfig, type Profile } from '../../test/support/schemes';

export const STANDARD_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Handle';
export const EXPRESS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Audit';

const stripe = new Stripe('sk_test_bench');

function profile(name: string): Profile & { secret: string } {
  const found = PROFILES.find((p) => p.name === name);
  const secret = found?.secrets['default'];
  if (!found || typeof secret !== 'string') throw new Error(`bench setup: no ${name} profile with a string secret`);
  return { ...found, secret };
}

/** A Stripe event as Stripe sends it: pretty-printed JSON (about 1.9 KB); `id` makes a new delivery. */
export function stripeBody(id?: string): Buffer {
  const event = paymentIntentEvent('payment_intent.succeeded', { amount: 4200 });
  return Buffer.from(JSON.stringify(id === undefined ? event : { ...event, id }, null, 2));
}

/**
 * A GitHub push of many commits (the push event's 20-commit cap applies to timeline events, not to
 * webhook deliveries), compact JSON as GitHub sends it, grown from @octokit/webhooks-examples' push
 * to at least `bytes`: distinct ids, messages and file lists per commit.
 */
export function githubPushBody(bytes = 100 * 1024): Buffer {
  const push = structuredClone(githubExample('push')) as Record<string, unknown> & {
    commits: Record<string, unknown>[];
    ref: string;
  };
  const template = push.commits[0] ?? (push['head_commit'] as Record<string, unknown>);
  if (!template) throw new Error('bench setup: the push example has no commit to copy');
  push.ref = 'refs/heads/main';
  const commits: Record<string, unknown>[] = [];
  for (let i = 0; JSON.stringify({ ...push, commits }).length < bytes; i++) {
    const id = createHash('sha1').update(`commit ${i}`).digest('hex');
    commits.push({
      ...template,
      id,
      tree_id: createHash('sha1').update(`tree ${i}`).digest('hex'),
      message: `Change ${i}: tighten the retry policy of the billing worker\n\nSigned-off-by: Codertocat <21031067+Codertocat@users.noreply.github.com>`,
      url: `https://github.com/Codertocat/Hello-World/commit/${id}`,
      added: [`src/feature-${i}/index.ts`],
      modified: [`src/billing/worker.ts`, `test/billing/worker-${i}.test.ts`],
      removed: [],
    });
  }
  return Buffer.from(JSON.stringify({ ...push, commits, head_commit: commits[commits.length - 1] }));
}

/** One signed delivery: the API Gateway event the handler gets, and what the comparison verifiers get. */
export interface Delivery {
  readonly name: string;
  readonly body: Buffer;
  readonly secret: string;
  readonly event: APIGatewayProxyEvent;
  readonly webhook: WebhookConfig;
  readonly routes: readonly RouteConfig[];
  /** Secrets Manager values (SecretId → SecretString) of the webhook. */
  readonly secrets: Readonly<Record<string, string>>;
}

/**
 * A signed request to the profile's webhook, bound as the constructs bind it, with two CEL
 * expressions (event key and scope) and one route with a CEL filter.
 */
function delivery(
  p: Profile & { secret: string },
  parts: {
    body: Buffer;
    headers: [string, string][];
    expressions: WebhookConfig['expressions'];
    route: Pick<RouteConfig, 'id' | 'eventKeyPattern' | 'filter'>;
  },
): Delivery {
  const webhook: WebhookConfig = { ...webhookConfig(p, 1024 * 1024), expressions: parts.expressions };
  const routes: RouteConfig[] = [{ ...parts.route, webhook: p.name, target: { arn: STANDARD_ARN, type: 'STANDARD' } }];
  const event = toApiEvent(p.name, {
    method: 'POST',
    headers: parts.headers,
    body: parts.body,
    query: [],
    base64: true,
  });
  return { name: p.name, body: parts.body, secret: p.secret, event, webhook, routes, secrets: secretStrings([p]) };
}

/** The ~2 KB Stripe event to a Stripe webhook. */
export function stripeDelivery(now: Date, eventId?: string): Delivery {
  const p = profile('stripe');
  const body = stripeBody(eventId);
  const header = stripe.webhooks.generateTestHeaderString({
    payload: body.toString('utf8'),
    secret: p.secret,
    timestamp: Math.floor(now.getTime() / 1000),
  });
  return delivery(p, {
    body,
    headers: [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['User-Agent', 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'],
      ['Stripe-Signature', header],
    ],
    expressions: { eventKey: "'stripe:' + input.type", scope: 'input.data.object.id' },
    route: {
      id: 'large-payments',
      eventKeyPattern: 'stripe:payment_intent.*',
      filter: 'input.data.object.amount > 1000',
    },
  });
}

/** The ~100 KB push to a GitHub webhook. */
export async function githubDelivery(): Promise<Delivery> {
  const p = profile('github');
  const body = githubPushBody();
  return delivery(p, {
    body,
    headers: [
      ['Content-Type', 'application/json'],
      ['User-Agent', 'GitHub-Hookshot/044aadd'],
      ['X-GitHub-Event', 'push'],
      ['X-GitHub-Delivery', '72d3162e-cc78-11e3-81ab-4c9367dc0958'],
      ['X-Hub-Signature-256', await octokitSign(p.secret, body.toString('utf8'))],
    ],
    expressions: { eventKey: "'github:' + headers['x-github-event']", scope: 'input.repository.full_name' },
    route: { id: 'branch-pushes', eventKeyPattern: 'github:push', filter: "input.ref.startsWith('refs/heads/')" },
  });
}

/** The providers' own verifiers over the same bytes, each signed by its library. */
export async function providerVerifiers(body: Buffer, now: Date) {
  const text = body.toString('utf8');
  const stripeSecret = 'whsec_bench_0123456789abcdef';
  const stripeHeader = stripe.webhooks.generateTestHeaderString({
    payload: text,
    secret: stripeSecret,
    timestamp: Math.floor(now.getTime() / 1000),
  });
  const whsec = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const standard = new StandardWebhook(whsec);
  const standardHeaders = {
    'webhook-id': 'msg_bench',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': standard.sign('msg_bench', new Date(), text),
  };
  const githubSecret = 'github-bench-secret';
  const githubSignature = await octokitSign(githubSecret, text);
  return {
    constructEvent: () => stripe.webhooks.constructEvent(text, stripeHeader, stripeSecret),
    standardVerify: () => standard.verify(text, standardHeaders),
    octokitVerify: () => octokitVerify(githubSecret, text, githubSignature),
  };
}

/** The SQS event the dispatcher gets for one queued entry, as Lambda's event source mapping builds it. */
export function sqsEventFor(entry: QueueEntry): SQSEvent {
  const message = {
    MessageId: 'm-1',
    ReceiptHandle: 'r-1',
    Body: JSON.stringify(entry.message),
    Attributes: { MessageGroupId: entry.groupId, MessageDeduplicationId: entry.deduplicationId },
  };
  return { Records: [toRecord(message, 'arn:aws:sqs:us-east-1:123456789012:events.fifo')] };
}

/** The REQUEST authorizer's event for a delivery's path. */
export function authorizerEvent(delivery: Delivery): APIGatewayRequestAuthorizerEvent {
  return authorizerRequest(
    delivery.webhook.name,
    delivery.event.requestContext as unknown as APIGatewayRequestAuthorizerEvent['requestContext'],
  );
}
