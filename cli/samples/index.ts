import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { UsageError } from '../errors';
import { didYouMean } from '../suggest';
import { fresh, type Fresh } from './fresh';
import { GITHUB_EVENTS, GITHUB_SOURCE, githubEvent } from './github';
import {
  DISCORD,
  GENERIC,
  GITLAB,
  GITLAB_HOOKS,
  LINEAR,
  MS_TEAMS,
  PADDLE,
  SENDGRID,
  SHOPIFY,
  SLACK,
  STANDARD_WEBHOOKS,
  TWILIO,
  ZOOM,
  type Body,
  type EventSet,
} from './providers';
import { STRIPE_EVENTS, stripeEvent, type StripeSampleType } from './stripe';

export interface Sample {
  readonly body: Buffer;
  readonly contentType: string;
  /** The value of the provider's event header (X-GitHub-Event, X-Shopify-Topic, …), for providers that have one. */
  readonly eventType?: string;
}

/** The sample events of a provider: what `send --list-events` prints. */
export interface SampleCatalog {
  /** The provider (preset) the samples are for, or `generic`. */
  readonly provider: string;
  /** Event types; the first is the default. */
  readonly events: readonly string[];
  /** Where the bodies come from. */
  readonly source: string;
  /** The header that carries the event type, for providers that have one. */
  readonly header?: string;
}

interface Provider {
  readonly events: readonly string[];
  readonly source: string;
  readonly header?: string;
  body(event: string, f: Fresh): Body;
  /** The header's value for the event (default: the event type itself). */
  headerValue?(event: string): string;
}

const HAND_CHECKED = "hand-written, checked against the provider's documentation";
const set = (events: EventSet, header?: string): Provider => ({
  events: Object.keys(events),
  source: HAND_CHECKED,
  ...(header !== undefined && { header }),
  body: (event, f) => events[event]!(f),
});

const PROVIDERS: Readonly<Record<string, Provider>> = {
  github: { events: GITHUB_EVENTS, source: GITHUB_SOURCE, header: 'x-github-event', body: githubEvent },
  stripe: {
    events: STRIPE_EVENTS,
    source: 'hand-written, type-checked against the stripe package (Stripe.Event)',
    body: (event, f) => stripeEvent(event as StripeSampleType, f) as unknown as Body,
  },
  slack: set(SLACK),
  shopify: set(SHOPIFY, 'x-shopify-topic'),
  twilio: set(TWILIO),
  sendgrid: set(SENDGRID),
  discord: set(DISCORD),
  zoom: set(ZOOM),
  linear: set(LINEAR, 'linear-event'),
  paddle: set(PADDLE),
  msTeams: set(MS_TEAMS),
  gitlab: { ...set(GITLAB, 'x-gitlab-event'), headerValue: (event) => GITLAB_HOOKS[event]! },
  standardWebhooks: set(STANDARD_WEBHOOKS),
  svix: set(STANDARD_WEBHOOKS),
  generic: set(GENERIC),
};

/** The provider whose samples fit the verifier: its preset, an allOf's first signing member's, else generic. */
function providerOf(verifier: VerifierConfig): string {
  const type =
    verifier.type === 'allOf'
      ? (verifier.sources.find((s) => s.type !== 'headerMatch')?.type ?? 'none')
      : verifier.type;
  return type in PROVIDERS ? type : 'generic';
}

export function sampleCatalog(verifier: VerifierConfig): SampleCatalog {
  const provider = providerOf(verifier);
  const { events, source, header } = PROVIDERS[provider]!;
  return { provider, events, source, ...(header !== undefined && { header }) };
}

/** An event type the provider has no sample of: a usage error that lists the ones it has. */
export class UnknownEventError extends UsageError {
  constructor(event: string, catalog: SampleCatalog) {
    super(
      `no sample event "${event}" for ${catalog.provider}${didYouMean(event, catalog.events)}: it has ${catalog.events.join(', ')}. With --file, send your own body`,
    );
    this.name = 'UnknownEventError';
  }
}

export interface SampleOptions {
  /** The event type; default: the provider's first. */
  readonly event?: string;
  /** `path=value` overrides (`--set`): a dotted path into the body; the value as JSON when it parses, else a string. */
  readonly set?: readonly string[];
  readonly now?: Date;
}

/**
 * A realistic event of the given type for the webhook's provider, with new ids and the current
 * time each time (so that a second `send` is not a duplicate): what `send` posts without `--file`.
 */
export function sampleEvent(verifier: VerifierConfig, options: SampleOptions = {}): Sample {
  const catalog = sampleCatalog(verifier);
  const provider = PROVIDERS[catalog.provider]!;
  const event = options.event ?? catalog.events[0]!;
  if (!catalog.events.includes(event)) throw new UnknownEventError(event, catalog);
  const body = applySets(provider.body(event, fresh(options.now)), options.set ?? []);
  const eventType = catalog.header !== undefined ? (provider.headerValue?.(event) ?? event) : undefined;
  const encoded =
    'form' in body && !Array.isArray(body)
      ? {
          body: Buffer.from(new URLSearchParams(body.form as Record<string, string>).toString()),
          contentType: 'application/x-www-form-urlencoded',
        }
      : { body: Buffer.from(JSON.stringify(body, null, 2)), contentType: 'application/json' };
  return { ...encoded, ...(eventType !== undefined && { eventType }) };
}

/** The header that carries the event type, for providers that have one. */
export function eventHeader(verifier: VerifierConfig): string | undefined {
  return PROVIDERS[providerOf(verifier)]!.header;
}

/** Applies `--set path=value` to a sample body (a form's fields are its top level). */
function applySets(body: Body, sets: readonly string[]): Body {
  const root = 'form' in body && !Array.isArray(body) ? (body.form as Record<string, unknown>) : body;
  for (const raw of sets) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set "${raw}": expected path=value, e.g. --set review.state=approved`);
    const path = raw.slice(0, eq).split('.');
    setPath(root, path, root === body ? parseValue(raw.slice(eq + 1)) : raw.slice(eq + 1), raw);
  }
  return body;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function setPath(root: unknown, path: readonly string[], value: unknown, raw: string): void {
  let node = root as Record<string, unknown>;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object') {
      throw new UsageError(
        `--set "${raw}": ${path.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not an object`,
      );
    }
    node = node[key] as Record<string, unknown>;
  }
}
