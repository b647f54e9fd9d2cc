import { createHash } from 'node:crypto';
import { Names, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

function sha256(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/**
 * A name for the gateway that is stable across deployments and unique in the account: the stack
 * name and the construct id, or the construct's unique id when the stack name is not known at synth.
 */
export function gatewayName(gateway: Construct): string {
  const stackName = Stack.of(gateway).stackName;
  return Token.isUnresolved(stackName) ? Names.uniqueId(gateway) : `${stackName}-${gateway.node.id}`;
}

/** Default secret name prefix: `<stack name>/<construct id>` (valid Secrets Manager name characters only). */
export function defaultSecretPrefix(gateway: Construct): string {
  const stackName = Stack.of(gateway).stackName;
  const base = Token.isUnresolved(stackName) ? Names.uniqueId(gateway) : `${stackName}/${gateway.node.id}`;
  return base.replace(/[^A-Za-z0-9/_+=.@-]/g, '-');
}

/**
 * The usage-plan API key value of a webhook: deterministic, so the config carries it without a
 * cross-stack token, unique per stack, gateway and webhook, and the same for the webhook's whole
 * life. Its limits live in its own usage plan, updated in place, so a change of limits never
 * replaces the key that cached authorizer answers still name.
 */
export function apiKeyValue(gateway: Construct, webhook: string): string {
  return `whk${sha256(Stack.of(gateway).stackName, gateway.node.addr, webhook).slice(0, 40)}`;
}

/** Which nested stack holds a webhook: a hash of its name alone, so nothing else ever moves it. */
export function shardOf(webhook: string, shards: number): number {
  return Number.parseInt(sha256(webhook).slice(0, 8), 16) % shards;
}

/** A route id from everything that defines the route, so it survives reordering. */
export function routeId(parts: readonly (string | undefined)[]): string {
  return `r${sha256(...parts.map((p) => p ?? '')).slice(0, 15)}`;
}
