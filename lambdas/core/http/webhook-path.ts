import { WEBHOOK_NAME_PATTERN } from '../config/webhook';

/** What names the webhook of a request: API Gateway's `{name}` path parameter and the path. */
export interface WebhookPath {
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly path?: string | null;
}

const WEBHOOK_PATH = /\/webhooks\/([^/]+)\/?$/;

/**
 * The webhook name of a request: the `{name}` path parameter, else the path's last `/webhooks/<name>`
 * (a stage prefix allowed); undefined unless it decodes to a valid webhook name. The authorizer and
 * the ingest read it the same way.
 */
export function webhookNameOf(request: WebhookPath): string | undefined {
  const raw = request.pathParameters?.name ?? WEBHOOK_PATH.exec(request.path ?? '')?.[1];
  if (raw === undefined) return undefined;
  let name = raw;
  try {
    if (raw.includes('%')) name = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return WEBHOOK_NAME_PATTERN.test(name) ? name : undefined;
}
