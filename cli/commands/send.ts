import { parse, REQUEST_OPTIONS, requestOptions, required, TARGET_OPTIONS, targetOptions } from '../args';
import { webhookSource } from '../config-source';
import { answerHint, deployedMaterial, localMaterial, signedDelivery } from '../signed-delivery';
import { CliError } from '../errors';
import { httpPost } from '../http';
import { requireRunningGateway } from '../state';
import type { CommandContext } from './context';

export const SEND_HELP = `webhook-gateway send <webhook> [--file payload.json] [--header name=value]… [--event TYPE] [--url URL]
                      [--content-type TYPE] [--secrets FILE] [--app CMD | --stack NAME [--region R]]

Signs a request the way the webhook's provider does, with its secret, and POSTs it: to the running
local gateway by default, to a deployed stack's URL with --stack, or to --url. Without --file it
sends a realistic sample event for the provider.

  --file FILE         the body (raw bytes); content type from --content-type, else .json → application/json,
                      anything else → application/x-www-form-urlencoded when it looks like a=b&c=d
  --header k=v        an extra header (repeatable)
  --event TYPE        the event type, for providers that send it in a header (X-GitHub-Event: push, …)
  --url URL           the webhook's full URL (a tunnel, a custom domain)
  --secrets FILE      local secrets, as \`local --secrets\` takes them (default: the running gateway's)
  --stack NAME        a deployed stack: its URL, and the secret from Secrets Manager`;

export async function sendCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...TARGET_OPTIONS, ...REQUEST_OPTIONS, url: { type: 'string' }, secrets: { type: 'string' } },
    ['webhook'],
  );
  if (values.help) return ctx.help(SEND_HELP);
  const where = targetOptions(values, ctx);
  const name = required(positionals, 0, 'the webhook name: webhook-gateway send <webhook>');
  const request = requestOptions(values);
  // Without --url or --stack the request goes to the local gateway: say so before synthesizing anything.
  const local =
    values.url === undefined && where.stack === undefined ? await requireRunningGateway(where.stateDir) : undefined;

  const found = await webhookSource(name, where);
  try {
    const { config } = found;
    const url =
      values.url ??
      (found.target ? `${found.target.gatewayFor(name).baseUrl}webhooks/${name}` : `${local!.url}/webhooks/${name}`);
    const material = found.target
      ? await deployedMaterial(found.target, config)
      : await localMaterial(config, where.stateDir, values.secrets ?? found.local?.secretsFile, found.local);
    const delivery = await signedDelivery(config, { url, ...request }, material, found.target !== undefined);
    ctx.stderr.write(`POST ${delivery.url} (${delivery.description}, ${delivery.body.length} bytes)\n`);
    const answer = await httpPost(delivery.url, delivery, { signal: ctx.signal });
    if (answer.kind !== 'answered') {
      const cause = answer.kind === 'unreachable' ? answer.cause : `no answer in ${answer.ms} ms`;
      throw new CliError(`could not reach ${delivery.url} (${cause}): is the gateway running, and the URL right?`);
    }
    ctx.stdout.write(`${answer.status} ${answer.text}\n`);
    if (answer.status >= 200 && answer.status < 300) return 0;
    throw new CliError(answerHint(answer.status, name));
  } finally {
    found.target?.close();
  }
}
