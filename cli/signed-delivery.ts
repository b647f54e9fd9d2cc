import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { SecretsManagerSecretStore } from '../lambdas/adapters/secrets-manager';
import { activeSecretValues } from '../lambdas/core/config/secret';
import type { VerifierConfig } from '../lambdas/core/config/verifier';
import type { WebhookConfig } from '../lambdas/core/config/webhook';
import { CliError, UsageError } from './errors';
import { eventHeader, sampleCatalog, sampleEvent } from './samples';
import { variableMissingHere } from './secrets/access';
import { secretNeeds, secretVariable } from './secrets/needs';
import { LocalSecrets } from './secrets/sources';
import { signRequest, SigningError, twilioJsonUrl, urlWithApiKey, type SigningMaterial } from './sign';
import type { LocalGatewayState } from './state';
import type { Target } from './target';

/** What a request to a webhook carries: the sample event for the provider unless `file` is given. */
export interface RequestOptions {
  readonly file?: string;
  readonly contentType?: string;
  readonly eventType?: string;
  /** `path=value` changes to the body (`--set`). */
  readonly set?: readonly string[];
  /** Extra headers, lower-cased names (a `content-type` here wins). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What to send, and where. */
export interface DeliveryOptions extends RequestOptions {
  /** The webhook's URL. */
  readonly url: string;
}

/** The request's body, content type and event type, as `send` signs them and `test` evaluates them. */
export interface RequestContent {
  readonly body: Buffer;
  readonly contentType: string;
  readonly eventType: string | undefined;
  /** The extra headers, without `content-type`. */
  readonly headers: Record<string, string>;
}

/**
 * The file's bytes (content type from the options, else `.json` or a body that looks like JSON →
 * application/json, `a=b&c=d` → form-encoded, else octet-stream), or the provider's sample event
 * of `eventType`. With a file, `eventType` only fills the provider's event header: a provider that
 * carries the type in the body has none to fill.
 */
export function requestContent(verifier: VerifierConfig, options: RequestOptions): RequestContent {
  const headers = { ...options.headers };
  if (options.file !== undefined) {
    if (options.eventType !== undefined && eventHeader(verifier) === undefined) {
      throw new UsageError(
        `--event with --file: ${sampleCatalog(verifier).provider} carries the event type in the body, so the file says it (drop --file to send the sample of ${options.eventType})`,
      );
    }
    if (options.set !== undefined && options.set.length > 0)
      throw new UsageError('--set changes a sample event: edit the --file instead');
    const body = readBody(options.file);
    const contentType = headers['content-type'] ?? options.contentType ?? contentTypeOf(options.file, body);
    delete headers['content-type'];
    return { body, contentType, eventType: options.eventType, headers };
  }
  const sample = sampleEvent(verifier, {
    ...(options.eventType !== undefined && { event: options.eventType }),
    ...(options.set !== undefined && { set: options.set }),
  });
  const contentType = headers['content-type'] ?? options.contentType ?? sample.contentType;
  delete headers['content-type'];
  return { body: sample.body, contentType, eventType: sample.eventType, headers };
}

/** A request signed the way the webhook's provider signs it, ready to POST. */
export interface SignedDelivery {
  /** The URL to POST to (Twilio's JSON variant and query-string API keys change it). */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** For the `POST …` line: the scheme, and the event type where a header carries it. */
  readonly description: string;
  /** The event header's value, for providers that carry the type in one. */
  readonly eventType?: string;
}

/** Nothing to sign with: `reason` says what is missing, `hint` how to give the webhook a secret. */
export class CannotSignError extends CliError {
  constructor(
    webhook: string,
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`cannot sign for webhook "${webhook}": ${reason}${hint}`);
    this.name = 'CannotSignError';
  }
}

/** Signs a delivery for `send` and `doctor --send`; CannotSignError when there is nothing to sign with. */
export async function signedDelivery(
  config: WebhookConfig,
  options: DeliveryOptions,
  material: SigningMaterial,
  deployed: boolean,
): Promise<SignedDelivery> {
  const { body, contentType, eventType, headers } = requestContent(config.verifier, options);
  let url = options.url;
  if (uses(config.verifier, 'twilio') && !contentType.startsWith('application/x-www-form-urlencoded')) {
    url = twilioJsonUrl(url, body);
  }
  url = urlWithApiKey(config.verifier, url, material);
  let signed;
  try {
    signed = await signRequest(
      config.verifier,
      { url: urlTheSenderSigns(config, url), body, contentType, headers, ...(eventType && { eventType }) },
      material,
    );
  } catch (error) {
    if (!(error instanceof SigningError)) throw error;
    throw new CannotSignError(config.name, error.message, hint(config, deployed));
  }
  const event = eventHeader(config.verifier);
  const sentType = event !== undefined ? signed.headers[event] : undefined;
  const description = [config.verifier.type, sentType].filter(Boolean).join(', ');
  return {
    url,
    headers: signed.headers,
    body: signed.body,
    description,
    ...(sentType !== undefined && { eventType: sentType }),
  };
}

/**
 * The URL a provider signs: the webhook's publicUrl (set, or the custom domain's) with the query
 * of the URL posted to, as the ingest function rebuilds it; else the URL posted to.
 */
function urlTheSenderSigns(config: WebhookConfig, postedTo: string): string {
  if (config.publicUrl === undefined) return postedTo;
  const q = postedTo.indexOf('?');
  if (q === -1) return config.publicUrl;
  return `${config.publicUrl}${config.publicUrl.includes('?') ? '&' : '?'}${postedTo.slice(q + 1)}`;
}

/** Local: the secrets the running gateway reads (variables, its --secrets file, development secrets). */
export async function localMaterial(
  config: WebhookConfig,
  dir: string,
  secretsFile: string | undefined,
  local: LocalGatewayState | undefined,
): Promise<SigningMaterial> {
  const secrets = await LocalSecrets.create({ stateDir: dir, ...(secretsFile !== undefined && { secretsFile }) });
  for (const need of secretNeeds(config)) {
    const variable = variableMissingHere(local, config.name, need.ref);
    if (variable !== undefined) {
      throw new CliError(
        `the local gateway reads webhook "${config.name}"'s secret from ${variable}: set it in this shell too, or pass --secrets FILE`,
      );
    }
  }
  return secrets.signingMaterial(config);
}

/** Deployed: the current values in Secrets Manager (public keys cannot sign: the provider holds the private key). */
export async function deployedMaterial(target: Target, config: WebhookConfig): Promise<SigningMaterial> {
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

/** What a non-2xx answer to a signed delivery most likely means. */
export function answerHint(status: number, name: string): string {
  if (status === 401)
    return `the gateway answered 401: the signature did not verify — compare the secrets (webhook-gateway secret get ${name})`;
  if (status === 404) return `the gateway answered 404: it has no webhook "${name}" at that URL`;
  if (status === 429) return 'the gateway answered 429: rate limited, try again after Retry-After';
  if (status === 503) return 'the gateway answered 503: a dependency failed, try again';
  return `the gateway answered ${status}`;
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

function hint(config: WebhookConfig, deployed: boolean): string {
  const need = secretNeeds(config)[0];
  if (!need) return '';
  if (deployed) {
    return need.origin === 'public-key'
      ? ' (the provider signs with its private key: use its test feature instead)'
      : ` (set it with: webhook-gateway secret set ${config.name} --stack …)`;
  }
  return `: set ${secretVariable(config.name, need.ref)}, pass --secrets FILE, or start the local gateway with --dev-secrets`;
}
