import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { WEBHOOK_NAME_PATTERN, type GatewayConfig, type RouteConfig, type WebhookConfig } from '../core/config/webhook';

/** Properties of the Custom::WebhookGatewayConfig resource. */
export interface ConfigResourceProperties {
  readonly ConfigTableName: string;
  /** JSON of GatewayConfig: `{ webhooks: WebhookConfig[], routes: RouteConfig[] }`. */
  readonly Config: string;
}

export interface ConfigWriterResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly Webhooks: number; readonly Routes: number };
}

export class InvalidGatewayConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidGatewayConfigError';
  }
}

/** The webhook and route items of a config table, as the writer changes them (DynamoDbConfigItems on AWS). */
export interface ConfigItems {
  /** Writes each webhook's config, keeping the attributes written at run time (`verifiedAt`). */
  putWebhooks(table: string, webhooks: readonly WebhookConfig[]): Promise<void>;
  /** Writes the routes, with their positions (routing keeps configuration order). */
  putRoutes(table: string, routes: readonly RouteConfig[]): Promise<void>;
  routeIds(table: string): Promise<string[]>;
  delete(
    table: string,
    items: { readonly webhooks: readonly string[]; readonly routes: readonly string[] },
  ): Promise<void>;
  /** Deletes these webhooks and every route; a table that is gone has nothing left to delete. */
  removeAll(table: string, webhooks: readonly string[]): Promise<void>;
}

/**
 * The custom resource that writes the gateway's config table at deploy time, as an `onEvent`
 * handler of the custom-resources Provider framework. Create/Update write every webhook (keeping
 * run-time attributes such as `verifiedAt`) and every route, then delete what is no longer there;
 * Delete removes every webhook and route item.
 */
export function createConfigWriter(items: ConfigItems) {
  return async (event: CloudFormationCustomResourceEvent): Promise<ConfigWriterResult> => {
    const props = event.ResourceProperties as unknown as ConfigResourceProperties;
    const config = parseConfig(props.Config);
    const table = props.ConfigTableName;
    const physicalId = `${table}/webhook-gateway-config`;
    const counts = { Webhooks: config.webhooks.length, Routes: config.routes.length };

    if (event.RequestType === 'Delete') {
      await items.removeAll(
        table,
        config.webhooks.map((w) => w.name),
      );
      return { PhysicalResourceId: event.PhysicalResourceId, Data: counts };
    }

    await items.putWebhooks(table, config.webhooks);
    await items.putRoutes(table, config.routes);

    const names = new Set(config.webhooks.map((w) => w.name));
    const oldProps =
      event.RequestType === 'Update' ? (event.OldResourceProperties as unknown as ConfigResourceProperties) : undefined;
    const oldWebhooks = oldProps && oldProps.ConfigTableName === table ? parseConfig(oldProps.Config).webhooks : [];
    const routeIds = new Set(config.routes.map((r) => r.id));
    await items.delete(table, {
      webhooks: oldWebhooks.filter((w) => !names.has(w.name)).map((w) => w.name),
      routes: (await items.routeIds(table)).filter((id) => !routeIds.has(id)),
    });
    return { PhysicalResourceId: physicalId, Data: counts };
  };
}

export function parseConfig(text: string | undefined): GatewayConfig {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch (cause) {
    throw new InvalidGatewayConfigError('Config is not JSON', { cause });
  }
  const config = value as Partial<GatewayConfig> | null;
  if (!config || !Array.isArray(config.webhooks) || !Array.isArray(config.routes)) {
    throw new InvalidGatewayConfigError('Config must be { "webhooks": [...], "routes": [...] }');
  }
  for (const w of config.webhooks) {
    if (typeof w?.name !== 'string' || !WEBHOOK_NAME_PATTERN.test(w.name)) {
      throw new InvalidGatewayConfigError(
        `webhook name ${JSON.stringify(w?.name)} does not match ${WEBHOOK_NAME_PATTERN}`,
      );
    }
  }
  for (const r of config.routes) {
    if (typeof r?.id !== 'string' || r.id === '')
      throw new InvalidGatewayConfigError('every route needs a non-empty id');
  }
  return config as GatewayConfig;
}
