import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { WebhookConfig } from '../core/config/webhook';
import { webhookNameOf } from '../core/http/webhook-path';
import type { Log } from '../adapters/ports';

export interface AuthorizerDeps {
  /** The webhook's stored config, or undefined when unknown (cached by the store). */
  readonly webhook: (name: string) => Promise<{ readonly config: WebhookConfig } | undefined>;
  readonly log: Log;
}

/**
 * REQUEST authorizer: the path names the webhook, the webhook's usage-plan key throttles it. An
 * unknown webhook is denied (the constructs answer ACCESS_DENIED as 404). A failing lookup throws,
 * which API Gateway answers as AUTHORIZER_FAILURE.
 */
export function createAuthorizerHandler(deps: AuthorizerDeps) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const name = webhookNameOf(event);
    const found = name === undefined ? undefined : await deps.webhook(name);
    if (name === undefined || found === undefined) {
      deps.log.info('authorizer denied', { reason: 'unknown_webhook', path: event.path });
      return policy('unknown', 'Deny', event.methodArn);
    }
    const key = found.config.usageIdentifierKey;
    return {
      ...policy(name, 'Allow', event.methodArn),
      ...(key !== undefined ? { usageIdentifierKey: key } : {}),
      context: { webhook: name },
    };
  };
}

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
  };
}
