import { DynamoDbHistoryStore, type RecentDeliveriesOptions } from '../../lambdas/adapters/dynamodb-history';
import { DELIVERY_STATUSES, type DeliveryRecord } from '../../lambdas/core/config/messages';
import { COMMAND_SPECS, parse, parseDuration, parsePositiveInt, required, targetOptions } from '../args';
import { UsageError } from '../errors';
import { coloursFor, executionLabel, table } from '../output';
import { resolveTarget, type Target } from '../target';
import type { CommandContext } from './context';

export const HISTORY_HELP = `webhook-gateway history <webhook> [--status S] [--since 1h] [--limit 50] [--json] [--app | --stack NAME [--region R]]

The webhook's deliveries, newest first, from the history table: of the running local gateway, or
of a deployed stack (found through its outputs). Rejections appear as sampled (one a minute).

  --status S    ${[...DELIVERY_STATUSES, 'accepted'].join(' | ')} (accepted = enqueued)
  --since D     only deliveries received in the last D (30m, 1h, 7d)
  --limit N     at most N rows (default 50)
  --json        one JSON object per delivery (the history item, without the raw body)`;

export async function historyCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.history.options, ['webhook']);
  if (values.help) return ctx.help(HISTORY_HELP);
  const where = targetOptions(values, ctx);
  const name = required(positionals, 0, 'the webhook name: webhook-gateway history <webhook>');
  const status = values.status === 'accepted' ? 'enqueued' : values.status;
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(
      `--status "${values.status}": expected one of ${[...DELIVERY_STATUSES, 'accepted'].join(', ')}`,
    );
  }
  const since = values.since !== undefined ? new Date(Date.now() - parseDuration(values.since, '--since')) : undefined;
  const limit = values.limit !== undefined ? parsePositiveInt(values.limit, '--limit', 1000) : 50;

  const target = await resolveTarget(where);
  try {
    const records = await queryHistory(target, name, { limit, ...(status && { status }), ...(since && { since }) });
    if (values.json) {
      for (const record of records) {
        const { body: _body, ...rest } = record;
        ctx.stdout.write(`${JSON.stringify(rest)}\n`);
      }
      return 0;
    }
    if (records.length === 0) {
      ctx.stderr.write(
        `no deliveries of "${name}"${status ? ` with status ${status}` : ''}${values.since ? ` in the last ${values.since}` : ''} in ${target.label}\n`,
      );
      return 0;
    }
    const paint = coloursFor(ctx.stdout);
    const rows = records.map((r) => [
      formatTime(r.receivedAt),
      r.status + (r.duplicates ? ` (+${r.duplicates} dup)` : '') + (r.httpStatus ? ` ${r.httpStatus}` : ''),
      r.deliveryId ?? '-',
      r.eventKey ?? '-',
      r.scope ?? '-',
      r.executions?.length
        ? r.executions.map(executionLabel).join(', ')
        : (r.reason ?? (r.replayOf ? `replay of ${r.replayOf}` : '-')),
    ]);
    const [header, ...lines] = table(
      ['RECEIVED', 'STATUS', 'DELIVERY ID', 'EVENT KEY', 'SCOPE', 'EXECUTIONS / REASON'],
      rows,
      60,
    ).split('\n');
    ctx.stdout.write(`${paint('bold', header!)}\n${lines.join('\n')}\n`);
    return 0;
  } finally {
    target.close();
  }
}

/** The webhook's deliveries in the target's history table, newest first (see DynamoDbHistoryStore.recentDeliveries). */
export async function queryHistory(
  target: Target,
  webhook: string,
  options: RecentDeliveriesOptions,
): Promise<DeliveryRecord[]> {
  const history = new DynamoDbHistoryStore(target.dynamodb, target.gatewayFor(webhook).historyTable);
  return history.recentDeliveries(webhook, options);
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const time = date.toTimeString().slice(0, 8);
  return today ? time : `${date.toISOString().slice(0, 10)} ${time}`;
}
