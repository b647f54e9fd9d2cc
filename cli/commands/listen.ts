import { HISTORY_BY_TIME_INDEX } from '../../lambdas/core/config/tables';
import { COMMAND_SPECS, parse, parseDuration, targetOptions } from '../args';
import { CliError, describeFailure, UsageError } from '../errors';
import { DeployedHistory, type DeployedItem } from '../listen/deployed-history';
import { deployedBody, forwardDelivery, ForwardError } from '../listen/forward';
import { LocalSide, type LocalGateway } from '../listen/local-side';
import { listenLine, type ListenLine } from '../listen/lines';
import { deniedPermission, LISTEN_ACTIONS } from '../listen/permissions';
import { coloursFor } from '../output';
import { resolveTarget, type Target, type TargetGateway } from '../target';
import type { CommandContext } from './context';

export const LISTEN_HELP = `webhook-gateway listen --stack NAME [--region R] [webhook...] [--since D] [--interval 2s] [--json]

Streams each new delivery of the deployed stack's webhooks (all of them, or those named) from its
history into the running local gateway (npm start, in another terminal): what the deployed gateway
verified runs through the local app's CEL, routes and workflows, entering after verification.
Rejected requests are shown, not forwarded. Senders keep posting to AWS. Ctrl-C stops.

  --since D      also forward deliveries received in the last D (30m, 1h, 7d) (default: new ones only)
  --interval D   pause between polls while deliveries arrive; idle polls back off to 20 s (default 2s)
  --json         one JSON object per delivery on stdout
Read-only on AWS: ${LISTEN_ACTIONS.join(', ')} (see docs/cli.md#listen).`;

const IDLE_MAX_MS = 20_000;
const FAILING_MAX_MS = 60_000;
/**
 * How far back each poll reads again: a history item reaches the index a little after its
 * receivedAt (the ingest's work before its claim write, then the index's asynchronous update). Each
 * item within it is read again by every poll, so it is kept short.
 */
const OVERLAP_MS = 10_000;
/** Any number of webhooks may be named. */
const WEBHOOK_POSITIONALS = Array.from({ length: 256 }, () => 'webhook');

interface Listened {
  readonly webhook: string;
  readonly gateway: TargetGateway;
  readonly history: DeployedHistory;
}

export async function listenCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.listen.options, WEBHOOK_POSITIONALS);
  if (values.help) return ctx.help(LISTEN_HELP);
  if (values.app !== undefined) {
    throw new UsageError(
      'listen forwards into the running local gateway, which reads the app: start it with `npx webhook-gateway local --app …` and run listen without --app',
    );
  }
  if (values.stack === undefined) throw new UsageError('missing --stack NAME: the deployed stack to listen to');
  const where = targetOptions(values, ctx);
  const since = new Date(Date.now() - (values.since !== undefined ? parseDuration(values.since, '--since') : 0));
  const interval = values.interval !== undefined ? parseDuration(values.interval, '--interval') : 2000;
  if (interval < 100) throw new UsageError(`--interval "${values.interval}": expected 0.1s or more`);
  const { signal } = ctx;
  const paintErr = coloursFor(ctx.stderr);
  const note = (text: string) => ctx.stderr.write(`${text}\n`);
  const print = (line: ListenLine) => ctx.stdout.write(`${listenLine(line, values.json === true, ctx.stdout)}\n`);

  let deployed: Target;
  try {
    deployed = await resolveTarget(where);
  } catch (error) {
    throw deniedPermission(error, 'cloudformation:DescribeStacks', `stack "${values.stack}"`);
  }
  const local = new LocalSide(where.stateDir, note);
  const names = positionals.length > 0 ? [...new Set(positionals)] : deployed.gateways.flatMap((g) => g.webhooks);
  try {
    if (names.length === 0) throw new CliError(`${deployed.label} has no webhooks to listen to`);
    const listened: Listened[] = names.map((webhook) => {
      const gateway = deployed.gatewayFor(webhook);
      return {
        webhook,
        gateway,
        history: new DeployedHistory({
          dynamodb: deployed.dynamodb,
          historyTable: gateway.historyTable,
          webhook,
          since,
          overlapMs: OVERLAP_MS,
        }),
      };
    });

    let gateway = await local.current();
    if (!gateway) note(paintErr('yellow', WAITING));
    else describeStart(gateway);
    let delay = interval;
    let failures = 0;
    let waiting = !gateway;
    while (!signal.aborted) {
      let found = 0;
      try {
        gateway = await local.current();
        // While no local gateway runs, the deployed history is not read: what arrives meanwhile is forwarded once it is back.
        if (!gateway) {
          if (!waiting) note(paintErr('yellow', `the local gateway stopped: ${WAITING}`));
          waiting = true;
        } else {
          if (waiting) describeStart(gateway);
          waiting = false;
          for (const l of listened) {
            const items = await l.history.poll().catch((error: unknown) => {
              throw deniedPermission(
                error,
                'dynamodb:Query',
                `table ${l.gateway.historyTable} index ${HISTORY_BY_TIME_INDEX.name}`,
              );
            });
            // Oldest first; one that fails for now stops the poll and is read again by the next one.
            for (const item of items) {
              print(await forward(gateway, deployed, l, item));
              l.history.done(item);
              found++;
            }
          }
        }
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof CliError) throw error;
        failures++;
        note(paintErr('yellow', `${describeFailure(error)}: trying again`));
      }
      delay =
        failures > 0
          ? Math.min(interval * 2 ** failures, FAILING_MAX_MS)
          : found > 0
            ? interval
            : Math.min(delay * 1.5, Math.max(IDLE_MAX_MS, interval));
      await sleep(delay, signal);
    }
    note('Stopped.');
    return 0;
  } finally {
    local.close();
    deployed.close();
  }

  function describeStart(gateway: LocalGateway) {
    const absent = names.filter((n) => !gateway.webhooks.includes(n));
    note(
      `Listening to ${deployed.label} (${names.join(', ')}) → the local gateway ${gateway.url}: ${values.since !== undefined ? `deliveries of the last ${values.since} and new ones` : 'new deliveries'}; Ctrl-C to stop`,
    );
    if (absent.length > 0)
      note(paintErr('yellow', `not in the local app, shown but not forwarded: ${absent.join(', ')}`));
  }
}

const WAITING =
  'waiting for the local gateway: start it with `npm start` (or `npx webhook-gateway local`) in the project directory';

/**
 * One deployed item → its line: run through the local pipeline when it was verified and the local
 * app has its webhook. Throws when it could not be handled for now (the body could not be read,
 * the local gateway's tables or queue failed), so that it is tried again.
 */
async function forward(gateway: LocalGateway, deployed: Target, l: Listened, item: DeployedItem): Promise<ListenLine> {
  const { record } = item;
  if (!item.verified) return { item, forwarded: false, note: 'rejected on AWS: not forwarded' };
  const deps = gateway.depsFor(l.webhook);
  if (!deps) return { item, forwarded: false, note: 'not in the local app: not forwarded' };
  const failed = (step: string, error: unknown) =>
    new Error(`forwarding ${l.webhook} ${record.deliveryId}: ${step} failed (${describeFailure(error)})`, {
      cause: error,
    });
  let body: Buffer;
  try {
    body = await deployedBody(record, deployed.payloads(l.gateway));
  } catch (error) {
    if (error instanceof ForwardError) return { item, forwarded: false, note: `not forwarded: ${error.message}` };
    const denied = deniedPermission(error, 's3:GetObject', `s3://${l.gateway.payloadBucket}/bodies/*`);
    throw denied instanceof CliError ? denied : failed('reading its body', error);
  }
  try {
    return { item, forwarded: true, outcome: await forwardDelivery(deps, record, body) };
  } catch (error) {
    if (error instanceof ForwardError) return { item, forwarded: false, note: `not forwarded: ${error.message}` };
    throw failed('the local pipeline', error);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
  });
}
