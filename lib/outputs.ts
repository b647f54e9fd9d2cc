/**
 * Stack outputs of a gateway, found by key with DescribeStacks (the CLI's `--stack`). Keys are the
 * gateway's construct id (non-alphanumerics removed) followed by a fixed suffix, so several
 * gateways can share a stack.
 */
export const GATEWAY_OUTPUTS = {
  /** The base URL senders call, ending in `/`: the custom domain's when the gateway has one, else the stage's. */
  apiUrl: 'ApiUrl',
  /** Comma-separated webhook paths relative to apiUrl (`webhooks/github,webhooks/stripe`). */
  webhookPaths: 'WebhookPaths',
  configTable: 'ConfigTable',
  historyTable: 'HistoryTable',
  payloadBucket: 'PayloadBucket',
  queueUrl: 'QueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  /** The value of the metrics' `Gateway` dimension. */
  gatewayName: 'GatewayName',
  /** Secret names of created secrets start with `<prefix>/`. */
  secretPrefix: 'SecretPrefix',
  /** With a custom domain: the regional host name to point the domain at (CNAME or alias record). */
  domainTarget: 'DomainTarget',
} as const;

export type GatewayOutputName = keyof typeof GATEWAY_OUTPUTS;
export type GatewayOutputs = { readonly [K in GatewayOutputName]?: string };

function prefixOf(gatewayId: string): string {
  return gatewayId.replace(/[^A-Za-z0-9]/g, '');
}

/** The output key of one value of the gateway with this construct id. */
export function gatewayOutputKey(gatewayId: string, name: GatewayOutputName): string {
  return `${prefixOf(gatewayId)}${GATEWAY_OUTPUTS[name]}`;
}

/**
 * The gateways described by a stack's outputs, by key prefix (the construct id without
 * non-alphanumerics). A gateway is recognised by its `…ApiUrl` output.
 */
export function readGatewayOutputs(
  outputs: readonly { readonly OutputKey?: string; readonly OutputValue?: string }[],
): Record<string, GatewayOutputs> {
  const byKey = new Map(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const gateways: Record<string, GatewayOutputs> = {};
  for (const key of byKey.keys()) {
    if (!key.endsWith(GATEWAY_OUTPUTS.apiUrl)) continue;
    const prefix = key.slice(0, -GATEWAY_OUTPUTS.apiUrl.length);
    const values: Partial<Record<GatewayOutputName, string>> = {};
    for (const [name, suffix] of Object.entries(GATEWAY_OUTPUTS) as [GatewayOutputName, string][]) {
      const value = byKey.get(`${prefix}${suffix}`);
      if (value !== undefined) values[name] = value;
    }
    gateways[prefix] = values;
  }
  return gateways;
}
