/**
 * Stack outputs of a gateway, found by key with DescribeStacks (the CLI's `--stack`). Keys are the
 * gateway's construct id (non-alphanumerics removed) followed by a fixed suffix, so several
 * gateways can share a stack.
 */

/** A value a gateway writes as a stack output. */
export enum GatewayOutput {
  /** The base URL senders call, ending in `/`: the custom domain's when the gateway has one, else the stage's. */
  API_URL = 'apiUrl',
  /** Comma-separated webhook paths relative to the API URL (`webhooks/github,webhooks/stripe`), or `none`. */
  WEBHOOK_PATHS = 'webhookPaths',
  /** The config table's name. */
  CONFIG_TABLE = 'configTable',
  /** The delivery history table's name. */
  HISTORY_TABLE = 'historyTable',
  /** The payload bucket's name. */
  PAYLOAD_BUCKET = 'payloadBucket',
  /** The event queue's URL. */
  QUEUE_URL = 'queueUrl',
  /** The dead-letter queue's URL. */
  DEAD_LETTER_QUEUE_URL = 'deadLetterQueueUrl',
  /** The value of the metrics' `Gateway` dimension. */
  GATEWAY_NAME = 'gatewayName',
  /** Secret names of created secrets start with `<prefix>/`. */
  SECRET_PREFIX = 'secretPrefix',
  /** With a custom domain: the regional host name to point the domain at (CNAME or alias record). */
  DOMAIN_TARGET = 'domainTarget',
  /** The ARN of the gateway's KMS key (for `WebhookGateway.fromGatewayAttributes`). */
  ENCRYPTION_KEY_ARN = 'encryptionKeyArn',
  /** The ARN of the dispatcher's role (for `route` on `WebhookGateway.fromGatewayAttributes`). */
  DISPATCHER_ROLE_ARN = 'dispatcherRoleArn',
}

/** The suffix of each output's key, by name. */
export const GATEWAY_OUTPUTS = {
  apiUrl: 'ApiUrl',
  webhookPaths: 'WebhookPaths',
  configTable: 'ConfigTable',
  historyTable: 'HistoryTable',
  payloadBucket: 'PayloadBucket',
  queueUrl: 'QueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  gatewayName: 'GatewayName',
  secretPrefix: 'SecretPrefix',
  domainTarget: 'DomainTarget',
  encryptionKeyArn: 'EncryptionKeyArn',
  dispatcherRoleArn: 'DispatcherRoleArn',
} as const satisfies Record<GatewayOutput, string>;

export type GatewayOutputName = keyof typeof GATEWAY_OUTPUTS;

/** The output values of one gateway; each is absent when the stack has no such output. */
export interface GatewayOutputValues {
  /** The base URL senders call, ending in `/`. @default - absent */
  readonly apiUrl?: string;
  /** Comma-separated webhook paths relative to apiUrl, or `none`. @default - absent */
  readonly webhookPaths?: string;
  /** The config table's name. @default - absent */
  readonly configTable?: string;
  /** The delivery history table's name. @default - absent */
  readonly historyTable?: string;
  /** The payload bucket's name. @default - absent */
  readonly payloadBucket?: string;
  /** The event queue's URL. @default - absent */
  readonly queueUrl?: string;
  /** The dead-letter queue's URL. @default - absent */
  readonly deadLetterQueueUrl?: string;
  /** The metrics' `Gateway` dimension. @default - absent */
  readonly gatewayName?: string;
  /** The prefix of the created secrets' names. @default - absent */
  readonly secretPrefix?: string;
  /** The regional host name to point the custom domain at. @default - absent: the gateway has no custom domain */
  readonly domainTarget?: string;
  /** The ARN of the gateway's KMS key. @default - absent */
  readonly encryptionKeyArn?: string;
  /** The ARN of the dispatcher's role. @default - absent */
  readonly dispatcherRoleArn?: string;
}

function prefixOf(gatewayId: string): string {
  return gatewayId.replace(/[^A-Za-z0-9]/g, '');
}

/** Finds a gateway's values among its stack's outputs. */
export class GatewayOutputs {
  /** The output key of one value of the gateway with this construct id, e.g. `WebhooksApiUrl`. */
  static keyOf(gatewayId: string, output: GatewayOutput): string {
    return gatewayOutputKey(gatewayId, output);
  }

  /**
   * The gateways described by a stack's outputs (output key → value, e.g. from DescribeStacks), by
   * key prefix: the construct id without non-alphanumerics. A gateway is recognised by its `…ApiUrl` output.
   */
  static read(outputs: Record<string, string>): Record<string, GatewayOutputValues> {
    const gateways: Record<string, GatewayOutputValues> = {};
    for (const key of Object.keys(outputs)) {
      if (!key.endsWith(GATEWAY_OUTPUTS.apiUrl)) continue;
      const prefix = key.slice(0, -GATEWAY_OUTPUTS.apiUrl.length);
      const values: Partial<Record<GatewayOutputName, string>> = {};
      for (const [name, suffix] of Object.entries(GATEWAY_OUTPUTS) as [GatewayOutputName, string][]) {
        const value = outputs[`${prefix}${suffix}`];
        if (value !== undefined) values[name] = value;
      }
      gateways[prefix] = values;
    }
    return gateways;
  }

  private constructor() {}
}

/** `GatewayOutputs.keyOf` for the CLI and the constructs, which name outputs by their string name. */
export function gatewayOutputKey(gatewayId: string, name: GatewayOutputName): string {
  return `${prefixOf(gatewayId)}${GATEWAY_OUTPUTS[name]}`;
}

/** `GatewayOutputs.read` over DescribeStacks' `Outputs` as the AWS SDK returns them (for the CLI). */
export function readGatewayOutputs(
  outputs: readonly { readonly OutputKey?: string; readonly OutputValue?: string }[],
): Record<string, GatewayOutputValues> {
  return GatewayOutputs.read(Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])));
}
