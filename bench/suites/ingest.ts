// The full ingest handler (API Gateway proxy event in, 202 out) on in-memory ports, side by side
// with the floor and the providers' own verifiers over the same bytes; the dispatcher per message
// and the authorizer per request.
import { createHmac } from 'node:crypto';
import { createAuthorizerHandler } from '../../lambdas/authorizer/handler';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { measure, measureInterleaved, pairedRatio, type Timing } from '../harness/measure';
import type { Suite, SuiteContext } from '../harness/suite';
import {
  authorizerEvent,
  githubDelivery,
  providerVerifiers,
  sqsEventFor,
  stripeDelivery,
  type Delivery,
} from '../support/fixtures';
import { memoryDispatcherDeps, memoryIngestDeps, nullTelemetry } from '../support/memory-ports';

export const TARGETS = {
  /** Handler ÷ stripe.webhooks.constructEvent on the 2 KB event. */
  vsConstructEvent: 2,
  /** Handler ÷ the floor on the 100 KB push. */
  vsFloor: 3,
} as const;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The handler on in-memory ports for one delivery; checks once that it answers 202 and queues a message. */
async function ingestHandler(delivery: Delivery, now: Date) {
  const memory = memoryIngestDeps({ webhooks: [delivery.webhook], routes: delivery.routes }, delivery.secrets, now);
  const handler = createIngestHandler(memory.deps);
  const first = await handler(delivery.event);
  const status = (JSON.parse(first.body) as { status?: string }).status;
  if (first.statusCode !== 202 || status !== 'accepted' || memory.queue.sent !== 1) {
    throw new Error(
      `bench setup: ${delivery.name} answered ${first.statusCode} ${first.body}, ${memory.queue.sent} messages queued`,
    );
  }
  return { run: () => handler(delivery.event), memory };
}

/** HMAC-SHA256 of the raw bytes and JSON.parse of them: what any verifying receiver must do at least. */
function floor(body: Buffer, secret: string) {
  return () => {
    const mac = createHmac('sha256', secret).update(body).digest();
    return [mac, JSON.parse(body.toString('utf8')) as unknown];
  };
}

async function side(ctx: SuiteContext, label: string, delivery: Delivery, now: Date) {
  const size = kb(delivery.body.length);
  const { run, memory } = await ingestHandler(delivery, now);
  const verifiers = await providerVerifiers(delivery.body, now);
  const entries: [string, () => unknown, string][] = [
    ['ingest handler', run, `${delivery.name} webhook, in-memory ports`],
    ['floor: HMAC-SHA256 + JSON.parse', floor(delivery.body, delivery.secret), 'node:crypto'],
    ['stripe.webhooks.constructEvent', verifiers.constructEvent, 'stripe 23'],
    ['standardwebhooks Webhook.verify', verifiers.standardVerify, 'standardwebhooks 1.1'],
    ['@octokit/webhooks-methods verify', verifiers.octokitVerify, 'octokit 6'],
  ];
  const timings = await measureInterleaved(
    entries.map(([, fn]) => fn),
    ctx.measureOptions,
  );
  entries.forEach(([name, , note], i) => {
    const us = timings[i]!.nsPerOp / 1000;
    ctx.add(`${name} (${label})`, us, 'µs', { note: `${note}, ${size}` });
    ctx.log(`  ${`${name} (${label}, ${size})`.padEnd(58)} ${us.toFixed(1).padStart(9)} µs`);
  });
  const [handler, floorTiming, construct] = timings as [Timing, Timing, Timing];
  return { handler, floor: floorTiming, construct, memory };
}

export const ingestSuite: Suite = {
  name: 'ingest',
  description:
    'the ingest handler (2 KB Stripe, 100 KB GitHub push) beside the floor and the providers’ verifiers; dispatcher; authorizer',
  async run(ctx) {
    const now = new Date();
    const stripe = stripeDelivery(now);
    const github = await githubDelivery();

    const small = await side(ctx, '2 KB Stripe', stripe, now);
    const large = await side(ctx, '100 KB push', github, now);
    if (large.memory.payloads.puts === 0)
      throw new Error('bench setup: the 100 KB push was not kept in the payload store');

    // Ratios of interleaved samples: both sides under the same moments of load.
    const vsConstruct = pairedRatio(small.handler, small.construct);
    const vsFloor = pairedRatio(large.handler, large.floor);
    ctx.add('handler ÷ constructEvent (2 KB Stripe)', vsConstruct, 'x', {
      target: { max: TARGETS.vsConstructEvent, why: 'the whole ingest within 2× what Stripe’s own verifier costs' },
    });
    ctx.add('handler ÷ floor (100 KB push)', vsFloor, 'x', {
      target: { max: TARGETS.vsFloor, why: 'a large body costs little more than hashing and parsing it' },
    });
    ctx.add('handler ÷ floor (2 KB Stripe)', pairedRatio(small.handler, small.floor), 'x');
    ctx.log(`  handler ÷ constructEvent, 2 KB: ${vsConstruct.toFixed(2)}× (target ≤ ${TARGETS.vsConstructEvent}×)`);
    ctx.log(`  handler ÷ floor, 100 KB:        ${vsFloor.toFixed(2)}× (target ≤ ${TARGETS.vsFloor}×)`);

    // The dispatcher on the message the ingest queued for the Stripe event, one message per invocation.
    const sqsEvent = sqsEventFor(small.memory.queue.lastEntries[0]!);
    const dispatcher = createDispatcher(memoryDispatcherDeps());
    const answer = await dispatcher(sqsEvent);
    if (answer.batchItemFailures.length > 0) throw new Error('bench setup: the dispatcher failed the message');
    const dispatch = await measure(() => dispatcher(sqsEvent), ctx.measureOptions);
    ctx.add('dispatcher per message', dispatch.nsPerOp / 1000, 'µs', { note: 'one start message, in-memory ports' });
    ctx.log(`  ${'dispatcher per message'.padEnd(58)} ${(dispatch.nsPerOp / 1000).toFixed(1).padStart(9)} µs`);

    const loaded = { config: stripe.webhook };
    const authorizer = createAuthorizerHandler({ webhook: () => Promise.resolve(loaded), log: nullTelemetry.log });
    const event = authorizerEvent(stripe);
    const allowed = await authorizer(event);
    if (allowed.policyDocument.Statement[0]?.Effect !== 'Allow') throw new Error('bench setup: the authorizer denied');
    const auth = await measure(() => authorizer(event), ctx.measureOptions);
    ctx.add('authorizer per request', auth.nsPerOp / 1000, 'µs', { note: 'config cached, as when warm' });
    ctx.log(`  ${'authorizer per request'.padEnd(58)} ${(auth.nsPerOp / 1000).toFixed(1).padStart(9)} µs`);

    ctx.detail('deliveries', { stripeBytes: stripe.body.length, githubBytes: github.body.length });
  },
};
