import { evaluate } from '../../lambdas/core/events/evaluate';
import { HttpHeaders } from '../../lambdas/core/http/headers';
import { InboundRequest } from '../../lambdas/core/http/request';
import { COMMAND_SPECS, parse, requestOptions, required, targetOptions } from '../args';
import { webhookSource } from '../config-source';
import { coloursFor } from '../output';
import { eventHeader } from '../samples';
import { requestContent } from '../signed-delivery';
import { listSampleEvents } from '../samples/list';
import type { CommandContext } from './context';

export const TEST_HELP = `webhook-gateway test <webhook> [--event TYPE] [--set path=value]… [--file payload.json] [--header name=value]…
                      [--content-type TYPE] [--json] [--list-events] [--app CMD | --stack NAME [--region R]]

A dry run, without signatures: what the gateway would make of the request — event key, scope,
filter result, the merged payload and the routes that match. Nothing is recorded or started.
Config from --stack (the deployed config table), --app (synthesized), else the running local
gateway, else cdk.json's app. Without --file it uses the provider's sample event of --event TYPE
(test <webhook> --list-events lists them; --set path=value changes a field).
Exits 1 when the event would fail (transform_failed, or a body the gateway refuses).`;

export async function testCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.test.options, ['webhook']);
  if (values.help) return ctx.help(TEST_HELP);
  const where = targetOptions(values, ctx);
  const name = required(positionals, 0, 'the webhook name: webhook-gateway test <webhook> --file payload.json');
  const request = requestOptions(values);

  const found = await webhookSource(name, where);
  found.target?.close();
  const { config, routes } = found;
  if (values['list-events']) return listSampleEvents(ctx, name, config.verifier);
  const { body, contentType, eventType, headers } = requestContent(config.verifier, request);
  const header = eventHeader(config.verifier);
  if (header && eventType && headers[header] === undefined) headers[header] = eventType;
  const inbound = new InboundRequest({
    method: 'POST',
    url: config.publicUrl ?? `https://localhost/webhooks/${name}`,
    headers: HttpHeaders.from({ ...headers, 'content-type': contentType }),
    body,
  });
  const result = evaluate(config, routes, inbound);
  const failed = result.status === 'transform_failed' || result.status === 'rejected';
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ webhook: name, configFrom: found.from, ...result }, null, 2)}\n`);
    return failed ? 1 : 0;
  }

  const paint = coloursFor(ctx.stdout);
  const rows: [string, string][] = [
    [
      'webhook',
      `${name} (config from ${found.from === 'app' ? 'the app' : found.from === 'local' ? 'the running local gateway' : 'the deployed config table'})`,
    ],
    ['status', paint(failed ? 'red' : result.status === 'accepted' ? 'green' : 'yellow', result.status)],
  ];
  if (result.error) rows.push(['error', paint('red', `${result.error.expression ?? 'body'}: ${result.error.message}`)]);
  if (result.filterResult !== undefined) rows.push(['filter', result.filterResult ? 'passed' : 'dropped the event']);
  if (result.eventKey !== undefined) rows.push(['eventKey', paint('bold', result.eventKey)]);
  if (result.scope !== undefined) rows.push(['scope', result.scope]);
  if (result.idempotencyKey !== undefined)
    rows.push([
      'dedup key',
      result.idempotencyKey === 'dry-run' ? "the provider's delivery id" : result.idempotencyKey,
    ]);
  if (result.groupBy !== undefined)
    rows.push(['group', result.groupBy === 'dry-run' ? "the provider's delivery id" : result.groupBy]);
  if (result.status !== 'rejected' && result.status !== 'filtered') {
    const matched = result.matchedRoutes.map(
      (r) => `${r.id}  ${r.eventKeyPattern} → ${r.target.arn.split(':').slice(6).join(':')} (${r.target.type})`,
    );
    rows.push(['routes', matched.length > 0 ? matched.join('\n') : `none of the ${routes.length} route(s) matched`]);
  }
  if (result.payload !== undefined) rows.push(['payload', JSON.stringify(result.payload, null, 2)]);
  for (const [label, text] of rows) {
    const [first, ...rest] = text.split('\n');
    ctx.stdout.write(`${paint('gray', label.padEnd(10))}${first}\n`);
    for (const line of rest) ctx.stdout.write(`${' '.repeat(10)}${line}\n`);
  }
  return failed ? 1 : 0;
}
