import type { Duration, Size } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DEFAULT_SECRET, type GenericHandshakeConfig } from '../lambdas/core/config/verifier';
import type { WebhookConfig } from '../lambdas/core/config/webhook';
import { resolveSecrets, type SecretScope } from './private/secrets';
import type { WebhookSource, WebhookSourceConfig } from './webhook-source';
import { defined } from './private/objects';
import type { PlanLimits } from './private/webhook-stacks';

/** A quota over one API Gateway period. */
export interface Quota {
  /** Requests allowed per period. */
  readonly limit: number;
  /** `Period.DAY`, `Period.WEEK` or `Period.MONTH`. */
  readonly period: apigw.Period;
}

/** A fixed window counted by the ingest function (for periods API Gateway does not offer). */
export interface RateWindowOptions {
  readonly period: Duration;
  readonly limit: number;
}

/**
 * Limits enforced by API Gateway (a usage plan, before any verifier runs; over the limit → 429)
 * and, for `windows`, by the ingest function.
 */
export interface RateLimit {
  /** Steady-state requests per second. @default 100 */
  readonly rate?: number;
  /** Requests that may arrive at once above the rate. @default 200 */
  readonly burst?: number;
  /** @default - no quota */
  readonly quota?: Quota;
  /** @default - none */
  readonly windows?: RateWindowOptions[];
}

/** The answer to an accepted request, instead of 202 `{"id","status"}`. */
export interface SuccessResponse {
  /** A 2xx status code. */
  readonly statusCode: number;
  /** The Content-Type header of the answer. */
  readonly contentType: string;
  /** The body, sent as it is. */
  readonly body: string;
}

/** How the answer to a generic handshake is written. */
export enum HandshakeFormat {
  /** JSON: `{"<respondWith>": <value>}`. */
  JSON = 'json',
  /** The value alone, as plain text. */
  TEXT = 'text',
}

/**
 * A generic handshake: a verified JSON body whose `field` equals `equalTo` is answered with 200
 * and the value of its `respondWith` field (a string or a number), and starts nothing.
 */
export interface HandshakeOptions {
  /** The body field that marks a handshake, e.g. `type`. */
  readonly field: string;
  /** The value of `field` that marks a handshake, e.g. `url_verification`. */
  readonly equalTo: string;
  /** The body field whose value is echoed, e.g. `challenge`. */
  readonly respondWith: string;
  /** How the answer is written. @default HandshakeFormat.JSON - `{"<respondWith>": <value>}` */
  readonly respondAs?: HandshakeFormat;
}

export interface WebhookOptions {
  /** How requests are verified: a preset such as `WebhookSource.github()` or a generic scheme. */
  readonly source: WebhookSource;
  /** CEL over `input` and `headers` yielding the event key routes match, e.g. `'stripe:' + input.type`. */
  readonly eventKey: string;
  /** CEL yielding the event's scope (a customer, a repository…). @default - no scope */
  readonly scope?: string;
  /** CEL yielding a bool; false answers 202 `filtered` and starts nothing. @default - every event passes */
  readonly filter?: string;
  /** CEL yielding the deduplication key. @default - the provider's delivery id */
  readonly idempotencyKey?: string;
  /** CEL yielding the FIFO message group (ordering). @default - the scope, else the delivery id */
  readonly groupBy?: string;
  /** Merged over the top level of the payload; the static value wins. @default - none */
  readonly staticPayload?: Readonly<Record<string, unknown>>;
  /** @default - 100 requests per second, burst 200, no quota (the gateway's defaultRateLimit) */
  readonly rateLimit?: RateLimit;
  /** An existing secret for this webhook, possibly shared with others. @default - the gateway creates one */
  readonly secret?: ISecret;
  /** The answer to an accepted request. @default - 202 `{"id","status"}`, or what the provider expects */
  readonly successResponse?: SuccessResponse;
  /** Largest accepted body; larger → 413. At most 4 MiB. @default Size.mebibytes(4) - what Lambda takes after API Gateway base64-encodes the body */
  readonly maxBodySize?: Size;
  /** The URL the sender signs, when a custom domain fronts the API. @default - the gateway's customDomain URL of the webhook, else the URL API Gateway saw */
  readonly publicUrl?: string;
  /** A generic handshake, answered only after verification. @default - the preset's own, if any */
  readonly handshake?: HandshakeOptions;
  /**
   * Source addresses allowed to call this webhook (IPv4 and IPv6 CIDR blocks, or single
   * addresses), enforced by the API's resource policy before any function runs; others get the
   * 404 of an unknown webhook. Lists change: copy them from the provider (GitHub's
   * `GET https://api.github.com/meta` `hooks`, Stripe's webhook IP list) and redeploy when they do.
   * @default - any address
   */
  readonly allowedSourceIps?: string[];
}

export interface RouteOptions {
  /** Only events from this webhook. @default - events from any webhook */
  readonly webhook?: string;
  /** Only events whose scope equals this value. @default - any scope */
  readonly scope?: string;
  /** CEL over the final event (`input` is the merged payload). @default - no filter */
  readonly filter?: string;
  /**
   * The target's workflow type, for a state machine imported by ARN (whose type cannot be read).
   * Express targets are started at least once; Standard targets exactly once per event.
   * @default - read from the state machine when it is defined in the app, else STANDARD
   */
  readonly workflowType?: sfn.StateMachineType;
}

/** What `WebhookGateway.addWebhook` builds a webhook from (not for direct use). */
export interface WebhookBinding {
  readonly name: string;
  readonly options: WebhookOptions;
  readonly source: WebhookSourceConfig;
  readonly url: string;
  readonly secretScope: Omit<SecretScope, 'webhook' | 'webhookSecret'>;
  /** The API and stage the webhook's usage plan applies to. */
  readonly api: apigw.RestApi;
  /** Throttle and quota of the webhook's own usage plan (after defaults). */
  readonly limits: PlanLimits;
  readonly apiKeyValue: string;
  readonly maxBodySize: number;
}

/** One webhook of a gateway: its path, secrets and usage-plan key. Created by `WebhookGateway.addWebhook`. */
export class Webhook extends Construct {
  /** URL-safe name; the path is `/webhooks/{name}`. */
  readonly name: string;
  readonly path: string;
  /** The full URL to give the sender (a token until deployment). */
  readonly url: string;
  /** The secret the verifier reads by default; undefined for sources without one (`none`, `headerMatch`). */
  readonly secret?: ISecret;
  /** Every secret the verifier reads, by reference (`default`, and one per extra `allOf` member). */
  readonly secrets: Readonly<Record<string, ISecret>>;
  /**
   * Secrets given by the user (granted by ARN rather than by the gateway's name prefix).
   * @internal
   */
  readonly _existingSecrets: ISecret[];
  /** The usage-plan key the authorizer returns for this webhook's path; its value never changes. */
  readonly apiKey: apigw.IApiKey;
  /** The webhook's own usage plan: its throttle and quota, updated in place when they change. */
  readonly usagePlan: apigw.IUsagePlan;
  /** The resource that associates the key with the plan (API Gateway creates these one at a time). */
  readonly usagePlanKey: apigw.CfnUsagePlanKey;
  /**
   * Problems found while binding (reported at synth with the gateway's other checks).
   * @internal
   */
  readonly _problems: string[];
  private readonly config: WebhookConfig;
  private waiters = 0;

  /**
   * A webhook of `binding` in `scope` (a nested stack of the gateway).
   * @internal
   */
  static _create(scope: Construct, binding: WebhookBinding): Webhook {
    return new Webhook(scope, binding);
  }

  private constructor(scope: Construct, binding: WebhookBinding) {
    super(scope, binding.name);
    const { name, options, source } = binding;
    this.name = name;
    this.path = `/webhooks/${name}`;
    this.url = binding.url;
    const resolved = resolveSecrets(this, source.secrets, {
      ...binding.secretScope,
      webhook: name,
      webhookSecret: options.secret,
    });
    this.secrets = resolved.secrets;
    this.secret = resolved.secrets[DEFAULT_SECRET];
    this._existingSecrets = resolved.existing;
    this._problems = resolved.errors;
    const { limits } = binding;
    const quota = limits.quota ? ` quota ${limits.quota.limit}/${limits.quota.period}` : '';
    this.usagePlan = new apigw.UsagePlan(this, 'UsagePlan', {
      description: `Webhook "${name}": ${limits.rate}/s burst ${limits.burst}${quota}`,
      apiStages: [{ api: binding.api, stage: binding.api.deploymentStage }],
      throttle: { rateLimit: limits.rate, burstLimit: limits.burst },
      ...defined({ quota: limits.quota && { limit: limits.quota.limit, period: limits.quota.period } }),
    });
    this.apiKey = new apigw.ApiKey(this, 'ApiKey', {
      value: binding.apiKeyValue,
      description: `Usage-plan key of webhook "${name}" (returned by the authorizer, never sent by senders)`,
    });
    this.usagePlanKey = new apigw.CfnUsagePlanKey(this, 'UsagePlanKey', {
      keyId: this.apiKey.keyId,
      keyType: 'API_KEY',
      usagePlanId: this.usagePlan.usagePlanId,
    });
    this.config = {
      name,
      verifier: source.verifier,
      secrets: resolved.locations,
      expressions: {
        eventKey: options.eventKey,
        ...defined({
          scope: options.scope,
          filter: options.filter,
          idempotencyKey: options.idempotencyKey,
          groupBy: options.groupBy,
        }),
      },
      maxBodySize: binding.maxBodySize,
      usageIdentifierKey: binding.apiKeyValue,
      ...defined({
        handshake: options.handshake && handshakeConfig(options.handshake),
        staticPayload: options.staticPayload,
        successResponse: options.successResponse,
        publicUrl: options.publicUrl,
        rateWindows: options.rateLimit?.windows?.map((w) => ({
          periodSeconds: w.period.toSeconds({ integral: false }),
          limit: w.limit,
        })),
      }),
    };
  }

  /**
   * Creates this webhook's plan and key only once `previous`'s plan key exists: API Gateway's
   * control plane takes one CreateUsagePlanKey at a time per account and region.
   * @internal
   */
  _createAfter(previous: Webhook): void {
    this.usagePlan.node.addDependency(previous.usagePlanKey);
    this.apiKey.node.addDependency(previous.usagePlanKey);
  }

  /**
   * Records a waiter listening to this webhook (waitForWebhook): the runtime then checks waiters too.
   * @internal
   */
  _addWaiter(): void {
    this.waiters++;
  }

  /**
   * The stored config, written to the config table at deploy time.
   * @internal
   */
  _toConfig(): WebhookConfig {
    return this.waiters > 0 ? { ...this.config, hasWaiters: true } : this.config;
  }
}

function handshakeConfig(handshake: HandshakeOptions): GenericHandshakeConfig {
  return {
    field: handshake.field,
    equals: handshake.equalTo,
    respondWith: handshake.respondWith,
    ...defined({ as: handshake.respondAs }),
  };
}
