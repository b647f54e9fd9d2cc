import { CelCompileError, compileExpression, type CompiledExpression } from '../cel';
import type { RouteConfig } from '../config/webhook';
import { celTypeName, ROUTE_FILTER, type TransformFailure } from './expressions';
import { run } from './transform';

export interface CompiledRoute {
  readonly route: RouteConfig;
  readonly filter?: CompiledExpression;
}

export interface CompiledRoutes {
  readonly routes: readonly CompiledRoute[];
}

/** A route filter that does not compile at run time: synth validates, so this is a deployment bug. */
export class RouteCompileError extends Error {
  override readonly name = 'RouteCompileError';
  constructor(
    readonly routeId: string,
    options: { cause: unknown },
  ) {
    super(`route "${routeId}": filter does not compile: ${(options.cause as Error).message}`, options);
  }
}

const compiledRouteLists = new WeakMap<readonly RouteConfig[], CompiledRoutes>();

/** Compiles every route filter once per routes array. */
export function compileRoutes(routes: readonly RouteConfig[]): CompiledRoutes {
  let compiled = compiledRouteLists.get(routes);
  if (compiled === undefined) {
    compiled = { routes: routes.map(compileRoute) };
    compiledRouteLists.set(routes, compiled);
  }
  return compiled;
}

function compileRoute(route: RouteConfig): CompiledRoute {
  if (route.filter === undefined) return { route };
  try {
    return { route, filter: compileExpression(route.filter, ROUTE_FILTER.type, ROUTE_FILTER) };
  } catch (error) {
    if (error instanceof CelCompileError) throw new RouteCompileError(route.id, { cause: error });
    throw error;
  }
}

/** What a route sees of an event. */
export interface RoutableEvent {
  readonly webhook: string;
  readonly eventKey: string;
  readonly scope?: string;
  /** The final payload: route filters see it as `input`. */
  readonly payload: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

export type RoutingResult =
  | { readonly status: 'routed'; readonly routes: readonly RouteConfig[] }
  | { readonly status: 'unrouted' }
  | TransformFailure;

/**
 * Every route whose webhook, event key pattern, scope and filter match, in configuration order.
 * A filter that errors fails the whole delivery (transform_failed, `routes[<id>].filter`) rather
 * than being skipped, so that a replay after the fix starts every route it should.
 */
export function matchRoutes(compiled: CompiledRoutes, event: RoutableEvent): RoutingResult {
  const matched: RouteConfig[] = [];
  let variables: Record<string, unknown> | undefined;
  for (const { route, filter } of compiled.routes) {
    if (route.webhook !== undefined && route.webhook !== event.webhook) continue;
    if (route.scope !== undefined && route.scope !== event.scope) continue;
    if (!matchesEventKey(route.eventKeyPattern, event.eventKey)) continue;
    if (filter) {
      variables ??= {
        input: event.payload,
        headers: event.headers,
        query: event.query,
        webhook: event.webhook,
        eventKey: event.eventKey,
        scope: event.scope ?? null,
      };
      const result = run(filter, variables);
      const error = !result.ok
        ? result.error
        : typeof result.value !== 'boolean'
          ? `must return bool, got ${celTypeName(result.value)}`
          : undefined;
      if (error !== undefined) {
        return {
          status: 'transform_failed',
          expression: `routes[${route.id}].filter`,
          error,
          eventKey: event.eventKey,
          ...(event.scope !== undefined && { scope: event.scope }),
        };
      }
      if (result.ok && result.value === false) continue;
    }
    matched.push(route);
  }
  return matched.length > 0 ? { status: 'routed', routes: matched } : { status: 'unrouted' };
}

const STAR = 0x2a;

/**
 * An event key pattern: `*` matches any run of characters (none included, `:` and `.` included);
 * every other character matches itself. Greedy two-pointer matching: O(pattern × key) at worst,
 * never exponential, whatever the sender puts in the key.
 */
export function matchesEventKey(pattern: string, key: string): boolean {
  if (!pattern.includes('*')) return pattern === key;
  let p = 0;
  let k = 0;
  let star = -1;
  let resume = 0;
  while (k < key.length) {
    const c = p < pattern.length ? pattern.charCodeAt(p) : -1;
    if (c === STAR) {
      star = p++;
      resume = k;
    } else if (c === key.charCodeAt(k)) {
      p++;
      k++;
    } else if (star >= 0) {
      p = star + 1;
      k = ++resume;
    } else {
      return false;
    }
  }
  while (pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}
