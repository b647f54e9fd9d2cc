import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { fromItem } from '../../lambdas/adapters/dynamodb-history';
import type { Telemetry } from '../../lambdas/adapters/ports';
import { replayDelivery, ReplayError } from '../../lambdas/ingest/replay';
import { HISTORY_ITEMS } from '../../lambdas/core/config/tables';
import type { IngestDeps } from '../../lambdas/ingest/pipeline';
import { COMMAND_SPECS, parse, required, targetOptions } from '../args';
import { CliError } from '../errors';
import { gatewayIngestDeps } from '../../lambdas/ingest/aws-deps';
import { executionLabel } from '../output';
import { resolveTarget, type Target, type TargetGateway } from '../target';
import type { CommandContext } from './context';

export const REPLAY_HELP = `webhook-gateway replay <webhook> <deliveryId> [--no-wait] [--json] [--app | --stack NAME [--region R]]

Re-enqueues a recorded delivery: its stored body runs through the current config's expressions and
routes again as a new delivery, <deliveryId>#replay-<n>, whose workflow input carries replayOf.
Works on the running local gateway or a deployed stack. Waits up to 15 s for its executions
unless --no-wait. --json prints one object: {"webhook", "replayOf", "deliveryId", "status",
"eventKey"?, "routes", "executions", "timedOut"?}.`;

const WAIT_MS = 15_000;

export async function replayCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.replay.options, ['webhook', 'deliveryId']);
  if (values.help) return ctx.help(REPLAY_HELP);
  const where = targetOptions(values, ctx);
  const webhook = required(positionals, 0, 'the webhook name: webhook-gateway replay <webhook> <deliveryId>');
  const deliveryId = required(positionals, 1, 'the delivery id: webhook-gateway replay <webhook> <deliveryId>');
  const target = await resolveTarget(where);
  try {
    const gateway = target.gatewayFor(webhook);
    let outcome;
    try {
      outcome = await replayDelivery(
        replayDeps(target, gateway, (t) => ctx.stderr.write(`${t}\n`)),
        webhook,
        deliveryId,
      );
    } catch (error) {
      if (error instanceof ReplayError) {
        throw new CliError(
          `${error.message} in ${target.label}: list its deliveries with webhook-gateway history ${webhook}`,
        );
      }
      throw error;
    }
    const routes = outcome.record.routes ?? [];
    const report = (executions: readonly string[], waited: boolean) => {
      const answer: ReplayAnswer = {
        webhook,
        replayOf: deliveryId,
        deliveryId: outcome.deliveryId,
        status: outcome.status,
        ...(outcome.record.eventKey !== undefined && { eventKey: outcome.record.eventKey }),
        routes,
        executions,
        ...(waited && executions.length < routes.length && { timedOut: true }),
      };
      ctx.stdout.write(`${JSON.stringify(answer)}\n`);
    };
    if (!values.json) {
      ctx.stdout.write(
        `replayed ${webhook} ${deliveryId} as ${outcome.deliveryId}: ${outcome.status}${outcome.record.eventKey ? ` (${outcome.record.eventKey})` : ''}${outcome.status === 'accepted' ? `, ${routes.length} route(s)` : ''}\n`,
      );
    }
    if (outcome.status !== 'accepted' || values['no-wait']) {
      if (values.json) report([], false);
      return 0;
    }
    const key = HISTORY_ITEMS.delivery(webhook, outcome.record.idempotencyKey!);
    const executions = await waitForExecutions(target, gateway, key, routes.length, ctx.signal);
    if (values.json) report(executions, true);
    else if (executions.length >= routes.length) {
      ctx.stdout.write(`started ${executions.map(executionLabel).join(', ')}\n${executions.join('\n')}\n`);
    }
    if (executions.length < routes.length) {
      ctx.stderr.write(
        `enqueued; no execution started within ${WAIT_MS / 1000} s: check the dispatcher (webhook-gateway history ${webhook})\n`,
      );
    }
    return 0;
  } finally {
    target.close();
  }
}

/** What `replay --json` prints: the new delivery, its status, routes and the executions started (with --no-wait: none awaited). */
export interface ReplayAnswer {
  readonly webhook: string;
  readonly replayOf: string;
  readonly deliveryId: string;
  readonly status: string;
  readonly eventKey?: string;
  readonly routes: readonly string[];
  readonly executions: readonly string[];
  /** Not every route's execution started within the wait. */
  readonly timedOut?: boolean;
}

/** The ingest's ports for a replay or a forwarded delivery (no secrets: neither is verified again). */
export function replayDeps(target: Target, gateway: TargetGateway, warn: (text: string) => void): IngestDeps {
  const quiet: Telemetry = {
    log: {
      info() {},
      warn: (m, f) => warn(`${m} ${JSON.stringify(f ?? {})}`),
      error: (m, f) => warn(`${m} ${JSON.stringify(f ?? {})}`),
    },
    metrics: { count() {}, flush() {} },
  };
  return gatewayIngestDeps(gateway, target, {
    configCacheSeconds: 0,
    secrets: { get: () => Promise.reject(new Error('a replay reads no secrets')) },
    payloads: target.payloads(gateway),
    telemetry: quiet,
  });
}

async function waitForExecutions(
  target: Target,
  gateway: TargetGateway,
  key: { pk: string; sk: string },
  routes: number,
  signal: AbortSignal,
): Promise<readonly string[]> {
  const deadline = Date.now() + WAIT_MS;
  let executions: readonly string[] = [];
  while (Date.now() < deadline && !signal.aborted) {
    const got = await target.dynamodb.send(
      new GetItemCommand({ TableName: gateway.historyTable, Key: marshall(key), ConsistentRead: true }),
    );
    executions = got.Item ? (fromItem(got.Item).executions ?? []) : [];
    if (executions.length >= routes) return executions;
    await new Promise((done) => setTimeout(done, 250));
  }
  return executions;
}
