import type { GenericHandshakeConfig, SecretRefName, VerifierConfig } from './verifier';

/**
 * One webhook as the runtime sees it: written to the config table at deploy time (one item per
 * webhook), and read by the local gateway from the synthesized template.
 */
export interface WebhookConfig {
  /** URL-safe name; the path is `/webhooks/{name}`. */
  readonly name: string;
  readonly verifier: VerifierConfig;
  /** Where each secret the verifier reads lives (Secrets Manager id or ARN). Keys: SecretRefName. */
  readonly secrets: Readonly<Record<SecretRefName, SecretLocation>>;
  readonly handshake?: GenericHandshakeConfig;
  readonly expressions: WebhookExpressions;
  /** Merged over the top level of an object input; the static value wins. */
  readonly staticPayload?: Readonly<Record<string, unknown>>;
  readonly successResponse?: SuccessResponse;
  /** Largest accepted body in bytes; larger → 413. */
  readonly maxBodySize: number;
  /** The URL the sender signs (custom domain); otherwise the URL API Gateway saw. */
  readonly publicUrl?: string;
  /** Rate windows enforced by the ingest function (usage plans cover rate, burst and quota). */
  readonly rateWindows?: readonly RateWindow[];
  /** True when at least one waitForWebhook state listens to this webhook. */
  readonly hasWaiters?: boolean;
  /** Deployed only: the value of the webhook's usage-plan API key, returned by the authorizer. */
  readonly usageIdentifierKey?: string;
}

export interface WebhookExpressions {
  /** CEL, must yield a non-empty string. */
  readonly eventKey: string;
  /** CEL, string. */
  readonly scope?: string;
  /** CEL, bool; false → filtered. */
  readonly filter?: string;
  /** CEL, string; default the provider's delivery id. */
  readonly idempotencyKey?: string;
  /** CEL, string; the FIFO message group; default the scope, else the delivery id. */
  readonly groupBy?: string;
}

export interface SecretLocation {
  /** Secrets Manager SecretId (name or ARN). */
  readonly secretId: string;
}

export interface SuccessResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

export interface RateWindow {
  readonly periodSeconds: number;
  readonly limit: number;
}

export type WorkflowType = 'STANDARD' | 'EXPRESS';

/** A route: events whose key matches `eventKeyPattern` (and scope, filter) start `target`. */
export interface RouteConfig {
  /** Stable id, unique in the app; part of the queue dedup id and the execution name. */
  readonly id: string;
  /** Exact event key or a pattern with `*` wildcards, e.g. `stripe:payment_intent.*`. */
  readonly eventKeyPattern: string;
  /** Only events from this webhook. */
  readonly webhook?: string;
  /** Only events whose scope equals this value. */
  readonly scope?: string;
  /** CEL over the final event (`input` is the merged payload). */
  readonly filter?: string;
  readonly target: WorkflowTarget;
}

export interface WorkflowTarget {
  /** State machine, version or alias ARN. */
  readonly arn: string;
  readonly type: WorkflowType;
}

/** Everything the runtime reads: webhooks plus the routes, stored as separate items. */
export interface GatewayConfig {
  readonly webhooks: readonly WebhookConfig[];
  readonly routes: readonly RouteConfig[];
}

export const WEBHOOK_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
