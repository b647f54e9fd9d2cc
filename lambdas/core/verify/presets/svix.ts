import { standardWebhooksScheme } from './standard-webhooks';

/**
 * Svix: the Standard Webhooks scheme under `svix-id`, `svix-timestamp`, `svix-signature`; like the
 * svix library, each falls back to its `webhook-` name (Svix's unbranded headers).
 */
export const svix = standardWebhooksScheme('svix', ['svix-', 'webhook-']);
