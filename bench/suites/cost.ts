// Cost per million deliveries at AWS list prices, from usage counted on the real adapters: the ingest
// and the dispatcher on local DynamoDB (dynalite, which reports consumed capacity) and SQS, Secrets
// Manager and Step Functions stubbed. Also the accept path's AWS round trips, as they ran.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { functionDefaults } from '../../lib/private/defaults';
import { testGateway } from '../../test/support/gateway';
import { startLocalAws, type LocalAws } from '../../test/support/local-aws';
import { RoundTripRecorder } from '../../test/support/round-trips';
import { costPerMillion, HOSTED, PRICES, sqsRequestsFor, totalUsd, type DeliveryUsage } from '../harness/cost';
import { measure, QUICK } from '../harness/measure';
import { stagesOf } from '../harness/stages';
import type { Suite } from '../harness/suite';
import { sqsEventFor, stripeDelivery } from '../support/fixtures';
import { memoryDispatcherDeps, memoryIngestDeps } from '../support/memory-ports';

/**
 * Assumed time of one AWS round trip from Lambda in the same region (DynamoDB, SQS, Step Functions):
 * not measured here (no AWS account), so the Lambda duration is CPU measured + round trips × this.
 */
export const ASSUMED_ROUND_TRIP_MS = 10;

interface Capacity {
  readonly command: string;
  readonly units: number;
}

const WRITES = /^(Put|Update|Delete|TransactWrite|BatchWrite)/;

/** Asks DynamoDB for the consumed capacity of every call of the client and records it. */
function recordCapacity(client: DynamoDBClient, into: Capacity[]): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>)['ReturnConsumedCapacity'] ??= 'TOTAL';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as { CapacityUnits?: number }[];
      const command = (context as { commandName?: string }).commandName ?? 'unknown';
      for (const c of list) into.push({ command, units: c.CapacityUnits ?? 0 });
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return client;
}

const sum = (capacity: readonly Capacity[], writes: boolean) =>
  capacity.filter((c) => WRITES.test(c.command) === writes).reduce((s, c) => s + c.units, 0);

export const costSuite: Suite = {
  name: 'cost',
  description: 'cost per million deliveries at us-east-1 list prices, beside a hosted gateway; accept-path round trips',
  async run(ctx) {
    const now = new Date();
    const template = stripeDelivery(now);
    const config = { webhooks: [template.webhook], routes: [...template.routes] };

    // CPU per delivery, in memory (the ingest suite times it properly; a short run suffices here).
    const memory = memoryIngestDeps(config, template.secrets, now);
    const ingest = createIngestHandler(memory.deps);
    const ingestCpu = await measure(() => ingest(template.event), QUICK);
    const entry = memory.queue.lastEntries[0]!;
    const messageBytes = Buffer.byteLength(JSON.stringify(entry.message));
    const dispatcher = createDispatcher(memoryDispatcherDeps());
    const sqsEvent = sqsEventFor(entry);
    const dispatchCpu = await measure(() => dispatcher(sqsEvent), QUICK);

    const local = await startLocalAws();
    try {
      const capacity: Capacity[] = [];
      const dispatcherCalls = new RoundTripRecorder();
      const measured: LocalAws = {
        ...local,
        dynamodb: recordCapacity(local.clients().dynamodb, capacity),
        clients: (options) => {
          const clients = local.clients(options);
          recordCapacity(clients.dynamodb, capacity);
          return clients;
        },
      };
      dispatcherCalls.attach('dynamodb', measured.dynamodb);
      const gw = await testGateway(measured, config, { secrets: template.secrets });

      // The first delivery fills the config and secret caches; the second is the steady state.
      const first = await gw.ingest(stripeDelivery(now, 'evt_cost_first').event);
      if (first.statusCode !== 202)
        throw new Error(`bench setup: first delivery answered ${first.statusCode} ${first.body}`);
      const coldCalls = gw.recorder.commands();
      await gw.dispatch();
      capacity.length = 0;
      gw.recorder.reset();
      dispatcherCalls.reset();

      const answer = await gw.ingest(stripeDelivery(now, 'evt_cost_second').event);
      if (answer.statusCode !== 202)
        throw new Error(`bench setup: delivery answered ${answer.statusCode} ${answer.body}`);
      const acceptCalls = [...gw.recorder.calls];
      const acceptStages = stagesOf(acceptCalls);
      const ingestCapacity = capacity.splice(0);
      const started = await gw.dispatch();
      const dispatchCapacity = capacity.splice(0);
      const dispatchStages = 1 + stagesOf(dispatcherCalls.calls).length; // StartExecution, then the history updates
      if (gw.sfn.started.length === 0)
        throw new Error(`bench setup: no execution started (${JSON.stringify(started)})`);

      const sends = acceptCalls.filter((c) => c.service === 'sqs').length;
      const ingestMs = ingestCpu.nsPerOp / 1e6 + acceptStages.length * ASSUMED_ROUND_TRIP_MS;
      const dispatchMs = dispatchCpu.nsPerOp / 1e6 + dispatchStages * ASSUMED_ROUND_TRIP_MS;
      const usage: DeliveryUsage = {
        apiGatewayRequests: 1,
        lambdas: [
          { name: 'ingest', invocations: 1, durationMs: ingestMs, memoryMb: functionDefaults('ingest').memorySize },
          // Worst case: one message per dispatcher invocation (a busy queue hands over batches of up to 10).
          {
            name: 'dispatcher',
            invocations: 1,
            durationMs: dispatchMs,
            memoryMb: functionDefaults('dispatcher').memorySize,
          },
        ],
        // The ingest's sends, then the event source mapping's receive and delete, one message each.
        sqsRequests: sends * sqsRequestsFor(messageBytes) + 2,
        writeRequestUnits: sum(ingestCapacity, true) + sum(dispatchCapacity, true),
        readRequestUnits: sum(ingestCapacity, false) + sum(dispatchCapacity, false),
        // Cached per instance (60 s): a fixed cost per warm instance, next to nothing per delivery.
        secretsManagerCalls: 0,
        // A one-state workflow: the gateway adds no state of its own to the user's workflow.
        standardTransitions: 1,
      };
      const lines = costPerMillion(usage);
      const express = costPerMillion({ ...usage, express: { durationMs: 100, memoryMb: 64 } });
      const total = totalUsd(lines);
      const expressTotal = totalUsd(express);

      ctx.add('AWS round trips on the accept path', acceptStages.length, 'count', {
        note: acceptStages.map((s) => s.join(' ∥ ')).join(' → '),
      });
      ctx.add('DynamoDB write units per delivery', usage.writeRequestUnits, 'count', {
        note: `ingest ${sum(ingestCapacity, true)}, dispatcher ${sum(dispatchCapacity, true)}`,
      });
      ctx.add('cost per million deliveries, Standard workflow', total, 'USD', {
        note: 'us-east-1 list prices, free tiers ignored',
      });
      const gatewayOnly = totalUsd(lines.filter((l) => !l.item.startsWith('Step Functions')));
      ctx.add('cost per million deliveries, the gateway alone', gatewayOnly, 'USD', {
        note: 'every line but the workflow (what a hosted gateway replaces)',
      });
      ctx.add('cost per million deliveries, Express workflow', expressTotal, 'USD', {
        note: '100 ms, 64 MB per execution',
      });
      for (const hosted of HOSTED)
        if (hosted.usdPerMillion !== undefined)
          ctx.add(`hosted: ${hosted.name} per million`, hosted.usdPerMillion, 'USD', { note: hosted.detail });

      ctx.log(
        `  accept path: ${acceptStages.length} round trips: ${acceptStages.map((s) => s.join(' ∥ ')).join(' → ')}`,
      );
      ctx.log(`  cold (first delivery of an instance): ${coldCalls.join(', ')}`);
      for (const l of lines)
        ctx.log(
          `  ${l.item.padEnd(52)} ${l.quantity.toExponential(2).padStart(9)} × $${l.unitUsd.toExponential(3)} = $${l.usd.toFixed(2)}`,
        );
      ctx.log(
        `  total per million (Standard workflow): $${total.toFixed(2)}; with an Express workflow: $${expressTotal.toFixed(2)}`,
      );
      for (const h of HOSTED) ctx.log(`  hosted: ${h.name}: ${h.detail}`);

      ctx.detail('acceptPath', { stages: acceptStages, coldCalls, dispatcherStages: dispatchStages });
      ctx.detail('usagePerDelivery', { ...usage, assumedRoundTripMs: ASSUMED_ROUND_TRIP_MS, messageBytes });
      ctx.detail('perMillion', { standard: lines, express, prices: PRICES, hosted: HOSTED });
    } finally {
      await local.stop();
    }
  },
};
