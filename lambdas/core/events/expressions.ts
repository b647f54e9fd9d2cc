import { Optional } from '@marcbachmann/cel-js';
import type { CelEnvironmentName, ExpectedType } from '../cel';
import type { WebhookConfig, WebhookExpressions } from '../config/webhook';

export type WebhookExpressionName = keyof WebhookExpressions;

/** Which expression failed: a webhook's own, or a route's filter (`routes[<id>].filter`). */
export type ExpressionName = WebhookExpressionName | `routes[${string}].filter`;

/** What the transform needs of a webhook's config (the constructs validate before a WebhookConfig exists). */
export type WebhookEventConfig = Pick<WebhookConfig, 'name' | 'expressions' | 'staticPayload'>;

export interface ExpressionSpec {
  readonly type: ExpectedType;
  readonly environment: CelEnvironmentName;
  /** null (or '') means "absent": no scope, or the default key. */
  readonly nullable: boolean;
  /** Shown in error messages as a fix. */
  readonly example: string;
}

/** In evaluation order. */
export const WEBHOOK_EXPRESSIONS: Readonly<Record<WebhookExpressionName, ExpressionSpec>> = {
  filter: { type: 'bool', environment: 'request', nullable: false, example: "input.type != 'ping'" },
  eventKey: { type: 'string', environment: 'request', nullable: false, example: "'stripe:' + input.type" },
  scope: { type: 'string', environment: 'request', nullable: true, example: 'input.data.object.customer' },
  idempotencyKey: { type: 'string', environment: 'event', nullable: true, example: 'input.id' },
  groupBy: { type: 'string', environment: 'event', nullable: true, example: 'scope' },
};

export const ROUTE_FILTER: ExpressionSpec = {
  type: 'bool',
  environment: 'event',
  nullable: false,
  example: 'input.data.object.amount > 1000',
};

/** A failure of any expression: the delivery is recorded as transform_failed and acknowledged. */
export interface TransformFailure {
  readonly status: 'transform_failed';
  readonly expression: ExpressionName;
  /** One line: the CEL error and its position, or the wrong result type. */
  readonly error: string;
  /** Known when the failure came after the event key was computed. */
  readonly eventKey?: string;
  readonly scope?: string;
}

// cel-js does not export these classes.
const CLASS_TYPES: Readonly<Record<string, string>> = { Duration: 'duration', UnsignedInt: 'uint' };

/** The CEL name of a run-time value's type, for error messages. */
export function celTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'double';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'object':
      if (Array.isArray(value)) return 'list';
      if (value instanceof Uint8Array) return 'bytes';
      if (value instanceof Date) return 'timestamp';
      if (value instanceof Optional) return 'optional';
      return CLASS_TYPES[(value as object).constructor?.name ?? ''] ?? 'map';
    default:
      return typeof value;
  }
}
