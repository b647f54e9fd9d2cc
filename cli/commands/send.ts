import { COMMAND_SPECS, parse, requestOptions, required, targetOptions } from '../args';
import { webhookSource } from '../config-source';
import { answerHint, deployedMaterial, localMaterial, signedDelivery } from '../signed-delivery';
import { CliError } from '../errors';
import { httpPost } from '../http';
import { requireRunningGateway } from '../state';
import { listSampleEvents } from '../samples/list';
import type { CommandContext } from './context';

export const SEND_HELP = `webhook-gateway send <webhook> [--event TYPE] [--set path=value]… [--file payload.json] [--header name=value]…
                      [--url URL] [--content-type TYPE] [--secrets FILE] [--json] [--list-events]
                      [--app CMD | --stack NAME [--region R]]

Signs a request the way the webhook's provider does, with its secret, and POSTs it: to the running
local gateway by default, to a deployed stack's URL with --stack, or to --url. Without --file it
sends a realistic sample event of the provider (GitHub's own examples for GitHub), with new ids.

  --event TYPE        the sample event to send (send <webhook> --list-events lists them), and the
                      event header (X-GitHub-Event, X-Shopify-Topic, …) with --file
  --set path=value    change a field of the sample (repeatable): --set review.state=approved
  --list-events       print the webhook's sample event types and exit
  --file FILE         the body (raw bytes); content type from --content-type, else .json → application/json,
                      anything else → application/x-www-form-urlencoded when it looks like a=b&c=d
  --header k=v        an extra header (repeatable)
  --json              print the answer as one JSON object: {"url", "status", "body", "eventType"?}
  --url URL           the webhook's full URL (a tunnel, a custom domain)
  --secrets FILE      local secrets, as \`local --secrets\` takes them (default: the running gateway's)
  --stack NAME        a deployed stack: its URL, and the secret from Secrets Manager`;

export async function sendCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.send.options, ['webhook']);
  if (values.help) return ctx.help(SEND_HELP);
  const where = targetOptions(values, ctx);
  const name = required(positionals, 0, 'the webhook name: webhook-gateway send <webhook>');
  const request = requestOptions(values);
  if (values['list-events']) {
    const found = await webhookSource(name, where);
    found.target?.close();
    return listSampleEvents(ctx, name, found.config.verifier);
  }
  // Without --url or --stack the request goes to the local gateway: say so before synthesizing anything.
  const local =
    values.url === undefined && where.stack === undefined ? await requireRunningGateway(where.stateDir) : undefined;

  const found = await webhookSource(name, where);
  try {
    const { config } = found;
    const url =
      values.url ??
      (found.target ? `${found.target.gatewayFor(name).baseUrl}webhooks/${name}` : `${local!.url}/webhooks/${name}`);
    // An explicit --secrets FILE is what to sign with, whatever the running gateway reads.
    const material = found.target
      ? await deployedMaterial(found.target, config)
      : values.secrets !== undefined
        ? await localMaterial(config, where.stateDir, values.secrets, undefined)
        : await localMaterial(config, where.stateDir, found.local?.secretsFile, found.local);
    const delivery = await signedDelivery(config, { url, ...request }, material, found.target !== undefined);
    ctx.stderr.write(`POST ${delivery.url} (${delivery.description}, ${delivery.body.length} bytes)\n`);
    const answer = await httpPost(delivery.url, delivery, { signal: ctx.signal });
    if (answer.kind !== 'answered') {
      const cause = answer.kind === 'unreachable' ? answer.cause : `no answer in ${answer.ms} ms`;
      throw new CliError(`could not reach ${delivery.url} (${cause}): is the gateway running, and the URL right?`);
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (values.json) {
      const line: SendAnswer = {
        url: delivery.url,
        status: answer.status,
        body: parseJson(answer.text),
        ...(delivery.eventType !== undefined && { eventType: delivery.eventType }),
      };
      ctx.stdout.write(`${JSON.stringify(line)}\n`);
    } else {
      ctx.stdout.write(`${answer.status} ${answer.text}\n`);
    }
    if (ok) return 0;
    throw new CliError(answerHint(answer.status, name));
  } finally {
    found.target?.close();
  }
}

/** What `send --json` prints: the URL posted to, the HTTP status, the answer's body (parsed when JSON). */
export interface SendAnswer {
  readonly url: string;
  readonly status: number;
  readonly body: unknown;
  /** The event header's value, for providers that send one. */
  readonly eventType?: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
