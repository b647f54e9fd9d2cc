import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { SecretsManagerSecretStore } from '../../lambdas/adapters/secrets-manager';
import { activeSecretValues } from '../../lambdas/core/config/secret';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import { checkTarget, parse, parseHeaders, required, TARGET_OPTIONS } from '../args';
import { webhookSource } from '../config-source';
import { CliError, UsageError } from '../errors';
import { sampleEvent, eventHeader } from '../samples';
import { secretKey, secretNeeds, secretVariable } from '../secrets/needs';
import { LocalSecrets } from '../secrets/sources';
import { signRequest, SigningError, twilioJsonUrl, urlWithApiKey, type SigningMaterial } from '../sign';
import { requireRunningGateway, stateDir, type LocalGatewayState } from '../state';
import type { Target } from '../target';
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
    {
      ...TARGET_OPTIONS,
      file: { type: 'string' },
      header: { type: 'string', multiple: true },
      event: { type: 'string' },
      url: { type: 'string' },
      'content-type': { type: 'string' },
      secrets: { type: 'string' },
    },
    ['webhook'],
  );
  if (values.help) return ctx.help(SEND_HELP);
  checkTarget(values);
  const name = required(positionals, 0, 'the webhook name: webhook-gateway send <webhook>');
  const headers = parseHeaders(values.header);
  const dir = stateDir(values['state-dir'], ctx.cwd);
  // Without --url or --stack the request goes to the local gateway: say so before synthesizing anything.
  const local = values.url === undefined && values.stack === undefined ? await requireRunningGateway(dir) : undefined;

  const found = await webhookSource(name, {
    stateDir: dir,
    cwd: ctx.cwd,
    signal: ctx.signal,
    ...(values.app !== undefined && { app: values.app }),
    ...(values.stack !== undefined && { stack: values.stack }),
    ...(values.region !== undefined && { region: values.region }),
  });
  try {
    const { config } = found;
    let url =
      values.url ??
      (found.target ? `${found.target.gatewayFor(name).baseUrl}webhooks/${name}` : `${local!.url}/webhooks/${name}`);
    const sample = values.file === undefined ? sampleEvent(config.verifier) : undefined;
    const body = sample?.body ?? readBody(values.file!);
    const contentType =
      headers['content-type'] ?? values['content-type'] ?? sample?.contentType ?? contentTypeOf(values.file!, body);
    delete headers['content-type'];
    const eventType = values.event ?? sample?.eventType;
    const material = found.target
      ? await deployedMaterial(found.target, config)
      : await localMaterial(config, dir, values.secrets ?? found.local?.secretsFile, found.local);
    if (uses(config.verifier, 'twilio') && !contentType.startsWith('application/x-www-form-urlencoded')) {
      url = twilioJsonUrl(url, body);
    }
    url = urlWithApiKey(config.verifier, url, material);
    let signed;
    try {
      signed = await signRequest(
        config.verifier,
        { url, body, contentType, headers, ...(eventType && { eventType }) },
        material,
      );
    } catch (error) {
      if (!(error instanceof SigningError)) throw error;
      throw new CliError(`cannot sign for webhook "${name}": ${error.message}${hint(config, found.target)}`);
    }
    const event = eventHeader(config.verifier);
    const what = [config.verifier.type, event && signed.headers[event]].filter(Boolean).join(', ');
    ctx.stderr.write(`POST ${url} (${what}, ${signed.body.length} bytes)\n`);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body, signal: ctx.signal });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`could not reach ${url} (${cause}): is the gateway running, and the URL right?`);
    }
    const text = await response.text();
    ctx.stdout.write(`${response.status} ${text}\n`);
    if (response.ok) return 0;
    throw new CliError(answerHint(response.status, name));
  } finally {
    found.target?.close();
  }
}

function readBody(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `--file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

function contentTypeOf(file: string, body: Buffer): string {
  if (extname(file).toLowerCase() === '.json') return 'application/json';
  const text = body.toString('utf8').trim();
  if (text.startsWith('{') || text.startsWith('[')) return 'application/json';
  return /^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(text)
    ? 'application/x-www-form-urlencoded'
    : 'application/octet-stream';
}

function uses(verifier: VerifierConfig, type: string): boolean {
  return verifier.type === type || (verifier.type === 'allOf' && verifier.sources.some((s) => s.type === type));
}

/** Local: the secrets the running gateway reads (variables, its --secrets file, development secrets). */
async function localMaterial(
  config: WebhookConfig,
  dir: string,
  secretsFile: string | undefined,
  local: LocalGatewayState | undefined,
): Promise<SigningMaterial> {
  const secrets = await LocalSecrets.create({ stateDir: dir, ...(secretsFile !== undefined && { secretsFile }) });
  const sources = local?.gateways.find((g) => g.config.webhooks.some((w) => w.name === config.name))?.secretSources;
  for (const need of secretNeeds(config)) {
    const theirs = sources?.[secretKey(config.name, need.ref)];
    if (theirs?.kind === 'env' && process.env[theirs.variable] === undefined) {
      throw new CliError(
        `the local gateway reads webhook "${config.name}"'s secret from ${theirs.variable}: set it in this shell too, or pass --secrets FILE`,
      );
    }
  }
  return secrets.signingMaterial(config);
}

/** Deployed: the current values in Secrets Manager (public keys cannot sign: the provider holds the private key). */
async function deployedMaterial(target: Target, config: WebhookConfig): Promise<SigningMaterial> {
  const store = new SecretsManagerSecretStore(target.secretsManager(), 0);
  const values = new Map<string, string | undefined>();
  for (const need of secretNeeds(config)) {
    const location = config.secrets[need.ref];
    if (!location) continue;
    const material = await store.get(location, { webhook: config.name, ref: need.ref });
    values.set(need.ref, activeSecretValues(material, new Date())[0]);
  }
  return { secret: (ref) => values.get(ref), privateKey: () => undefined };
}

function hint(config: WebhookConfig, target: Target | undefined): string {
  const need = secretNeeds(config)[0];
  if (!need) return '';
  if (target) {
    return need.origin === 'public-key'
      ? ' (the provider signs with its private key: use its test feature instead)'
      : ` (set it with: webhook-gateway secret set ${config.name} --stack …)`;
  }
  return `: set ${secretVariable(config.name, need.ref)}, pass --secrets FILE, or start the local gateway with --dev-secrets`;
}

function answerHint(status: number, name: string): string {
  if (status === 401)
    return `the gateway answered 401: the signature did not verify — compare the secrets (webhook-gateway secret get ${name})`;
  if (status === 404) return `the gateway answered 404: it has no webhook "${name}" at that URL`;
  if (status === 429) return 'the gateway answered 429: rate limited, try again after Retry-After';
  if (status === 503) return 'the gateway answered 503: a dependency failed, try again';
  return `the gateway answered ${status}`;
}
