import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { RouteConfig } from '../core/config/webhook';
import { InvalidGatewayConfigError, parseConfig } from './config';

/** The type of the custom resource an imported gateway's `route` creates: keep it stable. */
export const ROUTES_RESOURCE_TYPE = 'Custom::WebhookGatewayRoutes';

/** Properties of the Custom::WebhookGatewayRoutes resource. */
export interface RoutesResourceProperties {
  readonly ConfigTableName: string;
  /** The writer's id: its routes' partition (`routes#<Writer>`), which its role is confined to. */
  readonly Writer: string;
  /** JSON of GatewayConfig with no webhooks: `{ webhooks: [], routes: RouteConfig[] }`. */
  readonly Config: string;
}

export interface RoutesWriterResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly Routes: number };
}

/** The items one writer changes (DynamoDbConfigItems on AWS). */
export interface ImportedRouteItems {
  hasWebhook(table: string, name: string): Promise<boolean>;
  putImportedRoutes(table: string, writer: string, routes: readonly RouteConfig[]): Promise<void>;
  importedRouteIds(table: string, writer: string): Promise<string[]>;
  deleteImportedRoutes(table: string, writer: string, ids: readonly string[]): Promise<void>;
}

/**
 * The custom resource that writes the routes a stack adds to a gateway it does not own. It only
 * ever touches its own partition: Create/Update check that each route's webhook exists, write
 * every route, then delete its routes that are no longer there; Delete removes all of its routes.
 * The gateway's own writer and the other writers never see these items.
 */
export function createRoutesWriter(items: ImportedRouteItems) {
  return async (event: CloudFormationCustomResourceEvent): Promise<RoutesWriterResult> => {
    const props = event.ResourceProperties as unknown as RoutesResourceProperties;
    const table = props.ConfigTableName;
    const writer = props.Writer;
    if (typeof writer !== 'string' || writer === '')
      throw new InvalidGatewayConfigError('Writer must be a non-empty string');
    const { webhooks, routes } = parseConfig(props.Config);
    if (webhooks.length > 0)
      throw new InvalidGatewayConfigError('an imported gateway adds routes only: Config.webhooks must be empty');

    if (event.RequestType === 'Delete') {
      await items.deleteImportedRoutes(table, writer, await items.importedRouteIds(table, writer));
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { Routes: routes.length } };
    }

    const names = [...new Set(routes.flatMap((r) => (r.webhook === undefined ? [] : [r.webhook])))];
    const exists = await Promise.all(names.map((name) => items.hasWebhook(table, name)));
    const missing = names.filter((_, i) => !exists[i]);
    if (missing.length > 0) {
      const route = routes.find((r) => r.webhook === missing[0])!;
      throw new InvalidGatewayConfigError(
        `route "${route.eventKeyPattern}": webhook "${missing[0]}" does not exist in the gateway of config table ${table}: add it in the stack that defines the gateway and deploy that stack first, or fix the route's webhook option`,
      );
    }

    await items.putImportedRoutes(table, writer, routes);
    const ids = new Set(routes.map((r) => r.id));
    const stale = (await items.importedRouteIds(table, writer)).filter((id) => !ids.has(id));
    await items.deleteImportedRoutes(table, writer, stale);
    return { PhysicalResourceId: `${table}/routes#${writer}`, Data: { Routes: routes.length } };
  };
}
